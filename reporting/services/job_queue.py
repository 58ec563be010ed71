"""Creating report jobs and moving them on and off the queues (submit, enqueue, cancel, retry)."""
from __future__ import annotations

import logging
import secrets
from typing import Any

import django_rq
import redis.exceptions
from django.db import transaction
from django.utils import timezone
from rq import Callback
from rq.exceptions import NoSuchJobError
from rq.job import Job

from templates_app.models import ReportTemplate

from reporting.models import ReportJob
from reporting.pipeline.rendering.base import available_formats

from . import job_messages
from .job_state import job_record, job_transition

logger = logging.getLogger("reporting.services")

# RQ calls these by name: no import of reporting.jobs from here (jobs call services, not back).
RUN_JOB = "reporting.jobs.run_report_job"
ON_JOB_FAILURE = "reporting.jobs.on_report_job_failure"
_QUEUED = (ReportJob.Status.PENDING, ReportJob.Status.QUEUED)


class JobNotPublishable(Exception):
    pass


def job_create(*, template: ReportTemplate, user, parameters: dict[str, Any], priority: str = "default",
               use_cache: bool = True, origin: str = ReportJob.Origin.WEB,
               formats: list[str] | None = None) -> ReportJob:
    version = template.published_version
    if version is None:
        raise JobNotPublishable(f"Template '{template.slug}' has no published version.")
    if priority not in ReportJob.Priority.values:
        raise ValueError(f"unknown priority '{priority}'")
    if origin == ReportJob.Origin.SCHEDULE:
        # Scheduled reports never compete with people waiting for theirs.
        priority = ReportJob.Priority.LOW
    return ReportJob.objects.create(
        template=template, template_version=version, parameters=parameters,
        requested_by=user if (user and user.is_authenticated) else None,
        priority=priority, use_cache=use_cache, origin=origin,
        formats=formats or list(version.spec.get("outputs") or available_formats()),  # none declared: all
    )


def job_submit(*, template: ReportTemplate, user, parameters: dict[str, Any], priority: str = "default",
               use_cache: bool = True, origin: str = ReportJob.Origin.WEB,
               formats: list[str] | None = None) -> ReportJob:
    """Create the job row and enqueue it once the surrounding transaction has committed."""
    with transaction.atomic():
        job = job_create(template=template, user=user, parameters=parameters, priority=priority,
                         use_cache=use_cache, origin=origin, formats=formats)
        transaction.on_commit(lambda: job_enqueue(job=job))
    return job


def job_enqueue(*, job: ReportJob) -> ReportJob:
    """Put the job on its priority queue. The database row stays the source of truth."""
    # A fresh RQ id per enqueue: a stale RQ job (e.g. left in a dead worker's registry) can then
    # never be mistaken for the current one (see jobs.on_report_job_failure and reconcile).
    rq_job_id = f"report-{job.public_id}-{job.attempts + 1}-{secrets.token_hex(3)}"
    # The row is marked first: if Redis is unreachable the job stays 'queued' under an id Redis
    # does not know, and reconcile_jobs enqueues it again later. Nothing is lost.
    marked = job_transition(job_id=job.pk, from_statuses=[ReportJob.Status.PENDING], to=ReportJob.Status.QUEUED,
                            queued_at=timezone.now(), rq_job_id=rq_job_id)
    job.refresh_from_db()
    if not marked:
        logger.info("job=%s not enqueued: it is %s", job.public_id, job.status)
        return job
    queue = django_rq.get_queue(job.priority)
    try:
        queue.enqueue(
            RUN_JOB, job.pk,
            job_id=rq_job_id,
            job_timeout=job.template.job_timeout_s,
            on_failure=Callback(ON_JOB_FAILURE),
            result_ttl=3600, failure_ttl=7 * 86400,
            description=f"{job.template.slug} report {job.public_id}",
        )
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
        logger.warning("job=%s queued in the database only (Redis unavailable: %s); reconcile_jobs will "
                       "enqueue it", job.public_id, exc)
        return job
    logger.info("job enqueued job=%s queue=%s rq_job=%s", job.public_id, job.priority, rq_job_id)
    return job


def job_cancel(*, job: ReportJob) -> ReportJob:
    """A queued job leaves the queue at once; a running one stops at its next stage boundary."""
    if job.is_final:
        return job
    if job.status in _QUEUED:
        if job.rq_job_id:
            try:
                Job.fetch(job.rq_job_id, connection=django_rq.get_connection(job.priority)).cancel()
            except (NoSuchJobError, redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
                pass  # the row decides: a cancelled row never runs, whatever Redis still holds
        ended = job_transition(job_id=job.pk, from_statuses=_QUEUED, to=ReportJob.Status.CANCELLED,
                               finished_at=timezone.now(), error_message=job_messages.CANCELLED_BY_USER)
        if not ended:
            # A worker claimed it since it was read: ask that run to stop instead of ending the
            # row under it (the run would overwrite 'cancelled' with its own outcome).
            _request_cancel(job)
    else:
        _request_cancel(job)
    job.refresh_from_db()
    return job


def _request_cancel(job: ReportJob) -> None:
    if ReportJob.objects.filter(pk=job.pk, status__in=ReportJob.ACTIVE_STATUSES).exists():
        job_record(job_id=job.pk, cancel_requested=True)


def job_retry(*, job: ReportJob, user=None) -> ReportJob:
    """Run a failed or cancelled job again with the same pinned version and parameters.

    A partial report is kept as it is (its files may already be in use); a fresh run is a new job.
    """
    # Conditional on the status in the database, so a second click (or a page read before another
    # retry) never resets a job that is already queued or running again.
    reset = job_transition(
        job_id=job.pk, from_statuses=(ReportJob.Status.FAILED, ReportJob.Status.CANCELLED),
        to=ReportJob.Status.PENDING, stage="", progress=0, error_message="", cancel_requested=False,
        started_at=None, finished_at=None,
    )
    job.refresh_from_db()
    if reset:
        transaction.on_commit(lambda: job_enqueue(job=job))
    return job
