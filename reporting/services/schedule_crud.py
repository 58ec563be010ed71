"""Creating, changing, pausing, resuming and deleting schedules; every rule a schedule must keep."""
from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone as dj_timezone

from templates_app.models import ReportTemplate
from templates_app.recipients import distinct_addresses, recipient_errors
from templates_app.selectors import template_allows_user

from reporting.models import Schedule
from reporting.pipeline.rendering.base import available_formats
from reporting.scheduling.recurrence import Rule, RuleInvalid, next_runs, rule_check

from .schedule_params import burst_parameter_spec, schedule_rule

logger = logging.getLogger("reporting.schedules")

# Which form field a recurrence problem belongs to.
_RULE_FIELD = {"invalid_timezone": "timezone", "weekdays_missing": "weekdays", "invalid_weekday": "weekdays",
               "invalid_month_day": "month_day", "cron_fields": "cron", "cron_invalid": "cron",
               "never_runs": "kind", "invalid_kind": "kind"}
# A report is a heavy job: a schedule every minute would fill the queue for everyone else.
MIN_GAP = timedelta(minutes=15)
MIN_GAP_SAMPLE = 50  # run times looked at for the smallest gap (a cron may bunch runs in one hour)
EDITABLE = ("name", "parameters", "kind", "time_of_day", "weekdays", "month_day", "cron", "timezone", "formats",
            "recipients", "condition", "burst_parameter", "burst_recipients")
# What a run sends and to whom. A schedule runs as its owner, so only the owner may change these:
# someone else (with change_schedule) setting them would mail the owner's view of the data anywhere.
OWNER_ONLY = ("recipients", "parameters", "burst_parameter", "burst_recipients")


def rule_from(values: dict[str, Any]) -> Rule:
    return Rule(kind=values.get("kind") or "", timezone=values.get("timezone") or "",
                time_of_day=values.get("time_of_day") or time(8, 0), weekdays=tuple(values.get("weekdays") or ()),
                month_day=str(values.get("month_day") or "1"), cron=(values.get("cron") or "").strip())


def schedule_preview(*, values: dict[str, Any], now: datetime | None = None, count: int = 5) -> list[datetime]:
    """The next ``count`` run times (UTC) of a rule that is not saved yet; ValidationError if it is broken."""
    rule = rule_from(values)
    try:
        rule_check(rule)
    except RuleInvalid as exc:
        raise ValidationError({_RULE_FIELD.get(exc.code, "kind"): ValidationError(str(exc), code=exc.code)}) from None
    return next_runs(rule, after=now or dj_timezone.now(), count=count)


def _clean(*, template: ReportTemplate, owner, values: dict[str, Any]) -> dict[str, Any]:
    """The values normalised, or ValidationError naming each field's problem (with a code)."""
    errors: dict[str, list[ValidationError]] = {}

    def add(field_name: str, message: str, code: str, /, **params) -> None:
        errors.setdefault(field_name, []).append(ValidationError(message, code=code, params=params or None))

    values = dict(values)
    values["name"] = (values.get("name") or "").strip()
    if not values["name"]:
        add("name", "Give the schedule a name.", "name_missing")
    elif len(values["name"]) > 200:
        add("name", "A schedule name has at most 200 characters.", "name_too_long")
    version = template.published_version
    if version is None or not template.is_active or not template_allows_user(template=template, user=owner):
        add("template", "You may not schedule the report '%(name)s'.", "template_not_allowed", name=template.name)
        raise ValidationError(errors)
    spec = version.parsed
    values["cron"] = (values.get("cron") or "").strip()
    values["weekdays"] = sorted({int(d) for d in values.get("weekdays") or []}) if values.get("kind") == "weekly" else []
    try:
        upcoming = schedule_preview(values=values, count=MIN_GAP_SAMPLE)
        gaps = [later - earlier for earlier, later in zip(upcoming, upcoming[1:])]
        if gaps and min(gaps) < MIN_GAP:
            add("cron" if values.get("kind") == "cron" else "kind",
                "A schedule may run at most every %(minutes)d minutes (this one runs %(gap)s apart).",
                "runs_too_often", minutes=int(MIN_GAP.total_seconds() // 60), gap=str(min(gaps)))
    except ValidationError as exc:
        for name, field_errors in exc.error_dict.items():
            errors.setdefault(name, []).extend(field_errors)
    values["formats"] = list(values.get("formats") or [])
    unknown = [f for f in values["formats"] if f not in available_formats()]
    if unknown:
        add("formats", "Unknown format '%(format)s' (choose from %(known)s).", "unknown_format",
            format=unknown[0], known=", ".join(available_formats()))
    if values.get("condition", Schedule.Condition.ALWAYS) not in Schedule.Condition.values:
        add("condition", "Unknown delivery condition '%(value)s'.", "invalid_condition", value=values.get("condition"))
    values["recipients"] = distinct_addresses(a.strip() for a in values.get("recipients") or [])
    email_params = spec.parameters_of_type("email_list")
    if values["recipients"] and not email_params:
        add("recipients", "The report '%(name)s' cannot be emailed (it has no recipients parameter).",
            "no_recipient_parameter", name=template.name)
    if not values["recipients"] and any(p.required for p in email_params) and not values.get("burst_recipients"):
        add("recipients", "The report '%(name)s' needs at least one recipient.", "recipients_required",
            name=template.name)
    for error in recipient_errors(values["recipients"]):
        errors.setdefault("recipients", []).append(error)
    _clean_burst(spec, values, add)
    if errors:
        raise ValidationError(errors)
    return values


def _clean_burst(spec, values: dict[str, Any], add) -> None:
    name = (values.get("burst_parameter") or "").strip()
    mapping = values.get("burst_recipients") or {}
    values["burst_parameter"] = name
    if not name:
        if mapping:
            add("burst_recipients", "Per-value recipients need a parameter to fan out over.",
                "burst_recipients_without_parameter")
        values["burst_recipients"] = {}
        return
    param = burst_parameter_spec(spec, name)
    if param is None:
        add("burst_parameter", "'%(name)s' is not a single-choice parameter of this report.", "burst_not_choice",
            name=name)
        return
    known = {value for value, _label in param.choices}
    cleaned: dict[str, list[str]] = {}
    for value, addresses in mapping.items():
        if known and param.choices_from is None and value not in known:
            add("burst_recipients", "'%(value)s' is not a value of '%(name)s'.", "burst_unknown_value",
                value=value, name=name)
            continue
        addresses = distinct_addresses(a.strip() for a in addresses)
        for error in recipient_errors(addresses):
            add("burst_recipients", "%(value)s: %(message)s", "burst_recipients_invalid", value=value,
                message=" ".join(error.messages))
        cleaned[value] = addresses
    values["burst_recipients"] = cleaned


def _first_run(schedule: Schedule, now: datetime | None) -> datetime | None:
    runs = next_runs(schedule_rule(schedule), after=now or dj_timezone.now(), count=1)
    return runs[0] if runs else None


def schedule_create(*, owner, template: ReportTemplate, values: dict[str, Any], enabled: bool = True,
                    now: datetime | None = None) -> Schedule:
    cleaned = _clean(template=template, owner=owner, values=values)
    schedule = Schedule(owner=owner, template=template, enabled=enabled,
                        **{k: cleaned[k] for k in EDITABLE if k in cleaned})
    schedule.next_run_at = _first_run(schedule, now) if enabled else None
    schedule.save()
    logger.info("schedule=%s created by %s", schedule.pk, owner.get_username())
    return schedule


def schedule_update(*, schedule: Schedule, values: dict[str, Any], now: datetime | None = None,
                    editor=None) -> Schedule:
    """Change what the schedule runs or when. ``editor`` (when not the owner) may change the name, the
    timing, the formats and the condition only (OWNER_ONLY fields refused with code owner_only).

    The next run is worked out again only when the rule changes, and from the earlier of now and the
    old next run: a run that is due but not yet picked up by the tick is never skipped by an edit."""
    current = {k: getattr(schedule, k) for k in EDITABLE}
    cleaned = _clean(template=schedule.template, owner=schedule.owner, values={**current, **values})
    if editor is not None and editor.pk != schedule.owner_id:
        _check_editor(schedule=schedule, editor=editor, current=current, cleaned=cleaned)
    rule_before = schedule_rule(schedule)
    for key in EDITABLE:
        if key in cleaned:
            setattr(schedule, key, cleaned[key])
    if schedule.enabled and (schedule.next_run_at is None or schedule_rule(schedule) != rule_before):
        schedule.next_run_at = _first_run_keeping_due(schedule, old=schedule.next_run_at, now=now)
    schedule.save()
    return schedule


def _check_editor(*, schedule: Schedule, editor, current: dict[str, Any], cleaned: dict[str, Any]) -> None:
    if not template_allows_user(template=schedule.template, user=editor):
        raise ValidationError({"template": ValidationError(
            "You may not use the report '%(name)s'.", code="template_not_allowed",
            params={"name": schedule.template.name})})
    spec = schedule.template.published_version.parsed
    changed = [k for k in OWNER_ONLY if _comparable(spec, k, cleaned.get(k)) != _comparable(spec, k, current[k])]
    if changed:
        owner = schedule.owner.get_username()
        raise ValidationError({field_name: ValidationError(
            "Only the owner (%(owner)s) may change the recipients, report parameters or per-value recipients of "
            "this schedule: it runs as %(owner)s. Pause it and make your own schedule instead.",
            code="owner_only", params={"owner": owner}) for field_name in changed})


def _comparable(spec, key: str, value: Any) -> Any:
    """A value as the owner-only check compares it: addresses in any case, presets without the dates
    the form resolved today (the run resolves them again), empty as empty."""
    if key == "recipients":
        return sorted(a.strip().lower() for a in value or [])
    if key == "burst_recipients":
        return {k: sorted(a.strip().lower() for a in v) for k, v in (value or {}).items() if v}
    if key == "parameters":
        emailed = {p.name for p in spec.parameters_of_type("email_list")}
        out = {}
        for name, item in (value or {}).items():
            if name in emailed or item in (None, "", []):
                continue
            if isinstance(item, dict) and item.get("preset") not in (None, "", "custom"):
                item = {"preset": item["preset"]}
            out[name] = item
        return out
    return value or ""


def _first_run_keeping_due(schedule: Schedule, *, old: datetime | None, now: datetime | None) -> datetime | None:
    now = now or dj_timezone.now()
    if old is not None and old <= now:
        # Due and not yet run: from just before it, so the new rule's runs since then are still due
        # (the tick runs the latest of them, the misfire policy).
        return _first_run(schedule, old - timedelta(microseconds=1))
    return _first_run(schedule, now)


def schedule_pause(*, schedule: Schedule, reason: str = "") -> Schedule:
    Schedule.objects.filter(pk=schedule.pk).update(enabled=False, paused_reason=reason, next_run_at=None)
    schedule.enabled, schedule.paused_reason, schedule.next_run_at = False, reason, None
    logger.info("schedule=%s paused%s", schedule.pk, f": {reason}" if reason else "")
    return schedule


def schedule_resume(*, schedule: Schedule, now: datetime | None = None) -> Schedule:
    """Run again from the next due time on (runs missed while paused are not made up). Resuming a
    schedule that is not paused keeps its next run, even one that is due now."""
    owner = schedule.owner
    if not owner.is_active:
        raise ValidationError("The owner %(owner)s is deactivated; the schedule cannot run.",
                              code="owner_inactive", params={"owner": owner.get_username()})
    template = schedule.template
    if not template.is_active or not template_allows_user(template=template, user=owner):
        raise ValidationError("The owner %(owner)s may no longer use the report '%(name)s'.",
                              code="template_not_allowed", params={"owner": owner.get_username(),
                                                                   "name": template.name})
    if not (schedule.enabled and schedule.next_run_at is not None):
        schedule.next_run_at = _first_run(schedule, now)
    schedule.enabled, schedule.paused_reason = True, ""
    schedule.save(update_fields=["enabled", "paused_reason", "next_run_at", "updated_at"])
    return schedule


def schedule_delete(*, schedule: Schedule) -> None:
    """The schedule and its run records go; the jobs it made stay (their schedule becomes empty)."""
    schedule.delete()


def schedule_owner_deactivated(*, user) -> int:
    """Pause every enabled schedule of a deactivated user, saying why; how many were paused."""
    reason = f"Owner {user.get_username()} is deactivated"
    with transaction.atomic():
        paused = Schedule.objects.filter(owner=user, enabled=True).update(enabled=False, paused_reason=reason,
                                                                          next_run_at=None)
    if paused:
        logger.info("paused %d schedule(s) of deactivated user %s", paused, user.get_username())
    return paused
