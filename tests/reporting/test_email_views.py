"""Signed download links from the email, "Email this report" and the ledger on the job page."""
import hashlib
import re
import time

import pytest
from django.test import Client
from django.urls import reverse

from reporting.models import EmailDelivery
from reporting.services.download_links import download_link_token
from tests.factories import UserFactory
from tests.reporting.email_helpers import kpi_template, run_job
from tests.smtp_server import smtp_server  # noqa: F401 (fixture: a real SMTP server)

pytestmark = pytest.mark.django_db
LINK = re.compile(r"http://127\.0\.0\.1:8000(/download/[^/\s]+/)")


@pytest.fixture
def linked_job(smtp_server, user, settings):  # noqa: F811
    settings.REPORTING_EMAIL_MAX_ATTACHMENT_MB = 0.001  # the files become links
    job = run_job(kpi_template(), user=user)
    [received] = smtp_server.wait_for(1)
    return job, dict(zip(("pdf", "xlsx"), LINK.findall(received.text)))


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_mailed_link_gives_a_permitted_user_the_stored_file(client, user, linked_job):
    job, links = linked_job
    client.force_login(user)
    for fmt, path in links.items():
        response = client.get(path)
        assert response.status_code == 200, fmt
        assert hashlib.sha256(body(response)).hexdigest() == job.artifacts.get(format=fmt).sha256
        assert response["Cache-Control"] == "private, no-store"


def test_a_mailed_link_needs_a_login_and_the_right_to_download(client, other_user, linked_job):
    _, links = linked_job
    anonymous = Client().get(links["pdf"])
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    client.force_login(other_user)  # a forwarded mail: the link alone is no permission
    assert client.get(links["pdf"]).status_code == 404


def test_an_expired_link_is_refused_with_a_clear_message(client, user, linked_job, settings):
    job, _ = linked_job
    days = settings.REPORTING_EMAIL_LINK_DAYS
    old = download_link_token(artifact=job.artifacts.get(format="pdf"),
                              signed_at=time.time() - days * 86400 - 60)
    client.force_login(user)
    response = client.get(reverse("reporting:download_link", args=[old]))
    assert response.status_code == 410
    assert "This download link expired: it was sent on" in response.content.decode()
    assert f"links are valid for {days} days. Open the job page to download the file." in response.content.decode()
    fresh = download_link_token(artifact=job.artifacts.get(format="pdf"), signed_at=time.time() - days * 86400 + 60)
    assert client.get(reverse("reporting:download_link", args=[fresh])).status_code == 200


def test_email_this_report_to_me_once(smtp_server, client, settings):  # noqa: F811
    owner = UserFactory(username="owner", email="owner@example.com")
    job = run_job(kpi_template(), user=owner, recipients=[])
    client.force_login(owner)
    page = client.get(reverse("reporting:job_detail", args=[job.public_id])).content.decode()
    assert "Email this report" in page and "To me (owner@example.com)" in page

    url = reverse("reporting:job_email", args=[job.public_id])
    response = client.post(url, {"to_me": "on", "addresses": "lead@example.com"}, follow=True)
    assert "Emailed to owner@example.com, lead@example.com." in response.content.decode()
    assert sorted(m.rcpt_tos[0] for m in smtp_server.wait_for(2)) == ["lead@example.com", "owner@example.com"]

    again = client.post(url, {"to_me": "on"}, follow=True).content.decode()
    assert "Already emailed to owner@example.com (not sent again)." in again
    assert len(smtp_server.messages) == 2
    assert "<td>owner@example.com</td>" in again and "Sent" in again  # the ledger on the job page


@pytest.mark.parametrize("data, error", [
    ({}, "Not emailed: Choose “To me” or enter at least one address."),
    ({"addresses": "not-an-address"}, "Not emailed: &#x27;not-an-address&#x27; is not a valid email address."),
    ({"addresses": ", ".join(f"a{i}@example.com" for i in range(21))},
     "Not emailed: At most 20 recipients per report (you entered 21)."),
])
def test_email_this_report_holds_to_the_recipient_rules(smtp_server, client, user, data, error):  # noqa: F811
    job = run_job(kpi_template(), user=user, recipients=[])
    client.force_login(user)
    response = client.post(reverse("reporting:job_email", args=[job.public_id]), data, follow=True)
    assert error in response.content.decode()
    assert smtp_server.messages == [] and not EmailDelivery.objects.exists()


def test_email_this_report_outside_the_allowed_domains_is_refused(smtp_server, client, user, settings):  # noqa: F811
    settings.REPORTING_EMAIL_ALLOWED_DOMAINS = ["example.com"]
    job = run_job(kpi_template(), user=user, recipients=[])
    client.force_login(user)
    response = client.post(reverse("reporting:job_email", args=[job.public_id]),
                           {"addresses": "qa@example.com, spy@evil.example"}, follow=True)
    assert ("Not emailed: &#x27;spy@evil.example&#x27; is not allowed: reports may only be emailed to addresses at "
            "example.com.") in response.content.decode()
    assert smtp_server.messages == []


def test_email_this_report_needs_csrf_and_the_right_to_download(smtp_server, user, other_user):  # noqa: F811
    job = run_job(kpi_template(), user=user, recipients=[])
    url = reverse("reporting:job_email", args=[job.public_id])
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(user)
    assert csrf_client.post(url, {"addresses": "qa@example.com"}).status_code == 403
    stranger = Client()
    stranger.force_login(other_user)
    assert stranger.post(url, {"addresses": "qa@example.com"}).status_code == 404
    assert smtp_server.messages == []


def test_retry_failed_emails_from_the_job_page_sends_only_the_failed(smtp_server, client, user, settings):  # noqa: F811
    settings.REPORTING_EMAIL_REDELIVER_AFTER_S = []
    smtp_server.fail("busy@example.com", times=1 + len(settings.REPORTING_EMAIL_RETRY_DELAYS_S))
    job = run_job(kpi_template(), user=user, recipients=["qa@example.com", "busy@example.com"])
    client.force_login(user)
    page = client.get(reverse("reporting:job_detail", args=[job.public_id])).content.decode()
    assert "Retry failed emails" in page and "4.3.0 Try again later" in page

    response = client.post(reverse("reporting:job_deliver_again", args=[job.public_id]), follow=True)
    assert "Emailed to busy@example.com." in response.content.decode()
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == ["busy@example.com", "qa@example.com"]


def test_the_admin_lists_the_ledger_and_shows_it_on_the_job(smtp_server, client, user):  # noqa: F811
    smtp_server.refuse("gone@example.com")
    job = run_job(kpi_template(), user=user, recipients=["qa@example.com", "gone@example.com"])
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    changelist = client.get(reverse("admin:reporting_emaildelivery_changelist")).content.decode()
    assert "gone@example.com" in changelist and "qa@example.com" in changelist
    change = client.get(reverse("admin:reporting_reportjob_change", args=[job.pk])).content.decode()
    assert "The mail server refused the address: 550 5.1.1 Mailbox unavailable" in change
    assert "Not emailed to gone@example.com (see the deliveries)." in change  # the job's delivery note
    delivery = job.email_deliveries.get(recipient="gone@example.com")
    # Read-only: a hand edit could resend the report or hide a failure.
    assert client.post(reverse("admin:reporting_emaildelivery_change", args=[delivery.pk]),
                       {"status": "sent"}).status_code == 403
    assert client.get(reverse("admin:reporting_emaildelivery_add")).status_code == 403
