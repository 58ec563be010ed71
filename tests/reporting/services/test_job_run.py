"""job_run in-process: stages, timings, log lines, one run per claim, artifacts replaced, retries."""
from __future__ import annotations

import hashlib
import logging
import socket
from pathlib import Path

import django_rq
import pytest
from django.conf import settings
from rq import Retry

from reporting.jobs import run_report_job
from reporting.models import ReportArtifact, ReportJob
from reporting.services import job_run
from reporting.services import job_create, job_submit
from tests.factories import HttpSourceFactory, StaticSourceFactory, published_template, small_spec
from tests.local_http import ROWS

pytestmark = pytest.mark.django_db


@pytest.fixture
def template():
    return published_template(spec=small_spec(source_name=StaticSourceFactory(name="rows").name), slug="small")


def _files_on_disk(job: ReportJob) -> list[str]:
    folder = Path(settings.ARTIFACT_ROOT) / "jobs" / str(job.public_id)
    return sorted(p.name for p in folder.iterdir())


def test_stages_progress_timings_and_structured_log_lines(template, caplog):
    job = job_create(template=template, user=None, parameters={"note": "x"})
    with caplog.at_level(logging.INFO, logger="reporting.pipeline"):
        job = job_run(job=job)

    assert job.status == ReportJob.Status.SUCCEEDED, job.error_message
    assert (job.progress, job.stage, job.attempts) == (100, "done", 1)
    stages = ["validate", "aggregate", "process", "render_pdf", "render_xlsx", "store", "deliver"]
    assert sorted(job.stage_timings) == sorted(stages)  # (PostgreSQL's jsonb does not keep key order)
    assert all(isinstance(t, float) and t >= 0 for t in job.stage_timings.values())
    logged = [r.getMessage() for r in caplog.records]
    for stage in stages:
        assert any(m.startswith(f"job={job.public_id} stage={stage} duration_s=") and m.endswith("outcome=ok")
                   for m in logged), stage


def test_cancel_stops_at_the_next_stage_but_not_after_the_files_are_stored(template, monkeypatch):
    from reporting.pipeline import engine
    from reporting.services import job_runner as job_run_module

    real_render, real_store = engine.render_formats, job_run_module._store

    def cancel_then(real):
        def wrapped(*args, **kwargs):
            result = real(*args, **kwargs)
            ReportJob.objects.update(cancel_requested=True)
            return result
        return wrapped

    monkeypatch.setattr(engine, "render_formats", cancel_then(real_render))
    early = job_run(job=job_create(template=template, user=None, parameters={}))
    assert early.status == ReportJob.Status.CANCELLED
    assert early.error_message == "Cancelled during render_pdf." and not early.artifacts.exists()

    ReportJob.objects.update(cancel_requested=False)
    monkeypatch.setattr(engine, "render_formats", real_render)
    monkeypatch.setattr(job_run_module, "_store", cancel_then(real_store))
    late = job_run(job=job_create(template=template, user=None, parameters={}))
    assert late.status == ReportJob.Status.SUCCEEDED  # the report exists; the late cancel is moot
    assert late.artifacts.count() == 2


def test_invalid_parameters_fail_at_validate_without_retry(template):
    job = job_create(template=template, user=None, parameters={"nope": 1})
    job = job_run(job=job, allow_retry=True)
    assert job.status == ReportJob.Status.FAILED
    assert job.error_message == "Unknown parameter(s): nope."
    assert job.attempts == 1 and job.stage == "validate"


def test_a_job_runs_once_even_when_started_twice(template):
    job = job_create(template=template, user=None, parameters={})
    job_run(job=job)
    again = job_run(job=ReportJob.objects.get(pk=job.pk))
    assert again.attempts == 1
    ReportJob.objects.filter(pk=job.pk).update(status=ReportJob.Status.RUNNING)
    running = job_run(job=ReportJob.objects.get(pk=job.pk))
    assert running.status == ReportJob.Status.RUNNING and running.attempts == 1


def test_rerun_replaces_artifacts_instead_of_adding_files(template):
    job = job_run(job=job_create(template=template, user=None, parameters={}))
    assert _files_on_disk(job) == [f"small-{job.public_id}.pdf", f"small-{job.public_id}.xlsx"]

    ReportJob.objects.filter(pk=job.pk).update(status=ReportJob.Status.PENDING)
    job = job_run(job=ReportJob.objects.get(pk=job.pk))

    assert job.status == ReportJob.Status.SUCCEEDED and job.attempts == 2
    assert ReportArtifact.objects.filter(job=job).count() == 2
    assert _files_on_disk(job) == [f"small-{job.public_id}.pdf", f"small-{job.public_id}.xlsx"]
    for artifact in job.artifacts.all():  # the row describes the file that is on disk now
        with artifact.file.open("rb") as fh:
            assert hashlib.sha256(fh.read()).hexdigest() == artifact.sha256
        assert artifact.file.size == artifact.size


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_transient_source_failure_requeues_with_reason_and_rq_gets_a_retry():
    source = HttpSourceFactory(base_url=f"http://127.0.0.1:{_closed_port()}", name="down")
    template = published_template(spec=small_spec(source_name=source.name))
    job = job_create(template=template, user=None, parameters={})

    outcome = run_report_job(job.pk)

    job.refresh_from_db()
    assert isinstance(outcome, Retry)
    # The wait the note announces ("retrying in 10 s" after attempt 1), not a per-RQ-id schedule.
    assert outcome.max == 2 and outcome.intervals == [10]
    assert job.status == ReportJob.Status.QUEUED and job.attempts == 1
    assert job.error_message.startswith("Attempt 1 of 3 failed: Required data could not be collected: "
                                        "source 'down': connection refused")
    assert job.error_message.endswith("retrying in 10 s.")


def test_transient_failure_on_the_last_attempt_fails(settings):
    settings.REPORTING_JOB_MAX_ATTEMPTS = 1
    source = HttpSourceFactory(base_url=f"http://127.0.0.1:{_closed_port()}", name="down")
    job = job_create(template=published_template(spec=small_spec(source_name=source.name)), user=None,
                     parameters={})
    assert run_report_job(job.pk) == ReportJob.Status.FAILED
    job.refresh_from_db()
    assert "connection refused" in job.error_message and "the job gave up after 1 run." in job.error_message


def test_http_4xx_is_permanent(api):
    api.add("/rows", {"rows": ROWS}, fail_first=1, fail_status=404)
    source = HttpSourceFactory(base_url=api.base_url, name="missing")
    job = job_create(template=published_template(spec=small_spec(source_name=source.name)), user=None,
                     parameters={})
    assert run_report_job(job.pk) == ReportJob.Status.FAILED
    job.refresh_from_db()
    assert job.attempts == 1 and "HTTP 404 Not Found" in job.error_message
    assert api.hits["/rows"] == 1  # asked once: a 4xx is not retried


def test_scheduled_jobs_go_to_the_low_queue(template, empty_queues, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = job_submit(template=template, user=None, parameters={}, priority="high", origin="schedule")
        staff_job = job_submit(template=template, user=None, parameters={}, priority="high")
    assert (job.priority, staff_job.priority) == ("low", "high")
    assert django_rq.get_queue("low").job_ids == [job.rq_job_id]
    assert django_rq.get_queue("high").job_ids == [staff_job.rq_job_id]

