"""Job actions (cancel, retry) against a row that changed since the caller read it."""
from __future__ import annotations

import pytest

from reporting.models import ReportJob
from reporting.services import job_cancel, job_create, job_retry
from tests.factories import StaticSourceFactory, published_template, small_spec

pytestmark = pytest.mark.django_db


@pytest.fixture
def job():
    template = published_template(spec=small_spec(source_name=StaticSourceFactory().name))
    return job_create(template=template, user=None, parameters={})


def _stale(job: ReportJob, **fields) -> ReportJob:
    """The job as a page read it; the database has moved on to ``fields`` since."""
    stale = ReportJob.objects.get(pk=job.pk)
    ReportJob.objects.filter(pk=job.pk).update(**fields)
    return stale


def test_cancel_of_a_job_a_worker_has_just_started_asks_the_run_to_stop(job):
    stale = _stale(job, status=ReportJob.Status.RUNNING, stage="aggregate")
    assert stale.status == ReportJob.Status.PENDING

    job = job_cancel(job=stale)

    # Not marked cancelled under the worker's feet (it would overwrite that with its own outcome):
    # the run is asked to stop at its next stage boundary.
    assert job.status == ReportJob.Status.RUNNING
    assert job.cancel_requested is True


def test_cancel_of_a_queued_job_ends_it(job):
    ReportJob.objects.filter(pk=job.pk).update(status=ReportJob.Status.QUEUED)
    job.refresh_from_db()
    job = job_cancel(job=job)
    assert job.status == ReportJob.Status.CANCELLED and job.error_message == "Cancelled by a user."


def test_retry_of_a_job_already_running_again_changes_nothing(job, django_capture_on_commit_callbacks):
    stale = _stale(job, status=ReportJob.Status.RUNNING, stage="render_pdf", progress=75, attempts=2)
    stale.status = ReportJob.Status.FAILED  # what the second click of "Run again" saw

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = job_retry(job=stale)

    assert (job.status, job.stage, job.progress) == (ReportJob.Status.RUNNING, "render_pdf", 75)
    assert callbacks == []  # nothing enqueued a second time


def test_a_partial_report_is_kept_not_run_again(job, django_capture_on_commit_callbacks):
    # Its files are what the user may already have shared; a fresh run is a new job.
    # (The job page and the monitor offer "Run again" only for failed and cancelled jobs.)
    ReportJob.objects.filter(pk=job.pk).update(status=ReportJob.Status.PARTIAL, progress=100)
    job.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = job_retry(job=job)
    assert job.status == ReportJob.Status.PARTIAL and job.progress == 100
    assert callbacks == []


@pytest.mark.parametrize("status", [ReportJob.Status.FAILED, ReportJob.Status.CANCELLED])
def test_retry_puts_a_failed_or_cancelled_job_back_on_its_queue(job, status, django_capture_on_commit_callbacks):
    ReportJob.objects.filter(pk=job.pk).update(status=status, error_message="boom", progress=40,
                                               cancel_requested=True)
    job.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = job_retry(job=job)
    assert (job.status, job.error_message, job.progress, job.cancel_requested) == (
        ReportJob.Status.PENDING, "", 0, False)
    assert len(callbacks) == 1
