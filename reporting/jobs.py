"""django-rq entry points: receive an id, load the row, call the orchestrator. Nothing else."""
from __future__ import annotations

import logging

from reporting.models import ReportJob

logger = logging.getLogger(__name__)


def run_report_job(job_id: int) -> str:
    from reporting.pipeline.orchestrator import job_run

    job = ReportJob.objects.select_related("template", "template_version", "requested_by").get(pk=job_id)
    return job_run(job=job).status


def on_report_job_failure(rq_job, connection, exc_type, exc_value, traceback) -> None:
    """RQ calls this when the work horse dies or times out: the row must not stay 'running'."""
    from reporting.services import job_mark_failed

    job_id = rq_job.args[0] if rq_job.args else None
    if job_id is None:
        return
    reason = f"{exc_type.__name__}: {exc_value}" if exc_type else "the worker stopped unexpectedly"
    if exc_type is not None and "Timeout" in exc_type.__name__:
        stage = ReportJob.objects.filter(pk=job_id).values_list("stage", flat=True).first() or "start"
        reason = f"Timed out after {rq_job.timeout} s during {stage}."
    job_mark_failed(job_id=job_id, message=f"The report job failed: {reason}")
