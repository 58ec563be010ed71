"""Faults with real worker processes: timeouts, transient retries, SIGKILL, Redis loss, cancel."""
from __future__ import annotations

import time
from datetime import timedelta

import django_rq
import pytest
from django.db import connection
from django.utils import timezone
from rq.job import Job, JobStatus
from rq.worker import Worker

from reporting.models import ReportArtifact, ReportJob
from reporting.reconcile import reconcile_jobs
from reporting.services import job_cancel, job_create, job_submit
from tests.factories import HttpSourceFactory, StaticSourceFactory, published_template, small_spec
from tests.local_http import ROWS
from tests.workers import WorkerProcess, wait_for

pytestmark = [pytest.mark.e2e]


def _job(job: ReportJob) -> ReportJob:
    job.refresh_from_db()
    return job


@pytest.fixture
def worker(worker_env, tmp_path):
    started: list[WorkerProcess] = []

    def start(*args: str, env: dict | None = None) -> WorkerProcess:
        connection.close()  # SQLite: do not hold the file while the worker writes
        process = WorkerProcess(env or worker_env, *args, log_path=tmp_path / f"worker-{len(started)}.log")
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


def _http_template(api, *, job_timeout_s: int = 600, **route):
    """A template over one HTTP source: the local server's /rows, answered as ``route`` says."""
    api.add("/rows", {"rows": ROWS}, **route)
    source = HttpSourceFactory(name="slow_rows", base_url=api.base_url)
    return published_template(spec=small_spec(source_name=source.name), job_timeout_s=job_timeout_s)


def test_job_over_its_time_limit_fails_naming_the_stage(api, run_worker_burst, empty_queues):
    template = _http_template(api, job_timeout_s=2, delay_s=20)
    job = job_submit(template=template, user=None, parameters={})

    run_worker_burst(timeout=60)

    job = _job(job)
    assert job.status == ReportJob.Status.FAILED
    assert job.error_message == "Timed out after 2 s during aggregate."
    assert job.attempts == 1
    assert not job.artifacts.exists()


def test_transient_source_failure_is_retried_by_rq_and_then_succeeds(
        api, worker, worker_env, empty_queues):
    template = _http_template(api, fail_first=1)  # the first request gets 503 Service Unavailable
    job = job_submit(template=template, user=None, parameters={})

    env = {**worker_env, "DJANGO_SETTINGS_MODULE": "tests.reporting.settings_fast_retry"}
    process = worker("--with-scheduler", env=env)
    wait_for(lambda: _job(job).is_final, timeout=60, what=f"the retried job to end\n{process.log()}")

    assert job.status == ReportJob.Status.SUCCEEDED, job.error_message
    assert job.attempts == 2
    assert api.hits["/rows"] == 2
    assert sorted(job.artifacts.values_list("format", flat=True)) == ["pdf", "xlsx"]


def test_worker_killed_mid_job_is_retried_after_reconcile(api, worker, run_worker_burst, empty_queues):
    template = _http_template(api, delay_s=60)
    job = job_submit(template=template, user=None, parameters={})
    process = worker()
    wait_for(lambda: _job(job).stage == "aggregate", timeout=30, what=f"the job to fetch\n{process.log()}")

    process.kill_everything()
    report = reconcile_jobs(grace_s=0)

    job = _job(job)
    assert report.requeued == [str(job.public_id)]
    assert job.status == ReportJob.Status.QUEUED
    assert "Attempt 1 of 3 was interrupted during aggregate" in job.error_message
    assert "worker process is gone" in job.error_message

    api.release.set()  # the source is fast again
    run_worker_burst(timeout=60)
    job = _job(job)
    assert job.status == ReportJob.Status.SUCCEEDED, job.error_message
    assert job.attempts == 2
    assert job.artifacts.count() == 2


def test_killed_work_horse_without_attempts_left_ends_failed(
        api, worker, empty_queues, settings):
    settings.REPORTING_JOB_MAX_ATTEMPTS = 1
    job = job_submit(template=_http_template(api, delay_s=60), user=None, parameters={})
    process = worker()
    wait_for(lambda: _job(job).stage == "aggregate", timeout=30, what=f"the job to fetch\n{process.log()}")

    process.kill_horse()  # e.g. the OOM killer: RQ's worker survives and marks its RQ job failed
    rq_job = Job.fetch(job.rq_job_id, connection=django_rq.get_connection("default"))
    wait_for(lambda: rq_job.get_status() == JobStatus.FAILED, timeout=30, what="RQ to record the dead horse")
    report = reconcile_jobs(grace_s=0)

    job = _job(job)
    assert report.failed == [str(job.public_id)]
    assert job.status == ReportJob.Status.FAILED
    assert job.error_message == ("The report job was interrupted during aggregate: the worker process stopped "
                                 "unexpectedly (gave up after 1 attempt).")
    assert job.finished_at is not None


def test_jobs_survive_redis_loss(run_worker_burst, empty_queues):
    template = published_template(spec=small_spec(source_name=StaticSourceFactory().name))
    queued = [job_submit(template=template, user=None, parameters={"note": str(i)}) for i in range(3)]
    never_enqueued = job_create(template=template, user=None, parameters={})
    assert {_job(j).status for j in queued} == {ReportJob.Status.QUEUED}

    django_rq.get_connection("default").flushdb()  # this test's Redis database only
    assert django_rq.get_queue("default").count == 0
    report = reconcile_jobs(grace_s=0)
    assert len(report.requeued) == 4
    assert django_rq.get_queue("default").count == 4

    run_worker_burst(timeout=120)
    for job in [*queued, never_enqueued]:
        job = _job(job)
        assert job.status == ReportJob.Status.SUCCEEDED, job.error_message
        assert job.attempts == 1
    assert ReportArtifact.objects.count() == 8


def test_cancelled_queued_job_leaves_the_queue(run_worker_burst, empty_queues):
    template = published_template(spec=small_spec(source_name=StaticSourceFactory().name))
    job = job_submit(template=template, user=None, parameters={})
    job_cancel(job=job)
    assert django_rq.get_queue("default").count == 0

    run_worker_burst(timeout=60)
    job = _job(job)
    assert job.status == ReportJob.Status.CANCELLED
    assert job.attempts == 0 and not job.artifacts.exists()


def test_cancelled_running_job_stops_at_the_next_stage(api, worker, empty_queues):
    job = job_submit(template=_http_template(api, delay_s=2), user=None, parameters={})
    process = worker()
    wait_for(lambda: _job(job).stage == "aggregate", timeout=30, what=f"the job to fetch\n{process.log()}")

    job_cancel(job=job)
    wait_for(lambda: _job(job).is_final, timeout=30, what="the job to stop")

    assert job.status == ReportJob.Status.CANCELLED
    assert job.error_message == "Cancelled during aggregate."
    assert "render_pdf" not in job.stage_timings
    assert not job.artifacts.exists()


def test_periodic_reconcile_is_registered_with_rq_cron(db):
    from rq.cron import CronScheduler

    from reporting.reconcile import reconcile_jobs_task

    scheduler = CronScheduler(connection=django_rq.get_connection("high"))
    scheduler.load_config_from_file("reporting.cron")
    [cron_job] = [job for job in scheduler.get_jobs() if job.func is reconcile_jobs_task]  # schedules tick too
    assert (cron_job.func, cron_job.queue_name, cron_job.interval) == (reconcile_jobs_task, "high", 60)
    assert reconcile_jobs_task().startswith("checked 0 unfinished job(s)")


def test_overdue_retry_is_enqueued_by_reconcile_when_no_scheduler_runs(api, worker, worker_env, empty_queues):
    # Issue 12: RQ's scheduler runs only in a worker started --with-scheduler. Without one (or
    # when it died) a retry would wait in the scheduled registry for ever.
    template = _http_template(api, fail_first=1)  # the first request gets 503 Service Unavailable
    job = job_submit(template=template, user=None, parameters={})
    env = {**worker_env, "DJANGO_SETTINGS_MODULE": "tests.reporting.settings_fast_retry"}  # retry after 1 s

    process = worker("--burst", env=env)  # no --with-scheduler: nothing will move the retry
    process.process.wait(timeout=60)
    job = _job(job)
    assert job.status == ReportJob.Status.QUEUED and job.attempts == 1, process.log()
    rq_job = Job.fetch(job.rq_job_id, connection=django_rq.get_connection("default"))
    assert rq_job.get_status() == JobStatus.SCHEDULED
    due = django_rq.get_queue("default").scheduled_job_registry.get_scheduled_time(rq_job)

    wait_for(lambda: timezone.now() > due + timedelta(seconds=0.5), timeout=10, what="the retry to be due")
    assert reconcile_jobs(grace_s=30).overdue_retries == []  # due, but within the grace
    report = reconcile_jobs(grace_s=0)
    assert report.overdue_retries == [str(job.public_id)]
    assert "1 overdue retries enqueued" in report.summary()
    assert rq_job.get_status() == JobStatus.QUEUED
    assert django_rq.get_queue("default").scheduled_job_registry.count == 0
    assert reconcile_jobs(grace_s=0).overdue_retries == []  # once

    worker("--burst", env=env).process.wait(timeout=60)
    job = _job(job)
    assert job.status == ReportJob.Status.SUCCEEDED, job.error_message
    assert job.attempts == 2
    assert api.hits["/rows"] == 2


def test_dead_worker_is_found_by_its_missing_heartbeat_not_by_rqs_failure_callback(api, worker, empty_queues):
    # RQ 2.12 calls no failure callback when the worker dies: the row stays 'running' until the
    # reconciler sees the worker's heartbeat key has expired (here: deleted, as on another machine).
    job = job_submit(template=_http_template(api, delay_s=60), user=None, parameters={})
    process = worker()
    wait_for(lambda: _job(job).stage == "aggregate", timeout=30, what=f"the job to fetch\n{process.log()}")
    rq_job = Job.fetch(job.rq_job_id, connection=django_rq.get_connection("default"))

    process.kill_everything()
    time.sleep(1)
    assert _job(job).status == ReportJob.Status.RUNNING  # nothing in RQ ended it
    rq_job.connection.delete(Worker.redis_worker_namespace_prefix + rq_job.worker_name)  # the heartbeat expired
    report = reconcile_jobs(grace_s=0)

    job = _job(job)
    assert report.requeued == [str(job.public_id)]
    assert job.status == ReportJob.Status.QUEUED
    assert job.error_message == ("Attempt 1 of 3 was interrupted during aggregate: its worker stopped sending "
                                 "heartbeats; retrying.")
