"""One KPI row, the same shape from every processor, whether a template defines the metric or not.

A row: {"name", "value" (full precision; None = no data), "unit", "decimals", "status" (None: no
band applies or no data), "trend", "direction", "assessment" (the change judged by direction),
"previous", "previous_label", "change", "target", "note" (why there is no value)}. Renderers,
the job page and email round for display only (presentation.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from templates_app.spec_metrics import MetricDefinition, ScoreDefinition

# The seed's bands (DESIGN.md "Seed rules"), as definitions, so the rules text can print them.
SEED_QUALITY_BANDS = (("excellent", 95.0), ("good", 85.0), ("warning", 70.0))
SEED_OVERALL = ScoreDefinition(name="overall_score", label="Overall score",
                               bands=(("excellent", 90.0), ("good", 75.0), ("warning", 60.0)))

# Metric names the built-in processors give the figures outside quality_metrics' "metrics" object.
TRAINING_COMPLETION = "training_completion_rate"
TRAINING_OVERDUE = "overdue_training_items"
DOCUMENTS_CREATED = "documents_created"
APPROVAL_TIME = "approval_time"
DOCUMENT_EFFICIENCY = "document_efficiency"


@dataclass(frozen=True)
class SeedKpi:
    """What the seed rules say of one KPI when the template defines nothing for it."""

    name: str
    unit: str
    trend: str | None
    status: str | None


def rounded(value: float, decimals: int) -> float:
    """Half-up rounding as people do it (98.25 -> 98.3), for comparisons at display precision."""
    return float(Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


def shown_value(value: float | None, decimals: int) -> float | None:
    """The value as the report shows it (half-up at ``decimals``): what a defined status is set on."""
    return None if value is None else rounded(value, decimals)


def default_decimals(value: float | None, unit: str) -> int:
    # A count (an int, or a unit of counted things) shows no decimals; a measured value one.
    if unit in ("items", "docs") or isinstance(value, int):
        return 0
    return 1


def kpi_row(*, key: str, value: float | None, seed: SeedKpi, definition: MetricDefinition | None,
            previous: float | None = None, previous_label: str | None = None, note: str | None = None,
            band_shown: bool = True) -> dict[str, Any]:
    if definition is None:
        row = {"name": seed.name, "value": value, "unit": seed.unit, "decimals": default_decimals(value, seed.unit),
               "status": seed.status if value is not None else None, "trend": seed.trend if value is not None else None,
               "direction": None, "assessment": None, "target": None}
    else:
        unit = definition.unit or seed.unit
        decimals = definition.decimals if definition.decimals is not None else default_decimals(value, unit)
        # Banded on the value as shown, so a reader can check it against the printed thresholds.
        row = {"name": definition.label or seed.name, "value": value, "unit": unit, "decimals": decimals,
               "status": definition.status(shown_value(value, decimals) if band_shown else value), "trend": None,
               "direction": definition.direction, "assessment": None, "target": definition.target}
        # The seed judges trends by its own rules, not by the change from the previous period: showing
        # that change beside a seed trend would contradict it, so only defined metrics carry one.
    row["metric"] = key
    if definition is None or not band_shown:
        previous = None
    row["previous"] = previous if value is not None else None
    row["previous_label"] = previous_label if row["previous"] is not None else None
    row["change"] = None
    if value is not None and previous is not None:
        # The change as the reader sees it: the difference of the two displayed values.
        change = rounded(rounded(value, row["decimals"]) - rounded(previous, row["decimals"]), row["decimals"])
        row["change"] = change
        if definition is not None:
            row["trend"] = "up" if change > 0 else "down" if change < 0 else "flat"
            row["assessment"] = definition.assessment(change)
    row["note"] = note if value is None else None
    return row


def period_label(start: Any, end: Any, *, reference_year: int | None = None) -> str | None:
    """"Oct" for one calendar month (with the year when it is not ``reference_year``), else "1 Jul – 30 Sep 2026"."""
    try:
        first, last = date.fromisoformat(str(start)), date.fromisoformat(str(end))
    except ValueError:
        return None
    next_month = date(last.year + (last.month == 12), last.month % 12 + 1, 1)
    whole_months = first.day == 1 and (next_month - last).days == 1
    year = "" if first.year == last.year == reference_year else f" {last.year}"
    if whole_months and (first.year, first.month) == (last.year, last.month):
        return f"{first:%b}{year}"
    if whole_months and first.year == last.year and first.month % 3 == 1 and last.month == first.month + 2:
        return f"Q{(first.month + 2) // 3}{year}"
    return f"{first.day} {first:%b} – {last.day} {last:%b %Y}"


def previous_label(data: dict[str, Any]) -> str | None:
    """How the KPI cards name the period the previous values are from ("Oct"), when the source says."""
    previous, period = data.get("previous_period"), data.get("period")
    if not isinstance(previous, dict):
        return None
    year = None
    if isinstance(period, dict):
        try:
            year = date.fromisoformat(str(period.get("end"))).year
        except ValueError:
            year = None
    return period_label(previous.get("start"), previous.get("end"), reference_year=year)
