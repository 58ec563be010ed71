"""The recipient limit is per job, not per click; a later retry checks the policy and the owner again."""
import pytest

from reporting.jobs import deliver_report_again
from reporting.models import EmailDelivery
from reporting.pipeline.delivery import RecipientsRefused
from reporting.services.email_delivery import job_email_send
from tests.factories import UserFactory
from tests.reporting.email_helpers import kpi_template, run_job
from tests.smtp_server import smtp_server  # noqa: F401 (fixture: a real SMTP server)

pytestmark = pytest.mark.django_db


def test_emailing_again_with_new_addresses_cannot_pass_the_limit(smtp_server, user, settings):  # noqa: F811
    settings.REPORTING_EMAIL_MAX_RECIPIENTS = 2
    job = run_job(kpi_template(), user=user, recipients=())
    job_email_send(job=job, recipients=["a@example.com", "b@example.com"])
    for pair in (["c@example.com", "d@example.com"], ["e@example.com"]):
        with pytest.raises(RecipientsRefused) as info:
            job_email_send(job=job, recipients=pair)
        assert str(info.value).startswith("At most 2 recipients per report (REPORTING_EMAIL_MAX_RECIPIENTS): "
                                          "this report was already addressed to 2")
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == ["a@example.com", "b@example.com"]
    # Asking again for the same people is no new recipient: "Already emailed", nothing refused.
    assert job_email_send(job=job, recipients=["A@example.com"]).already_sent == ["a@example.com"]


def test_a_later_retry_is_not_sent_once_the_owner_is_deactivated(smtp_server, settings):  # noqa: F811
    owner = UserFactory(username="leaver", email="leaver@example.com")
    attempts = 1 + len(settings.REPORTING_EMAIL_RETRY_DELAYS_S)
    smtp_server.fail("busy@example.com", times=attempts, code=421)
    job = run_job(kpi_template(), user=owner, recipients=["busy@example.com"])
    assert job.email_deliveries.get().status == EmailDelivery.Status.FAILED
    owner.is_active = False
    owner.save()

    assert deliver_report_again(job.pk, 1) == "sent 0, failed 1"
    assert smtp_server.messages == []
    job.refresh_from_db()
    assert job.delivery_note == "Not emailed again: the owner leaver is deactivated."


def test_a_later_retry_follows_a_domain_policy_set_since(smtp_server, user, settings):  # noqa: F811
    attempts = 1 + len(settings.REPORTING_EMAIL_RETRY_DELAYS_S)
    smtp_server.fail("busy@example.com", times=attempts, code=421)
    job = run_job(kpi_template(), user=user, recipients=["busy@example.com"])
    settings.REPORTING_EMAIL_ALLOWED_DOMAINS = ["corp.example"]

    assert deliver_report_again(job.pk, 1) == "sent 0, failed 1"
    assert smtp_server.messages == []
    job.refresh_from_db()
    assert job.delivery_note.startswith("Not emailed again: 'busy@example.com' is not allowed")
