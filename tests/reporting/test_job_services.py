"""Job actions (cancel, retry) against a row that changed since the caller read it."""
from __future__ import annotations

import pytest

from reporting.models import ReportJob
from reporting.services import job_cancel, job_create
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

