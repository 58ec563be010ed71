"""One chart spec, built from a template section and its rows, read by both renderers."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from reporting.pipeline.rendering.fonts import printable_text
from templates_app.spec import ChartSection

CHART_KINDS = ("bar", "hbar", "line", "pie", "doughnut")


class ChartSectionError(ValueError):
    """A chart section that cannot describe a chart (missing or malformed x/y)."""


@dataclass(frozen=True)
class Series:
    field: str
    label: str
    values: tuple[float | None, ...]


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
        return cls(
            kind=section.kind,
            title=printable_text(section.title),
            categories=categories,
            series=series,
            stacked=section.stacked,
            x_title=printable_text(section.x_title),
            y_title=printable_text(section.y_title),
            x_field=x_field,
        )


def _number_or_none(value: Any) -> float | None:
    """A finite float, or None (a gap): NaN/infinity and numbers past float range cannot be drawn."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value) if isinstance(value, (int, float)) else float(str(value))
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None
