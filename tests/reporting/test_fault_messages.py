"""Issue 12: faults end with one clear sentence, and a stage-deadline cut is not retried."""
from __future__ import annotations

import pytest
from rq import Retry

from reporting.jobs import run_report_job
from reporting.models import ReportJob
from reporting.services import job_create
from tests.factories import HttpSourceFactory, published_template, small_spec
from tests.local_http import ROWS

pytestmark = pytest.mark.django_db


def _slow_job(api, **source):
    api.add("/rows", {"rows": ROWS}, delay_s=20)
    source = HttpSourceFactory(name="slow_rows", base_url=api.base_url, **source)
    return job_create(template=published_template(spec=small_spec(source_name=source.name)), user=None,
                      parameters={})


def test_gave_up_counts_the_sources_attempts_and_the_jobs_runs_apart(api, settings):
    settings.REPORTING_JOB_MAX_ATTEMPTS = 1
    settings.REPORTING_SOURCE_BACKOFF_BASE_S = 0.01
    job = _slow_job(api, read_timeout_s=0.3, max_attempts=2)

    assert run_report_job(job.pk) == ReportJob.Status.FAILED

    job.refresh_from_db()
    assert job.error_message == ("Required data could not be collected: source 'slow_rows': read timed out "
                                 "after 0.3 s (2 attempts); the job gave up after 1 run.")


def test_a_source_cut_at_the_stage_deadline_fails_the_job_at_once(api, settings):
    # A source that trickles (here: answers after 20 s) needs the whole stage on every attempt;
    # retrying it would hold a worker for attempts x deadline.
    settings.REPORTING_AGGREGATION_DEADLINE_S = 0.5
    job = _slow_job(api, read_timeout_s=30, max_attempts=3)

    outcome = run_report_job(job.pk)

    job.refresh_from_db()
    assert not isinstance(outcome, Retry)
    assert job.status == ReportJob.Status.FAILED
    assert job.attempts == 1
    assert job.error_message.startswith("Required data could not be collected: source 'slow_rows': ")
    assert "stage deadline" in job.error_message
    assert api.hits["/rows"] == 1
