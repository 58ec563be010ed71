"""django-rq entry points, enqueued by dotted name: receive an id, load the row, call a service."""
from __future__ import annotations

import logging

from rq import Retry

from reporting.models import ReportJob
from reporting.reliability import max_attempts, retry_interval_after
from reporting.services import job_fail, job_messages, job_run
from reporting.services.email_delivery import job_deliver_again, job_failure_notify

logger = logging.getLogger(__name__)


def run_report_job(job_id: int) -> str | Retry:
    """Run the job; after a transient failure with attempts left, hand RQ a Retry (its scheduler
    runs the next attempt after the interval, so workers need --with-scheduler)."""
    job = ReportJob.objects.select_related("template", "template_version", "requested_by").get(pk=job_id)
    job = job_run(job=job, allow_retry=True)
    if job.status == ReportJob.Status.QUEUED:
        # The wait the job's note announced: RQ counts retries per RQ job id, which a re-enqueue
        # by the reconciler starts again, while the row counts every attempt.
        return Retry(max=max(1, max_attempts() - 1), interval=[retry_interval_after(job.attempts)])
    return job.status


def on_report_job_failure(rq_job, connection, exc_type, exc_value, traceback) -> None:
    """RQ calls this when the job raises or times out: the row must not stay 'running'.

    RQ 2.12 does not call it when the work horse or the whole worker is killed (SIGKILL, the OOM
    killer, a lost machine). A killed horse leaves its RQ job failed with "Work-horse terminated
    unexpectedly"; a dead worker leaves it started. Either way the row stays 'running' until
    reconcile_jobs reads that, or finds that the job's worker stopped sending heartbeats (or that
    its process is gone), and retries or fails the job (reporting/reconcile.py)."""
    job_id = rq_job.args[0] if rq_job.args else None
    if job_id is None:
        return
    if exc_type is not None and "Timeout" in exc_type.__name__:
        stage = ReportJob.objects.filter(pk=job_id).values_list("stage", flat=True).first() or ""
        reason = job_messages.timed_out(rq_job.timeout, stage)
    else:
        reason = f"{exc_type.__name__}: {exc_value}" if exc_type else "the worker stopped unexpectedly"
    # Only while the row still belongs to this RQ job: a stale one (the reconciler has already
    # re-enqueued the report under a new id) must not end the new run.
    if not job_fail(job_id=job_id, message=job_messages.worker_failed(reason), rq_job_id=rq_job.id):
        logger.info("ignoring failure of rq job %s for report job %s (stale or already ended)", rq_job.id, job_id)
        return
    job_failure_notify(job=ReportJob.objects.select_related("template_version", "requested_by").get(pk=job_id))


def deliver_report_again(job_id: int, redelivery: int) -> str:
    """A later retry of a report's email: only the recipients whose delivery failed temporarily."""
    job = ReportJob.objects.filter(pk=job_id).select_related("template", "template_version").first()
    if job is None:
        return "no such job"
    result = job_deliver_again(job=job, redelivery=redelivery)
    return f"sent {len(result.sent)}, failed {len(result.failed)}"


def run_schedule_tick() -> str:
    """The scheduler's periodic job (reporting/cron.py): claim and submit every due schedule run.

    Safe to run twice at once or again after a crash: each due time is claimed once in the database."""
    from reporting.services.schedule_tick import schedule_tick

    return "\n".join(schedule_tick().lines())


def run_retention_purge() -> str:
    """RQ cron (reporting/cron.py): the retention clean-up, when REPORTING_RETENTION_DAYS is set,
    and the sweep of expired admin test renders (always)."""
    from django.conf import settings

    from reporting.services.retention import retention_purge
    from templates_app.sample_render import sample_renders_sweep

    swept = len(sample_renders_sweep())
    if settings.REPORTING_RETENTION_DAYS <= 0:
        return f"retention off; {swept} expired test render(s) removed"
    result = retention_purge()
    return f"{len(result.jobs)} job(s), {result.files} file(s) deleted; {swept} expired test render(s) removed"
