"""The one writer of a report job's status: compare-and-set transitions.

Every status change in the project goes through :func:`job_transition`: the UPDATE only applies
while the row is still in one of ``from_statuses`` (and matches ``where``), so two processes that
race (a worker, the reconciler, a user's click) can never both win. Fields that are not the status
(stage, progress, timings, notes) are written with :func:`job_record`.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from reporting.models import ReportJob

MAX_MESSAGE_LENGTH = 5000


def job_transition(*, job_id: int, from_statuses: Iterable[str], to: str, where: dict[str, Any] | None = None,
                   **fields: Any) -> bool:
    """Move the job to ``to`` if its status is one of ``from_statuses``; True when this call did it."""
    if to not in ReportJob.Status.values:
        raise ValueError(f"unknown job status '{to}'")
    if "error_message" in fields and isinstance(fields["error_message"], str):
        fields["error_message"] = fields["error_message"][:MAX_MESSAGE_LENGTH]
    moved = bool(ReportJob.objects.filter(pk=job_id, status__in=list(from_statuses), **(where or {}))
                 .update(status=to, **fields))
    if moved and to in ReportJob.FINAL_STATUSES:
        _count_ended(job_id=job_id, status=to)
    return moved


def _count_ended(*, job_id: int, status: str) -> None:
    """/metrics' job counter; a failed write there must never undo or hide the transition."""
    from .job_metrics import job_metrics_ended

    try:
        job_metrics_ended(job_id=job_id, status=status)
    except Exception:
        logging.getLogger("reporting.metrics").exception("job id %s: end not counted in /metrics", job_id)


def job_record(*, job_id: int, **fields: Any) -> None:
    """Write fields other than the status (progress, stage, timings, stats, notes)."""
    if "status" in fields:
        raise ValueError("the status changes only through job_transition")
    ReportJob.objects.filter(pk=job_id).update(**fields)


def job_fail(*, job_id: int, message: str, **where: Any) -> bool:
    """End a job that is not final yet as failed with a reason a person can read."""
    from django.utils import timezone

    return job_transition(job_id=job_id, from_statuses=ReportJob.ACTIVE_STATUSES, to=ReportJob.Status.FAILED,
                          where=where or None, error_message=message, finished_at=timezone.now())
