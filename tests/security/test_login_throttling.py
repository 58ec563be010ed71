"""Finding 6: password guessing on the site and admin logins is throttled by django-axes.

Before: 50 wrong passwords in a row were all answered 200 and the right one then signed in at once;
a password of digits only was accepted.
"""
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import get_default_password_validators, validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"
SITE_LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"


@pytest.fixture
def victim():
    # Staff, so that the right password would also open the admin.
    return get_user_model().objects.create_user(username="victim", password=PASSWORD, is_staff=True)


def _post_login(client, url, username, password, **extra):
    return client.post(url, {"username": username, "password": password}, **extra)


def _guess_until_locked(client, url, username, **extra):
    """The attack: wrong passwords as fast as the server answers, up to the failure limit."""
    return [_post_login(client, url, username, f"guess-{i}", **extra).status_code
            for i in range(settings.AXES_FAILURE_LIMIT)]


def _assert_lockout_page(response):
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert response.status_code == 429
    text = " ".join(response.content.decode().split())
    assert f"After {settings.AXES_FAILURE_LIMIT} failed sign-in attempts" in text
    assert f"is locked for {minutes} minutes" in text


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_configured_limits_are_five_failures_and_fifteen_minutes():
    # The numbers the finding asks for; the environment may change them (README).
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME == timedelta(minutes=15)
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


@pytest.mark.parametrize("url", [SITE_LOGIN, ADMIN_LOGIN])
def test_right_password_is_refused_after_five_failures(client, victim, url):
    statuses = _guess_until_locked(client, url, "victim")

    # The first four failures show the form again; the fifth already answers with the lock.
    assert statuses[:-1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert statuses[-1] == 429
    response = _post_login(client, url, "victim", PASSWORD)
    _assert_lockout_page(response)
    assert not _signed_in(client)
    victim.refresh_from_db()
    assert victim.last_login is None  # nothing about the account changed
    # Still locked for the whole site, not just the login page that was attacked.
    other_login = ADMIN_LOGIN if url == SITE_LOGIN else SITE_LOGIN
    _assert_lockout_page(_post_login(client, other_login, "victim", PASSWORD))
    assert client.get(reverse("reporting:job_list")).status_code == 302  # to the login page


def test_the_lock_is_per_username_and_address(client, victim):
    get_user_model().objects.create_user(username="bystander", password=PASSWORD)
    _guess_until_locked(client, SITE_LOGIN, "victim")
    _assert_lockout_page(_post_login(client, SITE_LOGIN, "victim", PASSWORD))

    # Another user at the same address signs in as usual ...
    response = _post_login(client, SITE_LOGIN, "bystander", PASSWORD)
    assert response.status_code == 302 and _signed_in(client)
    client.logout()
    # ... and so does the victim from another address.
    response = _post_login(client, SITE_LOGIN, "victim", PASSWORD, REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 302 and _signed_in(client)


def test_a_forged_forwarded_for_header_does_not_reset_the_count(client, victim):
    # Without DJANGO_BEHIND_PROXY the client address is the socket's, whatever the headers claim.
    for i in range(settings.AXES_FAILURE_LIMIT):
        _post_login(client, SITE_LOGIN, "victim", f"guess-{i}", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
    _assert_lockout_page(_post_login(client, SITE_LOGIN, "victim", PASSWORD,
                                     HTTP_X_FORWARDED_FOR="198.51.100.200"))
    assert not _signed_in(client)


def test_behind_the_proxy_only_the_address_the_proxy_appended_counts(client, victim, settings):
    # The client forges the left part of X-Forwarded-For; the trusted proxy appends the real one.
    settings.BEHIND_PROXY = True
    for i in range(settings.AXES_FAILURE_LIMIT):
        _post_login(client, SITE_LOGIN, "victim", f"guess-{i}", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}, 203.0.113.9",
                    REMOTE_ADDR="10.0.0.2")
    _assert_lockout_page(_post_login(client, SITE_LOGIN, "victim", PASSWORD,
                                     HTTP_X_FORWARDED_FOR="198.51.100.200, 203.0.113.9", REMOTE_ADDR="10.0.0.2"))
    # Another client behind the same proxy is not locked out with the attacker.
    response = _post_login(client, SITE_LOGIN, "victim", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.50",
                           REMOTE_ADDR="10.0.0.2")
    assert response.status_code == 302 and _signed_in(client)


def test_the_lock_lifts_after_the_cool_off(client, victim):
    _guess_until_locked(client, SITE_LOGIN, "victim")
    cool_off = settings.AXES_COOLOFF_TIME

    # Move the recorded failures back in time instead of waiting.
    AccessAttempt.objects.update(attempt_time=timezone.now() - cool_off + timedelta(minutes=1))
    _assert_lockout_page(_post_login(client, SITE_LOGIN, "victim", PASSWORD))  # a minute to go

    AccessAttempt.objects.update(attempt_time=timezone.now() - cool_off - timedelta(minutes=1))
    response = _post_login(client, SITE_LOGIN, "victim", PASSWORD)
    assert response.status_code == 302 and _signed_in(client)


def test_a_successful_sign_in_resets_the_count(client, victim):
    for i in range(settings.AXES_FAILURE_LIMIT - 1):
        _post_login(client, SITE_LOGIN, "victim", f"guess-{i}")
    assert _post_login(client, SITE_LOGIN, "victim", PASSWORD).status_code == 302
    client.logout()
    for i in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _post_login(client, SITE_LOGIN, "victim", f"again-{i}").status_code == 200
    assert _post_login(client, SITE_LOGIN, "victim", PASSWORD).status_code == 302


def test_numeric_only_passwords_are_rejected():
    with pytest.raises(ValidationError) as excinfo:
        validate_password("12345678901")
    assert "password_entirely_numeric" in [e.code for e in excinfo.value.error_list]


def test_all_four_django_password_validators_are_on():
    assert {type(v).__name__ for v in get_default_password_validators()} == {
        "UserAttributeSimilarityValidator", "MinimumLengthValidator", "CommonPasswordValidator",
        "NumericPasswordValidator",
    }
