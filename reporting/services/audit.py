"""The audit trail: one append-only AuditEvent per thing a controlled record needs to show."""
from __future__ import annotations

import csv
import logging
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet

from reporting.audit_context import current_actor
from reporting.models import AuditEvent, ReportJob, Schedule

logger = logging.getLogger("reporting.audit")
Action = AuditEvent.Action


def audit_record(*, action: str, actor=None, ip_address: str | None = None, outcome: str = AuditEvent.Outcome.SUCCESS,
                 job: ReportJob | None = None, template=None, schedule: Schedule | None = None,
                 detail: dict[str, Any] | None = None) -> AuditEvent:
    """Append one event. The actor and address default to the current web request's (if any);
    the template defaults to the job's."""
    context = current_actor.get()
    if actor is None and context is not None:
        actor = context.user.resolve() if hasattr(context.user, "resolve") else context.user
    if ip_address is None and context is not None:
        ip_address = context.ip_address
    if template is None and job is not None:
        template = job.template
    if schedule is None and job is not None and job.schedule_id:
        schedule = job.schedule
    event = AuditEvent.objects.create(
        action=Action(action), outcome=AuditEvent.Outcome(outcome), actor=actor,
        actor_name=_name(actor), ip_address=ip_address or None, job=job, template=template, schedule=schedule,
        job_ref=str(job.public_id) if job is not None else "", template_slug=template.slug if template is not None else "",
        schedule_name=schedule.name[:200] if schedule is not None else "", detail=detail or {},
    )
    logger.info("audit action=%s outcome=%s actor=%s job=%s", event.action, event.outcome, event.actor_name,
                job.public_id if job else "-")
    return event


def _name(actor) -> str:
    if actor is None:
        return ""
    full = actor.get_full_name() if hasattr(actor, "get_full_name") else ""
    return f"{full} ({actor.get_username()})" if full else actor.get_username()


CSV_COLUMNS = ["at", "action", "outcome", "actor", "ip_address", "job", "template", "schedule", "detail"]


def audit_csv_rows(*, events: QuerySet[AuditEvent] | Iterable[AuditEvent]) -> Iterator[list[str]]:
    """Header then one row per event; cells that a spreadsheet would run as a formula are quoted."""
    yield CSV_COLUMNS
    for event in events:
        yield [_cell(v) for v in (
            event.at.isoformat(), event.action, event.outcome, event.actor_name, event.ip_address or "",
            event.job_ref, event.template_slug, event.schedule_name, _detail_text(event.detail),
        )]


def _detail_text(detail: dict[str, Any]) -> str:
    return "; ".join(f"{k}={v}" for k, v in sorted((detail or {}).items()))


def _cell(value: str) -> str:
    # CSV injection: a cell starting with = + - @ (or tab/CR) would be a formula in Excel.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


class _Echo:
    def write(self, value):
        return value


def audit_csv_lines(*, events) -> Iterator[str]:
    writer = csv.writer(_Echo())
    for row in audit_csv_rows(events=events):
        yield writer.writerow(row)
