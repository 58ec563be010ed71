"""What one scheduled run of a schedule runs with: parameters for the due time, burst values, recipients."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from templates_app.parameters import ChoicesUnavailable, load_source_choices, placeholder_defaults
from templates_app.presets import resolve_preset
from templates_app.spec import ParameterSpec, ReportSpec

from reporting.models import Schedule
from reporting.scheduling.recurrence import Rule


def schedule_rule(schedule: Schedule) -> Rule:
    return Rule(kind=schedule.kind, timezone=schedule.timezone, time_of_day=schedule.time_of_day,
                weekdays=tuple(schedule.weekdays or ()), month_day=str(schedule.month_day or "1"),
                cron=schedule.cron or "")


def local_run_date(schedule: Schedule, due_at: datetime) -> date:
    """The day a run is for, in the schedule's zone: 'last_month' of a 1 January 00:30 Berlin run is
    December even though it is still 31 December in UTC."""
    return due_at.astimezone(schedule_rule(schedule).zone).date()


def resolve_run_parameters(spec: ReportSpec, stored: dict[str, Any], *, today: date) -> dict[str, Any]:
    """The stored values with every date-range preset resolved for ``today`` (custom ranges kept)."""
    values = dict(stored)
    for param in spec.parameters_of_type("date_range"):
        value = values.get(param.name)
        if isinstance(value, dict) and value.get("preset") not in (None, "", "custom"):
            start, end = resolve_preset(value["preset"], today=today)
            values[param.name] = {"start": start.isoformat(), "end": end.isoformat(), "preset": value["preset"]}
    return values


def with_recipients(spec: ReportSpec, values: dict[str, Any], recipients: list[str]) -> dict[str, Any]:
    """The schedule's recipients go into the template's first email_list parameter (the others get
    none), which is where delivery reads them from (reporting/pipeline/delivery.recipients_for)."""
    values = dict(values)
    for index, param in enumerate(spec.parameters_of_type("email_list")):
        values[param.name] = list(recipients) if index == 0 else []
    return values


def burst_parameter_spec(spec: ReportSpec, name: str) -> ParameterSpec | None:
    return next((p for p in spec.parameters_of_type("choice") if p.name == name), None)


class BurstValuesUnavailable(Exception):
    """The burst parameter's values could not be read (the message says why)."""


# One tick fans out into at most this many jobs: a source answering thousands of values must not
# flood the queue (the run is recorded as not run, saying why).
MAX_BURST_VALUES = 50


def burst_values(spec: ReportSpec, name: str, *, today: date) -> list[str]:
    """Every value of the burst parameter, read as the run form reads them (a source, else the spec's list)."""
    values = _burst_values(spec, name, today=today)
    if len(values) > MAX_BURST_VALUES:
        raise BurstValuesUnavailable(f"'{name}' has {len(values)} values; a schedule fans out over at most "
                                     f"{MAX_BURST_VALUES}")
    return values


def _burst_values(spec: ReportSpec, name: str, *, today: date) -> list[str]:
    param = burst_parameter_spec(spec, name)
    if param is None:
        raise BurstValuesUnavailable(f"the template has no choice parameter '{name}' to fan out over")
    if param.choices_from is not None:
        try:
            loaded = load_source_choices(param.choices_from,
                                         parameters=placeholder_defaults(spec.parameters, today=today))
            if loaded:
                return [value for value, _label in loaded]
        except ChoicesUnavailable as exc:
            if not param.choices:
                raise BurstValuesUnavailable(f"the values of '{name}' could not be loaded: {exc}") from None
    values = [value for value, _label in param.choices]
    if not values:
        raise BurstValuesUnavailable(f"parameter '{name}' has no values to fan out over")
    return values


def recipients_for_value(schedule: Schedule, value: str) -> list[str]:
    """A burst value's own list when the schedule names one, else the schedule's list."""
    own = (schedule.burst_recipients or {}).get(value)
    return list(own) if own else list(schedule.recipients or [])
