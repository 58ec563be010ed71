"""The delivery ledger against a real SMTP server: per-recipient failures, retries, never twice."""
import django_rq
import pytest
from rq.registry import ScheduledJobRegistry

from reporting.jobs import deliver_report_again
from reporting.models import EmailDelivery, ReportJob
from reporting.services.email_delivery import job_deliver, job_deliver_again
from tests.factories import UserFactory
from tests.reporting.email_helpers import kpi_template, run_job
from tests.smtp_server import smtp_server  # noqa: F401 (fixture: a real SMTP server)

pytestmark = pytest.mark.django_db
Status = EmailDelivery.Status


def ledger(job) -> dict[str, EmailDelivery]:
    return {d.recipient: d for d in job.email_deliveries.all()}


def test_a_refused_recipient_fails_alone_and_is_not_retried(smtp_server, user):  # noqa: F811
    smtp_server.refuse("gone@example.com", code=550, text="5.1.1 No such user")
    job = run_job(kpi_template(), user=user, recipients=["qa@example.com", "gone@example.com"])

    assert [m.rcpt_tos for m in smtp_server.messages] == [["qa@example.com"]]
    rows = ledger(job)
    assert rows["qa@example.com"].status == Status.SENT and rows["qa@example.com"].attempts == 1
    gone = rows["gone@example.com"]
    assert (gone.status, gone.failed_permanently, gone.attempts) == (Status.FAILED, True, 1)
    assert gone.last_error == "The mail server refused the address: 550 5.1.1 No such user"
    job.refresh_from_db()
    assert job.status == ReportJob.Status.SUCCEEDED
    assert job.delivery_note == "Not emailed to gone@example.com (see the deliveries)."

    job_deliver_again(job=job)
    assert len(smtp_server.messages) == 1  # neither a second copy for qa nor a retry of the refused one
    assert ledger(job)["gone@example.com"].attempts == 1


def test_a_temporary_failure_is_retried_within_the_stage_and_sent_once(smtp_server, user):  # noqa: F811
    smtp_server.fail("busy@example.com", times=1, code=451)
    job = run_job(kpi_template(), user=user, recipients=["qa@example.com", "busy@example.com"])

    rows = ledger(job)
    assert rows["busy@example.com"].status == Status.SENT and rows["busy@example.com"].attempts == 2
    assert rows["qa@example.com"].attempts == 1
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == ["busy@example.com", "qa@example.com"]
    assert [a for a, answer in smtp_server.rcpt_log if a == "busy@example.com"] == ["busy@example.com"] * 2


def test_still_failing_recipients_are_retried_later_and_only_they(smtp_server, user, settings,  # noqa: F811
                                                                  empty_queues):
    settings.REPORTING_EMAIL_REDELIVER_AFTER_S = [300]
    queue = django_rq.get_queue("low")
    registry = ScheduledJobRegistry(queue=queue)
    for stale in registry.get_job_ids():  # empty_queues leaves the scheduler's registry alone
        registry.remove(stale, delete_job=True)
    attempts_in_stage = 1 + len(settings.REPORTING_EMAIL_RETRY_DELAYS_S)
    smtp_server.fail("busy@example.com", times=attempts_in_stage, code=421, text="4.7.0 Too busy")
    job = run_job(kpi_template(), user=user, recipients=["qa@example.com", "busy@example.com"])

    busy = ledger(job)["busy@example.com"]
    assert (busy.status, busy.failed_permanently, busy.attempts) == (Status.FAILED, False, attempts_in_stage)
    assert busy.last_error == "The mail server refused the address: 421 4.7.0 Too busy"
    job.refresh_from_db()
    assert job.delivery_note == "Not emailed to busy@example.com (see the deliveries). It is tried again in 5 minutes."
    # The later retry is an RQ job waiting in the scheduler's registry of the low queue.
    [scheduled] = [queue.fetch_job(i) for i in registry.get_job_ids()]
    assert scheduled.func_name == "reporting.jobs.deliver_report_again" and scheduled.args == (job.pk, 1)

    registry.remove(scheduled.id, delete_job=True)  # run it here instead of waiting 5 minutes
    assert deliver_report_again(*scheduled.args) == "sent 1, failed 0"  # what RQ runs when it is due
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == ["busy@example.com", "qa@example.com"]
    job.refresh_from_db()
    assert job.delivery_note == ""
    assert ledger(job)["busy@example.com"].status == Status.SENT


def test_a_re_run_delivery_sends_nothing_twice(smtp_server, user):  # noqa: F811
    job = run_job(kpi_template(), user=user, recipients=["qa@example.com", "QA@Example.com", "lead@example.com"])
    assert len(smtp_server.messages) == 2  # one address typed twice in two spellings is one recipient
    first_ids = {d.recipient: d.message_id for d in job.email_deliveries.all()}

    job_deliver(job=job)
    job_deliver_again(job=job)
    assert len(smtp_server.messages) == 2
    assert {d.recipient: d.message_id for d in job.email_deliveries.all()} == first_ids
    assert EmailDelivery.objects.count() == 2


def test_a_failed_job_tells_its_owner_why_and_its_recipients_nothing(smtp_server, settings):  # noqa: F811
    owner = UserFactory(username="owner", email="owner@example.com")
    # Parameters stored by another path than the form, with one the template does not know.
    job = run_job(kpi_template(), user=owner, recipients=["qa@example.com"], departmnet="QA")

    assert job.status == ReportJob.Status.FAILED
    [received] = smtp_server.wait_for(1)
    assert received.rcpt_tos == ["owner@example.com"]
    assert received.subject == "Monthly KPIs — 1–31 Oct 2026 — Failed: no report"
    assert "The report could not be produced, so nothing was sent to its recipients." in received.text
    assert "Reason: Unknown parameter(s): departmnet." in received.text
    assert "Reason: Unknown parameter(s): departmnet." in received.html
    assert received.attachments == {} and "Headline" not in received.text
    assert smtp_server.to("qa@example.com") == []
    assert not job.email_deliveries.exists()
    job.refresh_from_db()
    assert job.delivery_note == ("Not emailed: the report could not be produced. The reason was emailed to its "
                                 "owner (owner@example.com).")


def test_the_delivery_policy_saying_no_sends_nothing_and_says_why(smtp_server, user, monkeypatch):  # noqa: F811
    monkeypatch.setattr("reporting.services.email_delivery.delivery_wanted",
                        lambda *, job: (False, "every KPI is good or better (the schedule sends only when not)"))
    job = run_job(kpi_template(), user=user)
    assert smtp_server.messages == []
    assert job.email_deliveries.get().status == Status.SKIPPED
    job.refresh_from_db()
    assert job.delivery_note == "Not emailed: every KPI is good or better (the schedule sends only when not)"


def test_a_job_the_worker_lost_tells_its_owner_too(smtp_server):  # noqa: F811
    from rq.job import Job
    from rq.timeouts import JobTimeoutException

    from reporting.jobs import on_report_job_failure
    from reporting.services import job_create

    owner = UserFactory(username="owner", email="owner@example.com")
    job = job_create(template=kpi_template(), user=owner, parameters={"recipients": ["qa@example.com"]})
    ReportJob.objects.filter(pk=job.pk).update(status=ReportJob.Status.RUNNING, rq_job_id="rq-lost-1",
                                               stage=ReportJob.Stage.RENDER_PDF)
    rq_job = Job.create("reporting.jobs.run_report_job", args=(job.pk,), id="rq-lost-1", timeout=30,
                        connection=django_rq.get_connection("default"))

    on_report_job_failure(rq_job, rq_job.connection, JobTimeoutException, JobTimeoutException("30 s"), None)

    job.refresh_from_db()
    assert job.status == ReportJob.Status.FAILED
    [received] = smtp_server.wait_for(1)
    assert received.rcpt_tos == ["owner@example.com"] and received.subject.endswith(" — Failed: no report")
    assert f"Reason: {job.error_message}" in received.text


def test_a_row_another_run_is_sending_is_left_alone_until_it_is_stale(smtp_server, user, settings):  # noqa: F811
    import datetime

    settings.REPORTING_EMAIL_REDELIVER_AFTER_S = []
    smtp_server.fail("qa@example.com", times=1 + len(settings.REPORTING_EMAIL_RETRY_DELAYS_S))
    job = run_job(kpi_template(), user=user)
    row = job.email_deliveries.get()
    assert row.status == Status.FAILED
    from django.utils import timezone
    # Another run claimed it a moment ago (it may be mid-SMTP): this one must not send it as well.
    EmailDelivery.objects.filter(pk=row.pk).update(status=Status.SENDING, updated_at=timezone.now())
    assert job_deliver_again(job=job).sent == [] and smtp_server.messages == []
    # That run died long ago without a word: the row is retried.
    EmailDelivery.objects.filter(pk=row.pk).update(updated_at=timezone.now() - datetime.timedelta(hours=1))
    assert job_deliver_again(job=job).sent == ["qa@example.com"]
    assert len(smtp_server.wait_for(1)) == 1
