"""A scheduler tick against real Redis, a real RQ worker process and a real SMTP server: the report
arrives once, and a 'data changed' schedule holds back the same data the next time, saying why."""
import hashlib
from datetime import UTC, datetime

import pytest

from reporting.models import ReportJob, Schedule
from reporting.services.schedule_tick import schedule_tick
from tests.factories import ScheduleFactory
from tests.smtp_server import smtp_server  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.e2e]
DUE = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
NEXT_DUE = datetime(2027, 1, 1, 7, 0, tzinfo=UTC)


@pytest.fixture
def worker_with_mail(worker_env, smtp_server, run_worker_burst):  # noqa: F811
    worker_env.update(smtp_server.worker_env(worker_env))  # run_worker_burst reads this same dict
    return run_worker_burst


def test_a_tick_runs_the_report_on_a_real_worker_and_mails_it_once(worker_with_mail, smtp_server, empty_queues):  # noqa: F811
    schedule = ScheduleFactory(name="Monthly to management", recipients=["boss@example.com"])
    summary = schedule_tick(now=DUE)
    [job] = summary.jobs
    assert ReportJob.objects.get(pk=job.pk).status == ReportJob.Status.QUEUED  # enqueued on commit
    worker_with_mail()
    job.refresh_from_db()
    assert job.status == ReportJob.Status.SUCCEEDED, job.error_message
    assert job.schedule == schedule and job.scheduled_for == DUE
    [mail] = smtp_server.wait_for(1)
    assert mail.rcpt_tos == ["boss@example.com"]
    pdf = job.artifacts.get(format="pdf")
    attached = {name: data for name, data in mail.attachments.items() if name.endswith(".pdf")}
    assert [hashlib.sha256(data).hexdigest() for data in attached.values()] == [pdf.sha256]
    # A re-run tick (a re-delivered RQ job, a second scheduler) makes nothing new and mails nobody.
    assert schedule_tick(now=DUE).jobs == []
    worker_with_mail()
    assert ReportJob.objects.count() == 1 and len(smtp_server.messages) == 1


def test_data_changed_schedule_does_not_mail_the_same_data_twice(worker_with_mail, smtp_server, empty_queues):  # noqa: F811
    ScheduleFactory(name="Only news", condition=Schedule.Condition.DATA_CHANGED, recipients=["qa@example.com"])
    schedule_tick(now=DUE)
    worker_with_mail()
    smtp_server.wait_for(1)
    [second] = schedule_tick(now=NEXT_DUE).jobs
    worker_with_mail()
    second.refresh_from_db()
    assert second.status == ReportJob.Status.SUCCEEDED, second.error_message
    first = ReportJob.objects.exclude(pk=second.pk).get()
    assert first.data_sha256 and first.data_sha256 == second.data_sha256  # the same static rows both times
    assert len(smtp_server.messages) == 1
    assert second.delivery_note.startswith("Not emailed: the data is the same as in the report emailed on ")
    assert "(schedule 'Only news' sends only when the data changed)" in second.delivery_note
