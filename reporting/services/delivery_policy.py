"""Whether a finished job's report should be emailed at all: a schedule's delivery condition.

The email delivery asks this before sending; a "no" is recorded on the job with its reason (the
job page shows it). Jobs without a schedule, and schedules that send always, are always emailed.
"""
from __future__ import annotations

from django.utils import timezone

from reporting.models import EmailDelivery, ReportJob, Schedule

# Statuses that need no attention: a report whose every score is one of these is "all good".
GOOD_STATUSES = ("good", "excellent")


def delivery_wanted(*, job: ReportJob) -> tuple[bool, str]:
    """(True, "") to send; (False, why) to send nothing. The delivery shows "Not emailed: <why>"."""
    schedule = job.schedule
    if schedule is None or schedule.condition == Schedule.Condition.ALWAYS:
        return True, ""
    if schedule.condition == Schedule.Condition.NOT_ALL_GOOD:
        # No scores at all is not "all good": such a report is sent rather than silently held back.
        # Neither is missing data: a partial report, or a headline KPI without a value, is sent even
        # when the scores that are there are good.
        if job.worst_status in GOOD_STATUSES and not _data_missing(job):
            return False, (f"every score is good or better (schedule '{schedule.name}' sends only "
                           "when something needs attention).")
        return True, ""
    if schedule.condition == Schedule.Condition.DATA_CHANGED:
        previous = last_delivered_job(job=job)
        if previous is not None and job.data_sha256 and previous.data_sha256 == job.data_sha256:
            when = timezone.localtime(previous.finished_at or previous.created_at)
            return False, (f"the data is the same as in the report emailed on {when:%d %b %Y %H:%M} "
                           f"(schedule '{schedule.name}' sends only when the data changed).")
        return True, ""
    return True, ""


def _data_missing(job: ReportJob) -> bool:
    return (job.status == ReportJob.Status.PARTIAL or bool(job.missing_sources)
            or any(isinstance(row, dict) and row.get("value") is None for row in job.headline or []))


def last_delivered_job(*, job: ReportJob) -> ReportJob | None:
    """The latest earlier job of the same schedule and burst value that reached a recipient."""
    runs = job.schedule_runs.all()
    burst_value = runs[0].burst_value if runs else ""
    return (ReportJob.objects.filter(schedule_id=job.schedule_id, pk__lt=job.pk,
                                     schedule_runs__burst_value=burst_value,
                                     email_deliveries__status=EmailDelivery.Status.SENT)
            .order_by("-pk").distinct().first())
