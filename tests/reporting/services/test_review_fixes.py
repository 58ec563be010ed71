"""Defects a final review found in the job services: a command-line run re-enqueued under itself,
an old run overwriting a newer run's outcome, a cancel that crashed without Redis, and a final
failure that still promised a retry."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from reporting.models import ReportJob
from reporting.reconcile import reconcile_jobs
from reporting.services import job_cancel, job_messages, job_transition
from reporting.services.job_runner import _StageRecorder
from tests.factories import ReportJobFactory

pytestmark = pytest.mark.django_db


def cli_job(*, started_ago_s: float) -> ReportJob:
    return ReportJobFactory(status=ReportJob.Status.RUNNING, origin=ReportJob.Origin.CLI, rq_job_id="",
                            attempts=1, started_at=timezone.now() - timedelta(seconds=started_ago_s))


def test_a_running_command_line_job_is_never_put_on_a_queue(empty_queues):
    job = cli_job(started_ago_s=job_timeout_plus_margin() - 5)
    report = reconcile_jobs(grace_s=0)
    job.refresh_from_db()
    assert job.status == ReportJob.Status.RUNNING and report.requeued == []


def test_a_command_line_job_far_past_its_time_limit_is_ended(empty_queues):
    job = cli_job(started_ago_s=job_timeout_plus_margin() + 5)
    report = reconcile_jobs(grace_s=0)
    job.refresh_from_db()
    assert job.status == ReportJob.Status.FAILED and report.requeued == []
    assert job.error_message == job_messages.CLI_RUN_ABANDONED


def job_timeout_plus_margin() -> float:
    from reporting.reconcile import RUNNING_WITHOUT_RQ_JOB_MARGIN_S

    from templates_app.models import ReportTemplate

    return ReportTemplate._meta.get_field("job_timeout_s").default + RUNNING_WITHOUT_RQ_JOB_MARGIN_S


def test_an_older_run_cannot_end_a_newer_run_of_the_same_row():
    job = ReportJobFactory(status=ReportJob.Status.RUNNING, attempts=1)
    older = _StageRecorder(job)
    # The reconciler gave the row to another worker, which claimed it as attempt 2.
    assert job_transition(job_id=job.pk, from_statuses=[ReportJob.Status.RUNNING], to=ReportJob.Status.PENDING)
    ReportJob.objects.filter(pk=job.pk).update(attempts=2)
    assert job_transition(job_id=job.pk, from_statuses=[ReportJob.Status.PENDING], to=ReportJob.Status.RUNNING)
    assert older.end(ReportJob.Status.SUCCEEDED) is False
    job.refresh_from_db()
    assert job.status == ReportJob.Status.RUNNING and job.attempts == 2


def test_cancelling_a_queued_job_works_while_redis_is_down(settings):
    job = ReportJobFactory(status=ReportJob.Status.QUEUED, rq_job_id="report-x-1-abc")
    settings.RQ_QUEUES = {name: {"URL": "redis://127.0.0.1:1/0", "DEFAULT_TIMEOUT": 60}
                          for name in ("high", "default", "low")}
    job = job_cancel(job=job)
    assert job.status == ReportJob.Status.CANCELLED


def test_a_final_failure_drops_the_retry_promise():
    note = "Attempt 3 of 3 failed: source 'x': HTTP 503 (3 attempts); retrying in 60 s."
    assert job_messages.without_retry_note(note) == "Attempt 3 of 3 failed: source 'x': HTTP 503 (3 attempts)."


@pytest.mark.parametrize("formats", [["pdf", "docx"], []])
def test_a_job_asking_for_a_format_no_renderer_makes_fails_instead_of_succeeding_empty(formats):
    from reporting.services import job_run

    job = ReportJobFactory(status=ReportJob.Status.PENDING, formats=formats)
    job = job_run(job=job)
    assert job.status == ReportJob.Status.FAILED and job.stage == "validate"
    assert "cannot be made here (available: pdf, xlsx)" in job.error_message
    assert not job.artifacts.exists()


def test_the_retry_rq_schedules_waits_what_the_note_says(monkeypatch, settings):
    from reporting import jobs

    settings.REPORTING_JOB_RETRY_INTERVALS_S = [10, 60]
    job = ReportJobFactory(status=ReportJob.Status.QUEUED, attempts=1)

    def queued_again(*, job, allow_retry):
        ReportJob.objects.filter(pk=job.pk).update(attempts=2)  # a second failed attempt
        job.refresh_from_db()
        return job

    monkeypatch.setattr(jobs, "job_run", queued_again)
    retry = jobs.run_report_job(job.pk)
    assert retry.intervals == [60]  # after attempt 2: the second interval, whatever RQ has counted
