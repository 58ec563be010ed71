"""The value axis of a chart, decided once for the PDF, the SVG preview and the workbook's chart.

A percentage chart runs 0..100 (never auto-scaled to 120); reference lines are always inside the
range; a template's y_min/y_max win over both.
"""
from __future__ import annotations

import math

from reporting.pipeline.rendering.chartspec import ChartSpec

PERCENT_MAX = 100.0


def value_range(spec: ChartSpec) -> tuple[float, float]:
    """Min/max the value axis must show (sums per category when stacked)."""
    data = [tuple(s.values) for s in spec.series]
    references = [line.value for line in spec.reference_lines]
    if spec.stacked and spec.kind in ("bar", "hbar"):
        positives = [sum(v for v in col if v is not None and v > 0) for col in zip(*data)]
        negatives = [sum(v for v in col if v is not None and v < 0) for col in zip(*data)]
        low, high = min([0.0, *negatives, *references]), max([0.0, *positives, *references])
    else:
        values = [v for s in spec.series for v in s.values if v is not None]
        low, high = min([0.0, *values, *references]), max([0.0, *values, *references])
        if spec.kind == "line" and values and min(values) > 0:
            shown = values + references
            lo, hi = min(shown), max(shown)
            if lo > 0 and hi - lo < 0.5 * hi:
                # A line shows change: from zero, scores between 85 and 95 would draw as flat lines.
                # (Bars keep the zero baseline: their length is the value.)
                low = max(0.0, lo - ((hi - lo) * 0.25 or hi * 0.05))
    if spec.is_percent and high <= PERCENT_MAX:
        high = PERCENT_MAX
    if spec.y_min is not None:
        low = spec.y_min
    if spec.y_max is not None:
        high = spec.y_max
    if high <= low:
        high = low + 1
    return low, high


def nice_scale(low: float, high: float, ticks: int = 5) -> tuple[float, float, float]:
    if high == low:
        high = low + 1
    raw_step = (high - low) / ticks
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw_step)
    return math.floor(low / step + 1e-9) * step, math.ceil(high / step - 1e-9) * step, step


def value_axis(spec: ChartSpec) -> tuple[float, float, float]:
    """(min, max, major step) of the value axis: the same numbers in every output."""
    return nice_scale(*value_range(spec))
