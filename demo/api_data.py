"""The demo analytics API's payloads, shaped as the QMS processors read them, all from one dataset.

Every figure is aggregated from the monthly department facts of :mod:`demo.facts` with the
formulas of :mod:`demo.aggregate`: counts are sums, rates are ratios of sums (defect rate =
Σdefects / Σinspections × 100, never a mean of monthly or departmental rates). So a department
filter gives exactly that department's row of the all-department tables, the all-department
figures re-aggregate from the rows (each row carries its weights: inspections, units_produced,
audit_checks_total, capas_closed, training_assigned, documents_approved ...), and the
department_data row of a department equals that department's quality, training and document
figures for the same period; its "totals" is the same row over the whole selection.

Quality score (a %, 0..100, higher is better), over any set of facts:
    quality_score = 0.4 × first_pass_yield_percentage + 0.3 × compliance_rate + 0.3 × (100 − defect_rate)
with first_pass_yield_percentage = Σunits_passed_first_time / Σunits_produced × 100 and
compliance_rate = Σaudit_checks_passed / Σaudit_checks_total × 100; None when any part is None.

Periods: the data runs from DATASET_START through today (the month containing today holds facts
up to today only); a part of a month counts the month's facts scaled to the share of its days in
the period. Nothing is invented outside that: a period without a day of data answers no figures
(None, {} or []) with ``no_data_reason``; ``coverage`` says which days of the period have data.
A quality metric's ``average`` is over the whole period (for nonconformance_count, a count: the
period's total); ``previous_average`` is the same metric over ``previous_period``: as many whole
months just before when the covered days are whole months, else as many days just before (None
when that run is not all in the dataset). ``series`` has one point per month of the period (a
month the period covers only partly counts the period's days of it, ``complete`` false), plus
whole months before it up to MIN_SERIES_MONTHS points; never a month after today, never truncated.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .aggregate import QUALITY_METRICS, document_figures, quality_figures, totals, training_figures
from .facts import (
    DATASET_START, DEPARTMENTS, WORKFLOW_STAGES, MonthFacts, add_months, dataset, month_end, month_key,
    month_start, months_between, part_of_month,
)

__all__ = ["ALL_DEPARTMENTS", "DATASET_START", "DEPARTMENTS", "QUALITY_METRICS", "WORKFLOW_STAGES",
           "BadParameter", "UnknownSource", "demo_payload"]

ALL_DEPARTMENTS = "All"
MIN_SERIES_MONTHS = 6
TRAINING_TARGET = 90


class UnknownSource(ValueError):
    pass


class BadParameter(ValueError):
    """A request parameter the demo API cannot answer for; ``parameter`` names it."""

    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter


def demo_payload(source: str, *, start: date, end: date, department: str | None,
                 today: date | None = None) -> dict[str, Any]:
    """The demo API's answer for ``source`` over [start, end] for one department or all of them,
    as of ``today`` (default: the real today; nothing after it exists)."""
    builder = _BUILDERS.get(source)
    if builder is None:
        raise UnknownSource(f"unknown demo source '{source}'; known: {', '.join(sorted(_BUILDERS))}")
    if start > end:
        raise BadParameter("end", "start is after end")
    departments = _departments(department)
    window = _window(start, end, today or date.today())
    return {
        "data": {
            "period": {"start": start.isoformat(), "end": end.isoformat()},
            "department": department or ALL_DEPARTMENTS,
            "coverage": window.coverage(),
            "no_data_reason": None if window.months else window.no_data_reason(),
            **builder(window, departments),
        }
    }


def _departments(department: str | None) -> tuple[str, ...]:
    if department in (None, "", ALL_DEPARTMENTS):
        return DEPARTMENTS
    if department not in DEPARTMENTS:
        raise BadParameter("department", f"unknown department '{department[:40]}'; known: {', '.join(DEPARTMENTS)}")
    return (department,)


@dataclass(frozen=True)
class _Window:
    start: date
    end: date
    today: date
    first_day: date  # the part of the period with data: [first_day, last_day]
    last_day: date
    months: list[str]  # the months of the period that have data
    context: list[str]  # whole months before them shown in series
    previous: tuple[date, date] | None  # the equally long run just before, None when not all in the dataset
    facts: dict[tuple[str, str], MonthFacts]  # the whole dataset

    def coverage(self) -> dict[str, Any]:
        if not self.months:
            return {"from": None, "through": None, "complete": False}
        return {"from": self.first_day.isoformat(), "through": self.last_day.isoformat(),
                "complete": self.start >= DATASET_START and self.end <= self.today}

    def no_data_reason(self) -> str:
        return (f"No data for this period: the demo data runs from {_human(DATASET_START)} "
                f"to {_human(self.today)}.")

    def select(self, departments: tuple[str, ...], first: date | None = None,
               last: date | None = None) -> list[MonthFacts]:
        """The facts of the days [first, last] (default: the period's days with data)."""
        first, last = first or self.first_day, last or self.last_day
        if not self.months or first > last:
            return []
        selected = []
        for month in months_between(month_key(first), month_key(last)):
            whole = first <= month_start(month) and month_end(month) <= last
            for department in departments:
                selected.append(self.facts[(department, month)] if whole
                                else part_of_month(self.today, department, month, first, last))
        return selected

    def month_days(self, month: str) -> tuple[date, date]:
        """The days of ``month`` a series point covers: the period's days in it, or all of it."""
        if self.first_day <= month_end(month) and month_start(month) <= self.last_day:
            return max(self.first_day, month_start(month)), min(self.last_day, month_end(month))
        return month_start(month), month_end(month)


def _human(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _window(start: date, end: date, today: date) -> _Window:
    first_day, last_day = max(start, DATASET_START), min(end, today)
    months = months_between(month_key(first_day), month_key(last_day)) if first_day <= last_day else []
    context: list[str] = []
    previous = None
    if months:
        missing = max(0, MIN_SERIES_MONTHS - len(months))
        context = [m for m in months_between(add_months(months[0], -missing), add_months(months[0], -1))
                   if month_start(m) >= DATASET_START]
        # Compared before building dates: a run as long as the whole dataset would start before year 1.
        if first_day.day == 1 and last_day == month_end(months[-1]):  # whole months: as many months before
            first_previous = add_months(months[0], -len(months))
            if first_previous >= month_key(DATASET_START):
                previous = (month_start(first_previous), first_day - timedelta(days=1))
        else:  # as many days before
            days = (last_day - first_day).days + 1
            if (first_day - DATASET_START).days >= days:
                previous = (first_day - timedelta(days=days), first_day - timedelta(days=1))
    return _Window(start=start, end=end, today=today, first_day=first_day, last_day=last_day, months=months,
                   context=context, previous=previous, facts=dataset(today))


def _quality(window: _Window, departments: tuple[str, ...]) -> dict[str, Any]:
    previous_period = None
    metrics: dict[str, Any] = {}
    if window.months:
        current = quality_figures(totals(window.select(departments)))
        previous = dict.fromkeys(QUALITY_METRICS)
        if window.previous:
            previous = quality_figures(totals(window.select(departments, *window.previous)))
            previous_period = {"start": window.previous[0].isoformat(), "end": window.previous[1].isoformat()}
        points = {}
        for month in window.context + window.months:
            facts = window.select(departments, *window.month_days(month))
            points[month] = (quality_figures(totals(facts)), all(f.complete for f in facts))
        for name in QUALITY_METRICS:
            metrics[name] = {
                "average": current[name],
                "previous_average": previous[name],
                "series": [{"period": month, "value": figures[name], "complete": complete}
                           for month, (figures, complete) in points.items()],
            }
    return {"departments": list(departments), "previous_period": previous_period, "metrics": metrics}


def _previous(window: _Window, departments: tuple[str, ...], figures_of, fields: tuple[str, ...]) -> dict[str, Any]:
    """``previous_<field>`` for each field: the same figure over the previous period (None without one)."""
    previous = figures_of(totals(window.select(departments, *window.previous))) if window.months and window.previous else {}
    period = ({"start": window.previous[0].isoformat(), "end": window.previous[1].isoformat()}
              if window.months and window.previous else None)
    return {"previous_period": period, **{f"previous_{field}": previous.get(field) for field in fields}}


def _training(window: _Window, departments: tuple[str, ...]) -> dict[str, Any]:
    figures = training_figures(totals(window.select(departments)))
    figures.update(_previous(window, departments, training_figures, ("completion_rate", "overdue_count")))
    rows = []
    for name in departments if window.months else ():
        row = training_figures(totals(window.select((name,))))
        rows.append({"name": name, "completion_rate": row["completion_rate"], "overdue_count": row["overdue_count"],
                     "assigned": row["assigned_count"], "completed": row["completed_count"]})
    return {**figures, "target": TRAINING_TARGET, "departments": rows}


def _documents(window: _Window, departments: tuple[str, ...]) -> dict[str, Any]:
    figures = document_figures(totals(window.select(departments)))
    figures.update(_previous(window, departments, document_figures, ("documents_created", "average_approval_time")))
    return figures


def _department_data(window: _Window, departments: tuple[str, ...]) -> dict[str, Any]:
    if not window.months:
        return {"departments": [], "totals": None}
    rows = [_department_row(window, name, (name,)) for name in departments]
    label = departments[0] if len(departments) == 1 else ALL_DEPARTMENTS
    return {"departments": rows, "totals": _department_row(window, label, departments)}


def _department_row(window: _Window, name: str, departments: tuple[str, ...]) -> dict[str, Any]:
    """One department's figures (or the aggregate of several) with the counts they are made of."""
    t = totals(window.select(departments))
    quality, training, documents = quality_figures(t), training_figures(t), document_figures(t)
    # Audits and open CAPAs are as of the end of the data in the period, looking back before it too.
    audits = [f.audit_date for f in window.facts.values()
              if f.department in departments and f.audit_date is not None and f.audit_date <= window.last_day]
    return {
        "name": name,
        "quality_score": quality["quality_score"],
        "training_completion": training["completion_rate"],
        "overdue_training": training["overdue_count"],
        "documents_created": documents["documents_created"],
        "avg_approval_days": documents["average_approval_time"],
        "open_capas": sum(f.open_capas for f in window.select(departments, *window.month_days(window.months[-1]))),
        "last_audit": max(audits).isoformat() if audits else None,
        "defect_rate": quality["defect_rate"],
        "first_pass_yield_percentage": quality["first_pass_yield_percentage"],
        "compliance_rate": quality["compliance_rate"],
        "capa_closure_time": quality["capa_closure_time"],
        "nonconformance_count": quality["nonconformance_count"],
        **{key: t[key] for key in (
            "inspections", "defects", "units_produced", "units_passed_first_time", "audit_checks_total",
            "audit_checks_passed", "capas_opened", "capas_closed", "capa_closure_days_total",
            "training_assigned", "training_completed", "documents_approved", "approval_days_total",
        )},
    }


_BUILDERS: dict[str, Callable[[_Window, tuple[str, ...]], dict[str, Any]]] = {
    "quality_metrics": _quality,
    "training_metrics": _training,
    "document_metrics": _documents,
    "department_data": _department_data,
}
