"""Vertical bar and line charts: categories along x, values up y, one layout for both."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing

from reporting.pipeline.rendering.charts.axes import (
    axis_titles,
    category_labels,
    label_extent,
    style_category_axis,
    style_value_axis,
    widest_axis_label,
)
from reporting.pipeline.rendering.charts.common import Box, colour_series, series_colours
from reporting.pipeline.rendering.charts.reference import cap_bar_width, draw_reference_lines, reference_label_room
from reporting.pipeline.rendering.charts.legends import add_legend, legend_height, legend_labels
from reporting.pipeline.rendering.chartspec import ChartSpec
from reporting.pipeline.rendering.scale import value_range


@dataclasses.dataclass(frozen=True)
class CategoryLayout:
    """Horizontal placement of a vertical bar/line chart and the room its labels take under the plot."""

    left: float  # plot's left edge, from the drawing's left
    plot_width: float
    labels: list[str]
    angle: float
    label_h: float
    legend_h: float
    x_title_h: float

    @property
    def below_plot(self) -> float:
        return self.legend_h + self.x_title_h + self.label_h + 4


def category_layout(spec: ChartSpec, width: float) -> CategoryLayout:
    low, high = value_range(spec)
    y_title_w = 14 if spec.y_title else 0
    left = y_title_w + widest_axis_label(low, high) + 8
    # Reference-line labels sit right of the plot, clear of the bars' value labels.
    plot_width = width - 8 - left - reference_label_room(spec, width)
    band = plot_width / max(1, len(spec.categories))
    labels, angle, lines = category_labels(spec.categories, band)
    return CategoryLayout(left, plot_width, labels, angle, label_extent(labels, angle, lines),
                           legend_height(spec, width), 14 if spec.x_title else 0)


def category_overhead(spec: ChartSpec, width: float) -> float:
    """Height a vertical bar/line chart needs besides its plot area."""
    return category_layout(spec, width).below_plot + 10


def draw_category_chart(drawing: Drawing, spec: ChartSpec, area: Box, make: Callable[[ChartSpec], Any]) -> None:
    """Vertical bar and line charts: categories along x, values up y."""
    low, high = value_range(spec)
    layout = category_layout(spec, area.width)
    left = area.x + layout.left
    right = left + layout.plot_width
    plot_width = layout.plot_width
    labels, angle, legend_h = layout.labels, layout.angle, layout.legend_h
    bottom = area.y + layout.below_plot
    top = area.y + area.height - 10

    chart = make(spec)
    chart.x, chart.y = left, bottom
    chart.width, chart.height = plot_width, max(40.0, top - bottom)
    style_value_axis(chart.valueAxis, low, high)
    style_category_axis(chart.categoryAxis, labels, angle)
    chart.categoryAxis.labels.boxAnchor = "n" if angle == 0 else "ne"
    chart.categoryAxis.labels.dy = -4
    chart.categoryAxis.labels.textAnchor = "middle" if angle == 0 else "end"
    if low < 0:
        chart.categoryAxis.joinAxisMode = "bottom"  # labels stay under the plot, not on the zero line
    is_line = isinstance(chart, HorizontalLineChart)
    colour_series(chart, spec, lines_chart=is_line)
    if not is_line:
        cap_bar_width(chart, spec, chart.width)
    drawing.add(chart)
    axis = chart.valueAxis
    draw_reference_lines(drawing, spec, Box(chart.x, chart.y, chart.width, chart.height), axis.valueMin,
                         axis.valueMax)
    axis_titles(drawing, spec, area, left, right, bottom, top, legend_h)
    if len(spec.series) > 1:
        add_legend(drawing, list(zip(series_colours(spec), legend_labels(spec))), Box(area.x, area.y, area.width, legend_h))
