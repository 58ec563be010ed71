"""One chart spec, built from a template section and its rows, read by both renderers."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

CHART_KINDS = ("bar", "hbar", "line", "pie", "doughnut")


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
    def from_section(cls, section: dict[str, Any], rows: list[dict[str, Any]]) -> "ChartSpec":
        x_field = section["x"]
        y_fields = section["y"] if isinstance(section["y"], list) else [section["y"]]
        labels = section.get("labels", {})
        categories = tuple("" if r.get(x_field) is None else str(r.get(x_field)) for r in rows)
        series = tuple(
            Series(
                field=f,
                label=labels.get(f, f.replace("_", " ").capitalize()),
                values=tuple(_number_or_none(r.get(f)) for r in rows),
            )
            for f in y_fields
        )
        return cls(
            kind=section.get("kind", "bar"),
            title=section.get("title", ""),
            categories=categories,
            series=series,
            stacked=bool(section.get("stacked", False)),
            x_title=section.get("x_title", ""),
            y_title=section.get("y_title", ""),
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
