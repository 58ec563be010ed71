"""Retention: old finished jobs' files and rows are deleted after REPORTING_RETENTION_DAYS.

Never touched: a job that is not final (pending, queued, running — checked again, under a row
lock, at the moment of deletion, so a job re-run meanwhile is left alone), a schedule's
``last_job``, per schedule and burst value the newest emailed job (what "only when the data
changed" compares against), and a job with approvals (controlled records keep their signed copies). The audit trail outlives the
jobs it names (its events keep the job's public id), so it never holds a job back.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, ProtectedError, Q
from django.utils import timezone

from reporting.models import EmailDelivery, ReportArtifact, ReportJob, Schedule, ScheduleRun

logger = logging.getLogger("reporting.retention")
BATCH = 500


@dataclass
class PurgeItem:
    public_id: str
    template: str
    status: str
    finished_at: datetime | None
    files: list[str]


@dataclass
class PurgeResult:
    cutoff: datetime
    dry_run: bool
    jobs: list[PurgeItem] = field(default_factory=list)
    skipped: int = 0  # changed (re-run) between the selection and the deletion

    @property
    def files(self) -> int:
        return sum(len(item.files) for item in self.jobs)


def retention_candidates(*, cutoff: datetime):
    """Final jobs that ended (or, never started, were created) before the cutoff, minus held ones."""
    held_by_schedule = Schedule.objects.filter(last_job__isnull=False).values("last_job_id")
    old = Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, created_at__lt=cutoff)
    jobs = (ReportJob.objects.filter(old, status__in=ReportJob.FINAL_STATUSES)
            .exclude(pk__in=held_by_schedule).exclude(pk__in=_last_emailed_per_schedule()))
    if hasattr(ReportJob, "approvals"):
        jobs = jobs.exclude(approvals__isnull=False)
    return jobs.order_by("pk")


def _last_emailed_per_schedule():
    """Per schedule and burst value, the newest job emailed to someone: what "only when the data
    changed" compares the next run with (delivery_policy.last_delivered_job). ``last_job`` alone is
    not it: a run that was not emailed becomes last_job too."""
    sent = EmailDelivery.Status.SENT
    newer = ScheduleRun.objects.filter(job__schedule_id=OuterRef("job__schedule_id"), burst_value=OuterRef("burst_value"),
                                       job_id__gt=OuterRef("job_id"), job__email_deliveries__status=sent)
    return (ScheduleRun.objects.filter(job__schedule__isnull=False, job__email_deliveries__status=sent)
            .exclude(Exists(newer)).values("job_id"))


def retention_purge(*, days: int | None = None, now: datetime | None = None, dry_run: bool = False) -> PurgeResult:
    days = settings.REPORTING_RETENTION_DAYS if days is None else days
    if days <= 0:
        raise ValueError("retention needs a number of days above 0 (REPORTING_RETENTION_DAYS or --days)")
    cutoff = (now or timezone.now()) - timedelta(days=days)
    result = PurgeResult(cutoff=cutoff, dry_run=dry_run)
    last_pk = 0
    while True:
        batch = list(retention_candidates(cutoff=cutoff).filter(pk__gt=last_pk)
                     .select_related("template").prefetch_related("artifacts")[:BATCH])
        if not batch:
            break
        last_pk = batch[-1].pk
        for job in batch:
            item = PurgeItem(public_id=str(job.public_id), template=job.template.slug, status=job.status,
                             finished_at=job.finished_at, files=[a.file.name for a in job.artifacts.all()])
            if dry_run or _purge_one(job_pk=job.pk, cutoff=cutoff):
                result.jobs.append(item)
            else:
                result.skipped += 1
        if dry_run and len(result.jobs) >= 10 * BATCH:
            break  # a dry run lists a sample, not the whole history
    logger.info("retention: %s %s job(s), %s file(s) before %s", "would delete" if dry_run else "deleted",
                len(result.jobs), result.files, cutoff.isoformat(),
                extra={"jobs": len(result.jobs), "files": result.files, "dry_run": dry_run})
    return result


def _purge_one(*, job_pk: int, cutoff: datetime) -> bool:
    with transaction.atomic():
        # Locked and checked again: a job run again since the selection is no longer a candidate.
        job = retention_candidates(cutoff=cutoff).select_for_update().filter(pk=job_pk).first()
        if job is None:
            return False
        names = [name for name in ReportArtifact.objects.filter(job_id=job_pk).values_list("file", flat=True) if name]
        try:
            with transaction.atomic():
                job.delete()
        except ProtectedError:  # a record added since that must outlive the job: keep both
            logger.warning("retention: job %s kept, another record protects it", job.public_id)
            return False
        storage = ReportArtifact._meta.get_field("file").storage
        # The files go once the rows are gone for sure; a failed file delete leaves an orphan, never
        # a row whose file is missing.
        transaction.on_commit(lambda: _delete_files(storage, names))
    return True


def _delete_files(storage, names: list[str]) -> None:
    for name in names:
        try:
            storage.delete(name)
        except Exception:  # an unreachable bucket must not stop the clean-up of the others
            logger.exception("retention: could not delete %s", name)
