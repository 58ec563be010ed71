"""One chart spec, built from a template section and its rows, read by both renderers."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from reporting.pipeline.rendering.fonts import printable_text
from templates_app.spec import ChartSection

CHART_KINDS = ("bar", "hbar", "line", "pie", "doughnut")
MAX_REFERENCE_LINES = 6


class ChartSectionError(ValueError):
    """A chart section that cannot describe a chart (missing or malformed x/y)."""


@dataclass(frozen=True)
class Series:
    field: str
    label: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class ReferenceLine:
    """A target or threshold: drawn as a dashed line across the plot with its label, never as a bar."""

    label: str
    value: float


# Axis titles that say the values are percentages (0..100) when the section gives no unit.
_PERCENT_TITLES = re.compile(r"%\s*\)?\s*$|\bpercent(age)?\b", re.IGNORECASE)


@dataclass(frozen=True)
class ChartSpec:
    kind: str  # one of CHART_KINDS
    title: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    stacked: bool = False
    x_title: str = ""
    y_title: str = ""
    x_field: str = ""
    unit: str = ""  # "%": the values are percentages and the value axis runs 0..100
    y_min: float | None = None
    y_max: float | None = None
    reference_lines: tuple[ReferenceLine, ...] = ()
    # Set when a pie/doughnut had fewer than two slices to show and is drawn as bars instead.
    drawn_as_bar: bool = False

    @property
    def is_percent(self) -> bool:
        return self.unit.strip() == "%" or (not self.unit and bool(_PERCENT_TITLES.search(self.y_title)))

    @property
    def is_empty(self) -> bool:
        return not self.categories or all(
            v is None for s in self.series for v in s.values
        )

    @classmethod
    def from_section(cls, section: ChartSection, rows: list[dict[str, Any]]) -> "ChartSpec":
        """Raise ChartSectionError (one type for every renderer) when the section cannot describe a chart."""
        x_field, y_fields = section.x, section.y
        if not x_field:
            raise ChartSectionError('the chart section needs an "x" field name')
        if not y_fields or not all(y_fields):
            raise ChartSectionError('the chart section needs "y" field names')
        # Every text a chart draws is made printable here, once for the PDF, the SVG and the workbook's
        # chart: a control character from data would be drawn as the font's missing-glyph box.
        categories = tuple(printable_text(r.get(x_field)) for r in rows)
        series = tuple(
            Series(
                field=f,
                label=printable_text(section.series_label(f)),
                values=tuple(_number_or_none(r.get(f)) for r in rows),
            )
            for f in y_fields
        )
        kind = section.kind
        drawn_as_bar = False
        if kind in ("pie", "doughnut") and series and _positive_count(series[0].values) < 2:
            # One slice is a full circle that says nothing: one bar (same in PDF, SVG and workbook).
            kind, drawn_as_bar, series = "bar", True, series[:1]
        # unit, y_min, y_max and reference_lines are optional on ChartSection (older specs lack them).
        return cls(
            kind=kind,
            title=printable_text(section.title),
            categories=categories,
            series=series,
            stacked=section.stacked,
            x_title=printable_text(section.x_title),
            y_title=printable_text(section.y_title),
            x_field=x_field,
            unit=printable_text(getattr(section, "unit", "") or ""),
            y_min=_number_or_none(getattr(section, "y_min", None)),
            y_max=_number_or_none(getattr(section, "y_max", None)),
            reference_lines=_reference_lines(getattr(section, "reference_lines", None)),
            drawn_as_bar=drawn_as_bar,
        )


def _positive_count(values: tuple[float | None, ...]) -> int:
    return sum(1 for v in values if v is not None and v > 0)


def _reference_lines(lines: Any) -> tuple[ReferenceLine, ...]:
    """Objects with ``.label`` and ``.value`` (or dicts with those keys); those without a number are dropped."""
    found = []
    for line in lines or ():
        get = line.get if isinstance(line, dict) else lambda name, obj=line: getattr(obj, name, None)
        value = _number_or_none(get("value"))
        if value is not None:
            found.append(ReferenceLine(label=printable_text(get("label") or ""), value=value))
    return tuple(found[:MAX_REFERENCE_LINES])


def _number_or_none(value: Any) -> float | None:
    """A finite float, or None (a gap): NaN/infinity and numbers past float range cannot be drawn."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value) if isinstance(value, (int, float)) else float(str(value))
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None
