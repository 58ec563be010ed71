"""Open mail relay: a viewer must not be able to send a report to any number of outside addresses.

The attack: a template with an `email_list` parameter let anyone who may run it paste 2,000
external addresses; the server mailed the report to them (150 went out before the PDF crashed).
Now the form refuses more than REPORTING_EMAIL_MAX_RECIPIENTS distinct addresses and, when
REPORTING_EMAIL_ALLOWED_DOMAINS is set, any address elsewhere; delivery checks the same again for
jobs whose parameters did not come through the form, and then sends nothing at all.
"""
from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from reporting.models import ReportJob
from reporting.services import job_run
from reporting.services import job_create
from tests.factories import StaticSourceFactory, published_template, small_spec
from tests.smtp_server import smtp_server  # noqa: F401 (fixture: a real SMTP server)

pytestmark = pytest.mark.django_db


def addresses(count: int, domain: str = "evil.example") -> list[str]:
    return [f"victim{i}@{domain}" for i in range(count)]


@pytest.fixture
def template(settings):
    assert settings.REPORTING_EMAIL_MAX_RECIPIENTS == 20  # the default these tests are written against
    assert settings.REPORTING_EMAIL_ALLOWED_DOMAINS == []
    source = StaticSourceFactory(name="rows", static_data={"rows": [{"name": "Alpha", "value": 3}]})
    spec = small_spec(source_name=source.name, title="Mailed report")
    spec["parameters"] += [{"name": "recipients", "type": "email_list", "label": "Email to"},
                           {"name": "cc", "type": "email_list", "label": "Copy to"}]
    return published_template(spec=spec, slug="mailed")


def post_run(client, user, **data):
    client.force_login(user)
    return client.post(reverse("reporting:run", args=["mailed"]), data)


def test_replay_2000_addresses_in_the_run_form_is_refused_before_anything_is_sent(client, user, template):
    response = post_run(client, user, recipients=", ".join(addresses(2000)))

    assert response.status_code == 400
    assert response.context["form"].errors["recipients"] == [
        "At most 20 recipients per report (you entered 2000)."]
    assert "At most 20 recipients per report (you entered 2000)." in response.content.decode()
    assert not ReportJob.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize("count, accepted", [(21, False), (20, True)])
def test_the_limit_is_20_distinct_addresses(client, user, template, count, accepted):
    response = post_run(client, user, recipients="\n".join(addresses(count)))

    if not accepted:
        assert response.status_code == 400
        assert response.context["form"].errors["recipients"] == [
            f"At most 20 recipients per report (you entered {count})."]
        assert not ReportJob.objects.exists()
        return
    assert response.status_code == 302
    job = job_run(job=ReportJob.objects.get())
    assert job.status == ReportJob.Status.SUCCEEDED, job.error_message
    # One message per recipient (a refused address fails alone; nobody sees the others).
    assert sorted(address for message in mail.outbox for address in message.to) == sorted(addresses(count))
    assert {len(message.to) for message in mail.outbox} == {1}


def test_addresses_are_counted_once_whatever_their_case(client, user, template):
    typed = addresses(20) + ["VICTIM0@Evil.Example", "victim1@EVIL.example"]
    response = post_run(client, user, recipients="; ".join(typed))

    assert response.status_code == 302
    assert ReportJob.objects.get().parameters["recipients"] == addresses(20)


def test_the_limit_counts_every_email_field_of_the_report_together(client, user, template):
    response = post_run(client, user, recipients=", ".join(addresses(15)),
                        cc=", ".join(addresses(6, domain="other.example")))

    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == ["At most 20 recipients per report (you entered 21)."]
    assert not ReportJob.objects.exists()


@override_settings(REPORTING_EMAIL_ALLOWED_DOMAINS=["example.com"])
@pytest.mark.parametrize("refused", [
    "x@evil.example",
    "x@example.com.evil.example",    # looks like ours, is not
    "x@sub.example.com",             # a subdomain must be listed itself
    '"x@example.com"@evil.example',  # a quoted local part: the domain is after the last @
])
def test_an_address_outside_the_allowed_domains_is_refused_by_name(client, user, template, refused):
    response = post_run(client, user, recipients=f"qa@example.com, {refused}")

    assert response.status_code == 400
    assert response.context["form"].errors["recipients"] == [
        f"'{refused}' is not allowed: reports may only be emailed to addresses at example.com."]
    assert not ReportJob.objects.exists()


@override_settings(REPORTING_EMAIL_ALLOWED_DOMAINS=["example.com"])
def test_allowed_domains_compare_case_insensitively_and_name_how_many_are_refused(client, user, template):
    assert post_run(client, user, recipients="QA@Example.COM").status_code == 302

    response = post_run(client, user, recipients="a@evil.example, qa@example.com, b@evil.example, c@x.example")
    assert response.context["form"].errors["recipients"] == [
        "'a@evil.example' and 2 more are not allowed: reports may only be emailed to addresses at example.com."]


@pytest.mark.parametrize("stored", [addresses(2000), ", ".join(addresses(2000))], ids=["list", "typed text"])
def test_job_stored_with_2000_recipients_mails_no_one_and_says_why(smtp_server, client, user, template,  # noqa: F811
                                                                   stored):
    # Parameters written by another path than the form (a row stored before the limit, a schedule).
    job = job_run(job=job_create(template=template, user=user, parameters={"note": "", "recipients": stored}))

    assert smtp_server.messages == []
    assert job.status == ReportJob.Status.SUCCEEDED  # the files are kept and downloadable
    note = "Email not sent to any of the 2000 recipient(s): At most 20 recipients per report (you entered 2000)."
    assert job.delivery_note == note
    assert not job.email_deliveries.exists()
    client.force_login(user)
    assert note in client.get(reverse("reporting:job_detail", args=[job.public_id])).content.decode()


def test_job_stored_with_a_disallowed_domain_mails_no_one_not_even_the_allowed_ones(smtp_server, template,  # noqa: F811
                                                                                     settings):
    settings.REPORTING_EMAIL_ALLOWED_DOMAINS = ["example.com"]
    job = job_run(job=job_create(template=template, user=None,
                                 parameters={"recipients": ["qa@example.com"], "cc": ["spy@evil.example"]}))

    assert smtp_server.messages == []
    assert job.delivery_note == ("Email not sent to any of the 2 recipient(s): 'spy@evil.example' is not allowed: "
                                 "reports may only be emailed to addresses at example.com.")
    assert not job.email_deliveries.exists()


def test_job_within_the_limit_still_reaches_the_smtp_server(smtp_server, template):  # noqa: F811
    # The control for the two tests above: the same path does send when the recipients are fine.
    job = job_run(job=job_create(template=template, user=None, parameters={"recipients": addresses(20)}))

    assert job.delivery_note == ""
    smtp_server.wait_for(20)
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == sorted(addresses(20))
    assert {m.subject for m in smtp_server.messages} == {"Mailed report — Complete"}


def test_cli_with_too_many_recipients_exits_2_with_the_reason(template, tmp_path):
    with pytest.raises(CommandError) as excinfo:
        call_command("generate_report", "mailed", "--param", f"recipients={','.join(addresses(2000))}",
                     "--output", str(tmp_path))

    assert excinfo.value.returncode == 2
    assert str(excinfo.value) == ("invalid parameters: recipients: At most 20 recipients per report "
                                  "(you entered 2000).")
    assert not ReportJob.objects.exists()
    assert mail.outbox == []
