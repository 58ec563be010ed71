"""How tall a chart is drawn: its smallest readable and its preferred height for a width (and a page)."""
from __future__ import annotations

import math

from reporting.pipeline.rendering.charts.category import category_overhead
from reporting.pipeline.rendering.charts.legends import legend_height
from reporting.pipeline.rendering.chartspec import ChartSpec

# Chart sizing: a chart is about half as tall as it is wide, never more than CHART_FRAME_SHARE of the
# page body (in landscape a width-based height would fill the whole page), never less than what its
# labels, legend and a readable plot area need.
CHART_ASPECT = 0.5
CHART_FRAME_SHARE = 0.6
PIE_FRAME_SHARE = 0.5
MIN_CHART_HEIGHT = 180.0
MIN_PLOT_HEIGHT = 110.0
MIN_PIE_HEIGHT = 170.0
HBAR_PREFERRED_BAND = 24.0
_CEILING_SHARE = 0.9  # the chart's title must still fit on the page


def chart_height_range(spec: ChartSpec, width: float, frame_height: float | None = None) -> tuple[float, float]:
    """(smallest readable, preferred) drawing height for ``spec`` drawn ``width`` wide.

    ``frame_height`` is the page body height; without it (SVG for the web) nothing caps the height.
    The PDF draws a chart at its preferred height, or shrinks it towards the minimum to finish a page.
    """
    if spec.is_empty:
        return 90.0, 90.0
    cap = frame_height * CHART_FRAME_SHARE if frame_height else math.inf
    ceiling = frame_height * _CEILING_SHARE if frame_height else math.inf
    if spec.kind == "hbar":
        bars = len(spec.categories) * (1 if spec.stacked else max(1, len(spec.series)))
        # Height follows the bar count (a width-based height only makes a few bars fat).
        overhead = 60 + legend_height(spec, width)
        needed = max(MIN_CHART_HEIGHT, bars * 11 + overhead)
        preferred = min(max(min(bars * HBAR_PREFERRED_BAND + overhead, cap), needed), ceiling, 620.0)
        return min(needed, preferred), preferred
    if spec.kind in ("pie", "doughnut"):
        pie_cap = frame_height * PIE_FRAME_SHARE if frame_height else math.inf
        preferred = min(max(min(width * 0.38, pie_cap), 190.0), ceiling)
        return min(MIN_PIE_HEIGHT, preferred), preferred
    needed = max(MIN_CHART_HEIGHT, category_overhead(spec, width) + MIN_PLOT_HEIGHT)
    if len(spec.categories) == 1:
        # One bar (or a one-slice pie drawn as a bar) says little: the smallest readable chart.
        return needed, min(needed, ceiling)
    preferred = min(max(min(width * CHART_ASPECT, cap), needed), ceiling)
    return min(needed, preferred), preferred


def chart_height_for(spec: ChartSpec, width: float, frame_height: float | None = None) -> float:
    """The preferred height (see ``chart_height_range``)."""
    return chart_height_range(spec, width, frame_height)[1]
