"""Deterministic demo analytics payloads, shaped as the QMS processors expect.

Pure functions: the same (source, period, department) always gives the same payload (seeded from
a sha256 of those values, never from the clock), so demo reports and tests are reproducible.
"""
from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

DEPARTMENTS = (
    "Manufacturing",
    "Quality Assurance",
    "Regulatory Affairs",
    "R&D",
    "Supply Chain",
    "Łódź Packaging",  # a name outside Latin-1, on purpose: fonts and encodings must cope
)
ALL_DEPARTMENTS = "All"
MIN_SERIES_MONTHS = 6
MAX_SERIES_MONTHS = 24
TRAINING_TARGET = 90
WORKFLOW_STAGES = ("Draft", "Review", "Approval", "Training", "Effective")

# metric -> (low, high, decimals): plausible ranges for a regulated manufacturer.
QUALITY_METRICS: dict[str, tuple[float, float, int]] = {
    "defect_rate": (1.2, 4.5, 2),
    "first_pass_yield_percentage": (86.0, 98.5, 1),
    "quality_score": (78.0, 98.0, 1),
    "compliance_rate": (82.0, 99.5, 1),
    "capa_closure_time": (12.0, 42.0, 1),
    "nonconformance_count": (4, 38, 0),
}


def demo_payload(source: str, *, start: date, end: date, department: str | None) -> dict[str, Any]:
    """The demo API's answer for ``source`` over [start, end] for one department or all of them."""
    builder = _BUILDERS.get(source)
    if builder is None:
        raise ValueError(f"unknown demo source '{source}'; known: {', '.join(sorted(_BUILDERS))}")
    if start > end:
        raise ValueError("start is after end")
    departments = _departments(department)
    rng = _rng(source, start.isoformat(), end.isoformat(), department or ALL_DEPARTMENTS)
    data = builder(rng, start, end, departments)
    return {
        "data": {
            "period": {"start": start.isoformat(), "end": end.isoformat()},
            "department": department or ALL_DEPARTMENTS,
            **data,
        }
    }


def _departments(department: str | None) -> tuple[str, ...]:
    if department in (None, "", ALL_DEPARTMENTS):
        return DEPARTMENTS
    if department not in DEPARTMENTS:
        raise ValueError(f"unknown department '{department}'")
    return (department,)


def _rng(*parts: str) -> random.Random:
    digest = hashlib.sha256("|".join(parts).encode("utf-8")).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _months(start: date, end: date) -> tuple[list[str], list[str]]:
    """(months before the period shown for context, months in the period), as "YYYY-MM"."""
    in_period = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        in_period.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    in_period = in_period[-MAX_SERIES_MONTHS:]
    before = []
    year, month = int(in_period[0][:4]), int(in_period[0][5:])
    # One month before the period always exists: it is the "previous" value for trends.
    while len(before) < max(1, MIN_SERIES_MONTHS - len(in_period)):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        before.insert(0, f"{year:04d}-{month:02d}")
    return before, in_period


def _value(rng: random.Random, low: float, high: float, decimals: int) -> float | int:
    value = rng.uniform(low, high)
    return int(round(value)) if decimals == 0 else round(value, decimals)


def _quality(rng: random.Random, start: date, end: date, departments: tuple[str, ...]) -> dict[str, Any]:
    before, in_period = _months(start, end)
    metrics = {}
    for name, (low, high, decimals) in QUALITY_METRICS.items():
        # A random walk inside the range, so series look like trends rather than noise.
        span = high - low
        level = rng.uniform(low + span * 0.3, high - span * 0.3)
        series = []
        for period in before + in_period:
            level = min(high, max(low, level + rng.uniform(-0.08, 0.08) * span))
            series.append({"period": period, "value": int(round(level)) if decimals == 0 else round(level, decimals)})
        current = [p["value"] for p in series[len(before):]]
        average = sum(current) / len(current)
        metrics[name] = {
            "average": round(average, 2),
            "previous_average": series[len(before) - 1]["value"],
            "series": series,
        }
    return {"departments": list(departments), "metrics": metrics}


def _training(rng: random.Random, start: date, end: date, departments: tuple[str, ...]) -> dict[str, Any]:
    rows = [
        {
            "name": name,
            "completion_rate": _value(rng, 72.0, 99.0, 1),
            "overdue_count": _value(rng, 0, 14, 0),
            "assigned": _value(rng, 40, 260, 0),
        }
        for name in departments
    ]
    assigned = sum(r["assigned"] for r in rows)
    completion = sum(r["completion_rate"] * r["assigned"] for r in rows) / assigned
    return {
        "completion_rate": round(completion, 1),
        "overdue_count": sum(r["overdue_count"] for r in rows),
        "assigned_count": assigned,
        "target": TRAINING_TARGET,
        "departments": rows,
    }


def _documents(rng: random.Random, start: date, end: date, departments: tuple[str, ...]) -> dict[str, Any]:
    months = len(_months(start, end)[1])
    created = sum(_value(rng, 4, 30, 0) for _ in departments) * months
    stages = []
    remaining = created
    for stage in WORKFLOW_STAGES:
        count = remaining if stage == WORKFLOW_STAGES[-1] else int(remaining * rng.uniform(0.1, 0.3))
        remaining -= count
        stages.append({"stage": stage, "documents": count, "avg_days_in_stage": _value(rng, 0.4, 3.5, 1)})
    return {
        "documents_created": created,
        "documents_revised": int(created * rng.uniform(0.3, 0.6)),
        "average_approval_time": _value(rng, 0.8, 3.6, 1),
        "workflow_stages": stages,
    }


def _department_data(rng: random.Random, start: date, end: date, departments: tuple[str, ...]) -> dict[str, Any]:
    rows = []
    for name in departments:
        last_audit = end - timedelta(days=rng.randint(5, 200))
        rows.append(
            {
                "name": name,
                "quality_score": _value(rng, 72.0, 99.0, 1),
                "training_completion": _value(rng, 70.0, 99.5, 1),
                "overdue_training": _value(rng, 0, 15, 0),
                "documents_created": _value(rng, 3, 60, 0),
                "avg_approval_days": _value(rng, 1.0, 7.0, 1),
                "open_capas": _value(rng, 0, 12, 0),
                "last_audit": last_audit.isoformat(),
            }
        )
    return {"departments": rows}


_BUILDERS: dict[str, Callable[[random.Random, date, date, tuple[str, ...]], dict[str, Any]]] = {
    "quality_metrics": _quality,
    "training_metrics": _training,
    "document_metrics": _documents,
    "department_data": _department_data,
}
