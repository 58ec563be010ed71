"""django-rq entry points: receive an id, load the row, call the orchestrator. Nothing else."""
from __future__ import annotations

import logging

from rq import Retry

from reporting.models import ReportJob
from reporting.reliability import max_attempts, retry_intervals_s

logger = logging.getLogger(__name__)


def run_report_job(job_id: int) -> str | Retry:
    """Run the job; after a transient failure with attempts left, hand RQ a Retry (its scheduler
    runs the next attempt after the interval, so workers need --with-scheduler)."""
    from reporting.pipeline.orchestrator import job_run

    job = ReportJob.objects.select_related("template", "template_version", "requested_by").get(pk=job_id)
    job = job_run(job=job, allow_retry=True)
    if job.status == ReportJob.Status.QUEUED:
        return Retry(max=max(1, max_attempts() - 1), interval=retry_intervals_s())
    return job.status


def on_report_job_failure(rq_job, connection, exc_type, exc_value, traceback) -> None:
    """RQ calls this when the work horse dies or times out: the row must not stay 'running'."""
    from reporting.services import job_mark_failed

    job_id = rq_job.args[0] if rq_job.args else None
    if job_id is None:
        return
    current_rq_job_id = ReportJob.objects.filter(pk=job_id).values_list("rq_job_id", flat=True).first()
    if current_rq_job_id != rq_job.id:
        # A stale RQ job (the reconciler has already re-enqueued this report under a new id).
        logger.info("ignoring failure of stale rq job %s for report job %s", rq_job.id, job_id)
        return
    reason = f"{exc_type.__name__}: {exc_value}" if exc_type else "the worker stopped unexpectedly"
    if exc_type is not None and "Timeout" in exc_type.__name__:
        stage = ReportJob.objects.filter(pk=job_id).values_list("stage", flat=True).first() or "start"
        reason = f"Timed out after {rq_job.timeout} s during {stage}."
    job_mark_failed(job_id=job_id, message=f"The report job failed: {reason}")
