"""One scheduler tick: claim each due run exactly once in the database and submit its jobs.

Exactly once: a due time is claimed by INSERTing its ScheduleRun row; the unique constraint
(schedule, due_at, burst_value) makes a second claim fail with IntegrityError, whichever process,
restarted scheduler or re-delivered RQ job tries it. The claim, the job rows and the schedule's
next_run_at are one transaction, and jobs are enqueued only after it commits (job_submit), so a
crash leaves either all of it or none.

Misfire: a scheduler that was down runs only the latest missed due time of each schedule and
records the earlier ones in one row (how many, from when to when), however long it was down.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from templates_app.selectors import template_allows_user

from reporting.models import ReportJob, Schedule, ScheduleRun
from reporting.scheduling.recurrence import iter_runs, latest_run_at_or_before, runs_between

from .job_queue import JobNotPublishable, job_submit
from .schedule_crud import schedule_pause
from .schedule_params import (
    BurstValuesUnavailable, burst_values, local_run_date, recipients_for_value, resolve_run_parameters,
    schedule_rule, with_recipients,
)

logger = logging.getLogger("reporting.schedules")
# Counting missed runs stops here (a every-minute cron down for a month): the row says "at least".
MISFIRE_COUNT_LIMIT = 10_000
_TICK = timedelta(microseconds=1)


@dataclass
class TickSummary:
    now: datetime
    due: int = 0
    jobs: list[ReportJob] = field(default_factory=list)
    already_claimed: int = 0
    skipped_misfire: int = 0
    failed: list[str] = field(default_factory=list)
    paused: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        lines = [f"Tick at {self.now.isoformat()}: {self.due} schedule(s) due, {len(self.jobs)} job(s) created, "
                 f"{self.already_claimed} run(s) already claimed, {self.skipped_misfire} missed run(s) skipped."]
        lines += [f"  job {job.public_id} for schedule '{job.schedule.name}' due {job.scheduled_for.isoformat()}"
                  for job in self.jobs]
        lines += [f"  paused: {text}" for text in self.paused]
        lines += [f"  not run: {text}" for text in self.failed]
        return lines


def schedule_tick(*, now: datetime | None = None) -> TickSummary:
    """Run every schedule that is due at ``now`` (default: the current time)."""
    now = now or timezone.now()
    summary = TickSummary(now=now)
    due = (Schedule.objects.filter(enabled=True, next_run_at__isnull=False, next_run_at__lte=now)
           .select_related("template", "template__published_version", "owner").order_by("next_run_at", "pk"))
    for schedule in due:
        summary.due += 1
        try:
            _tick_one(schedule, now, summary)
        except Exception:  # one broken schedule must not stop the others
            logger.exception("schedule=%s tick failed", schedule.pk)
            summary.failed.append(f"schedule '{schedule.name}': unexpected error (see the log)")
    return summary


def _refusal(schedule: Schedule) -> str:
    """Why the owner may no longer run this schedule, or ''."""
    owner = schedule.owner
    if not owner.is_active:
        return f"Owner {owner.get_username()} is deactivated"
    if not template_allows_user(template=schedule.template, user=owner) or not schedule.template.is_active:
        return f"Owner {owner.get_username()} may no longer use the report '{schedule.template.name}'"
    return ""


def _tick_one(schedule: Schedule, now: datetime, summary: TickSummary) -> None:
    refusal = _refusal(schedule)
    if refusal:
        schedule_pause(schedule=schedule, reason=refusal)
        summary.paused.append(f"schedule '{schedule.name}': {refusal}")
        return
    rule = schedule_rule(schedule)
    first_due = schedule.next_run_at
    latest = latest_run_at_or_before(rule, at=now, not_before=first_due)
    following = next(iter_runs(rule, after=now), None)
    if latest is None:  # next_run_at is no run time of the current rule (edited elsewhere): move on
        _advance(schedule, first_due, following, latest=None, job=None)
        return
    missed = runs_between(rule, after=first_due - _TICK, until=latest - _TICK, limit=MISFIRE_COUNT_LIMIT)
    with transaction.atomic():
        if missed:
            summary.skipped_misfire += _record_misfire(schedule, missed, latest)
        job = _run_due(schedule, latest, summary)
        _advance(schedule, first_due, following, latest=latest, job=job)


def _record_misfire(schedule: Schedule, missed: list[datetime], latest: datetime) -> int:
    count = len(missed)
    more = "at least " if count >= MISFIRE_COUNT_LIMIT else ""
    detail = (f"{more}{count} run(s) from {missed[0].isoformat()} to {missed[-1].isoformat()} were missed while no "
              f"scheduler ran; only the latest ({latest.isoformat()}) was run.")
    try:
        with transaction.atomic():
            ScheduleRun.objects.create(schedule=schedule, due_at=missed[0], outcome=ScheduleRun.Outcome.SKIPPED_MISFIRE,
                                       skipped_count=count, missed_until=missed[-1], detail=detail)
    except IntegrityError:
        return 0  # another scheduler recorded the same misfire
    logger.info("schedule=%s misfire: %s", schedule.pk, detail)
    return count


def _claim(schedule: Schedule, due_at: datetime, value: str) -> ScheduleRun | None:
    try:
        with transaction.atomic():
            return ScheduleRun.objects.create(schedule=schedule, due_at=due_at, burst_value=value,
                                              outcome=ScheduleRun.Outcome.CREATED)
    except IntegrityError:
        return None


def _run_due(schedule: Schedule, due_at: datetime, summary: TickSummary) -> ReportJob | None:
    """Claim the due time (once per burst value) and submit a job for each claim won; the last job."""
    version = schedule.template.published_version
    today = local_run_date(schedule, due_at)
    values = [""]
    problem = ""
    if version is None:
        problem = f"the report '{schedule.template.name}' has no published version"
    elif schedule.burst_parameter:
        try:
            values = burst_values(version.parsed, schedule.burst_parameter, today=today)
        except BurstValuesUnavailable as exc:
            problem = str(exc)
    if problem:
        run = _claim(schedule, due_at, "")
        if run is None:
            summary.already_claimed += 1
        else:
            run.outcome, run.detail = ScheduleRun.Outcome.FAILED, f"Not run: {problem}."
            run.save(update_fields=["outcome", "detail"])
            summary.failed.append(f"schedule '{schedule.name}' due {due_at.isoformat()}: {problem}")
        return None
    spec = version.parsed
    base = resolve_run_parameters(spec, schedule.parameters or {}, today=today)
    last_job = None
    for value in values:
        run = _claim(schedule, due_at, value)
        if run is None:
            summary.already_claimed += 1
            continue
        parameters = dict(base)
        if schedule.burst_parameter:
            parameters[schedule.burst_parameter] = value
        parameters = with_recipients(spec, parameters, recipients_for_value(schedule, value))
        try:
            job = job_submit(template=schedule.template, user=schedule.owner, parameters=parameters,
                             origin=ReportJob.Origin.SCHEDULE, formats=list(schedule.formats or []) or None)
        except JobNotPublishable as exc:
            run.outcome, run.detail = ScheduleRun.Outcome.FAILED, f"Not run: {exc}"
            run.save(update_fields=["outcome", "detail"])
            summary.failed.append(f"schedule '{schedule.name}': {exc}")
            continue
        ReportJob.objects.filter(pk=job.pk).update(schedule=schedule, scheduled_for=due_at)
        job.schedule, job.scheduled_for = schedule, due_at
        run.job = job
        run.save(update_fields=["job"])
        summary.jobs.append(job)
        last_job = job
        logger.info("schedule=%s due=%s value=%r job=%s", schedule.pk, due_at.isoformat(), value, job.public_id)
    return last_job


def _advance(schedule: Schedule, seen: datetime, following: datetime | None, *, latest: datetime | None,
             job: ReportJob | None) -> None:
    """Move next_run_at on, only if nobody else has since (compare-and-set on the value read)."""
    fields = {"next_run_at": following}
    if latest is not None:
        fields["last_run_at"] = latest
    if job is not None:
        fields["last_job"] = job
    Schedule.objects.filter(pk=schedule.pk, next_run_at=seen).update(**fields)
