"""Bring report jobs in line with what Redis (RQ) knows about them.

The database is the source of truth; Redis only carries work. A job row that is pending, queued
or running is checked against its RQ job:

* its RQ job is gone (Redis flushed or restarted without persistence, enqueue failed):
  a pending/queued job is enqueued again; a running one, once its time limit has passed, is
  treated as abandoned;
* the worker running it is dead (killed, machine lost): abandoned;
* RQ ended it (failed, stopped, finished) without the row being updated: the row gets the outcome;
* its retry waits in RQ's scheduled registry past its time (+ grace): RQ's scheduler is not running
  (no worker started --with-scheduler, or it died), so the retry is moved to its queue here.

An abandoned job is enqueued again while it has attempts left, otherwise it ends failed with a
reason a person can read. Run by ``manage.py reconcile_jobs``, at devstack start and periodically.
"""
from __future__ import annotations

import dataclasses
import logging
import os
import socket
from datetime import timedelta

import django_rq
from django.utils import timezone
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.worker import Worker

from reporting.models import ReportJob
from reporting.reliability import has_attempts_left, max_attempts
from reporting.services import job_enqueue, job_messages, job_transition
from reporting.services.email_delivery import job_failure_notify

logger = logging.getLogger("reporting.reconcile")

# Jobs younger than this are left alone: job_submit marks the row before Redis has the job.
DEFAULT_GRACE_S = 30
# A running job whose RQ job vanished may still be executing; RQ kills a horse at timeout + 60 s.
RUNNING_WITHOUT_RQ_JOB_MARGIN_S = 90
_HORSE_DIED = "Work-horse terminated unexpectedly"


@dataclasses.dataclass
class ReconcileReport:
    checked: int = 0
    requeued: list[str] = dataclasses.field(default_factory=list)
    failed: list[str] = dataclasses.field(default_factory=list)
    cancelled: list[str] = dataclasses.field(default_factory=list)
    # Retries RQ's scheduler should have enqueued by now, moved to their queue.
    overdue_retries: list[str] = dataclasses.field(default_factory=list)

    @property
    def changed(self) -> int:
        return len(self.requeued) + len(self.failed) + len(self.cancelled) + len(self.overdue_retries)

    def summary(self) -> str:
        return (f"checked {self.checked} unfinished job(s): {len(self.requeued)} re-enqueued, "
                f"{len(self.overdue_retries)} overdue retries enqueued, "
                f"{len(self.failed)} failed, {len(self.cancelled)} cancelled")


def reconcile_jobs(*, grace_s: float = DEFAULT_GRACE_S) -> ReconcileReport:
    """Check every unfinished job once; safe to run at any time and from several processes."""
    report = ReconcileReport()
    cutoff = timezone.now() - timedelta(seconds=grace_s)
    unfinished = (ReportJob.objects.select_related("template")
                  .filter(status__in=ReportJob.ACTIVE_STATUSES)
                  .order_by("created_at"))
    for job in unfinished.iterator():
        report.checked += 1
        last_change = job.started_at or job.queued_at or job.created_at
        if last_change > cutoff:
            continue
        _reconcile_one(job, report, grace_s=grace_s)
    if report.changed:
        logger.warning("reconcile: %s", report.summary())
    else:
        logger.info("reconcile: %s", report.summary())
    return report


def reconcile_jobs_task() -> str:
    """Entry point for the periodic RQ cron job (see reporting/cron.py)."""
    return reconcile_jobs().summary()


def _reconcile_one(job: ReportJob, report: ReconcileReport, *, grace_s: float) -> None:
    if job.status == ReportJob.Status.PENDING:
        # Created but never handed to Redis (e.g. Redis was down at submit).
        job_enqueue(job=job)
        report.requeued.append(str(job.public_id))
        return

    if job.origin == ReportJob.Origin.CLI and not job.rq_job_id:
        # Run by generate_report in its own process, never through a queue: enqueuing it would run
        # it twice. Only a run far past its time limit is ended (the command was killed).
        if job.status == ReportJob.Status.RUNNING and timezone.now() - job.started_at > timedelta(
                seconds=job.template.job_timeout_s + RUNNING_WITHOUT_RQ_JOB_MARGIN_S):
            _end(job, report, ReportJob.Status.FAILED, job_messages.CLI_RUN_ABANDONED)
        return

    rq_job = _fetch_rq_job(job)
    if rq_job is None:
        if job.status == ReportJob.Status.QUEUED:
            _requeue(job, report, note="")
        elif timezone.now() - job.started_at > timedelta(
                seconds=job.template.job_timeout_s + RUNNING_WITHOUT_RQ_JOB_MARGIN_S):
            _abandoned(job, report, why="its queue entry was lost while it ran")
        return

    status = rq_job.get_status(refresh=False)
    if status == JobStatus.STARTED:
        dead_reason = _dead_worker_reason(rq_job)
        if dead_reason:
            _abandoned(job, report, why=dead_reason)
    elif status == JobStatus.FAILED:
        result = rq_job.latest_result()
        exc_text = ((result.exc_string if result else "") or "").strip()
        if _HORSE_DIED in exc_text:
            _abandoned(job, report, why="the worker process stopped unexpectedly")
        else:
            # RQ keeps no traceback when a job's own Retry budget ran out; the row has the reason.
            last_line = (exc_text.splitlines()[-1] if exc_text
                         else job_messages.without_retry_note(job.error_message) or "unknown error")
            _end(job, report, ReportJob.Status.FAILED, job_messages.failed_in_worker(last_line))
    elif status in (JobStatus.STOPPED, JobStatus.CANCELED):
        _end(job, report, ReportJob.Status.CANCELLED, job_messages.CANCELLED_IN_QUEUE)
    elif status == JobStatus.FINISHED:
        _end(job, report, ReportJob.Status.FAILED, job_messages.ENDED_WITHOUT_OUTCOME)
    elif status == JobStatus.SCHEDULED and job.status == ReportJob.Status.QUEUED:
        _enqueue_if_overdue(job, rq_job, report, grace_s=grace_s)
    # QUEUED / DEFERRED, or SCHEDULED before its time: waiting for a worker or for its retry time.


def _enqueue_if_overdue(job: ReportJob, rq_job: Job, report: ReconcileReport, *, grace_s: float) -> None:
    """Move a retry that RQ's scheduler should have enqueued (its time + grace has passed) to its queue.

    RQ's scheduler runs only inside a worker started --with-scheduler; while none runs (or it
    died), a retry would stay in the scheduled registry for ever. Taking the entry out of the
    registry first (ZREM is atomic) means only one of us, or a scheduler that wakes up, enqueues it.
    """
    queue = django_rq.get_queue(rq_job.origin or job.priority)
    registry = queue.scheduled_job_registry
    try:
        due = registry.get_scheduled_time(rq_job)
    except NoSuchJobError:
        return  # just taken by a scheduler, or not scheduled after all
    if timezone.now() < due + timedelta(seconds=grace_s):
        return
    if not queue.connection.zrem(registry.key, rq_job.id):
        return
    queue.enqueue_job(rq_job)
    report.overdue_retries.append(str(job.public_id))
    logger.warning("reconcile: job=%s retry was due at %s and is still scheduled (is RQ's scheduler running?); "
                   "enqueued on '%s'", job.public_id, due.isoformat(), queue.name)


def _fetch_rq_job(job: ReportJob) -> Job | None:
    if not job.rq_job_id:
        return None
    try:
        return Job.fetch(job.rq_job_id, connection=django_rq.get_connection(job.priority))
    except NoSuchJobError:
        return None


def _dead_worker_reason(rq_job: Job) -> str:
    """Why the worker that started this RQ job can no longer be running it ('' if it is alive)."""
    if not rq_job.worker_name:
        return ""
    worker = Worker.find_by_key(Worker.redis_worker_namespace_prefix + rq_job.worker_name,
                                connection=rq_job.connection)
    if worker is None:
        return "its worker stopped sending heartbeats"
    if worker.hostname == socket.gethostname() and worker.pid and not _pid_alive(worker.pid):
        # Same machine: no need to wait for the heartbeat to expire.
        worker.register_death()
        return "its worker process is gone"
    current = worker.get_current_job_id()
    if current and current != rq_job.id:
        return "its worker has moved on to other work"
    return ""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _requeue(job: ReportJob, report: ReconcileReport, *, note: str) -> None:
    fields = {"stage": "", "progress": 0}
    if note:
        fields["error_message"] = note
    reset = job_transition(job_id=job.pk, from_statuses=[job.status], to=ReportJob.Status.PENDING,
                           where={"rq_job_id": job.rq_job_id}, **fields)
    if not reset:  # the job moved on while we looked at it
        return
    job.refresh_from_db()
    job_enqueue(job=job)
    report.requeued.append(str(job.public_id))
    logger.warning("reconcile: job=%s re-enqueued (%s)", job.public_id, note or "its queue entry was lost")


def _abandoned(job: ReportJob, report: ReconcileReport, *, why: str) -> None:
    where = f" during {job.stage}" if job.stage else ""
    if job.status == ReportJob.Status.QUEUED or has_attempts_left(job.attempts):
        note = (job_messages.interrupted_retrying(attempt=job.attempts, of=max_attempts(), where=where, why=why)
                if job.status == ReportJob.Status.RUNNING else "")
        _requeue(job, report, note=note)
        return
    _end(job, report, ReportJob.Status.FAILED,
         job_messages.interrupted_gave_up(where=where, why=why, attempts=job.attempts))


def _end(job: ReportJob, report: ReconcileReport, status: str, message: str) -> None:
    ended = job_transition(job_id=job.pk, from_statuses=[job.status], to=status, where={"rq_job_id": job.rq_job_id},
                           error_message=message, finished_at=timezone.now())
    if not ended:
        return
    (report.cancelled if status == ReportJob.Status.CANCELLED else report.failed).append(str(job.public_id))
    logger.warning("reconcile: job=%s %s: %s", job.public_id, status, message)
    if status == ReportJob.Status.FAILED:
        try:  # a job that would have been emailed tells its owner why (issue 14)
            job.refresh_from_db()
            job_failure_notify(job=job)
        except Exception:  # the notice must never stop the reconciler from ending the other jobs
            logger.exception("reconcile: job=%s failure notice not sent", job.public_id)
