"""Bar charts: vertical (grouped or stacked, laid out by ``category``) and horizontal."""
from __future__ import annotations

import math
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.pdfbase.pdfmetrics import stringWidth

from reporting.pipeline.rendering import theme
from reporting.pipeline.rendering.charts.axes import axis_titles, style_category_axis, style_value_axis
from reporting.pipeline.rendering.charts.common import (
    AXIS_FONT_SIZE,
    MAX_VALUE_LABELS,
    VALUE_LABEL_SIZE,
    Box,
    colour_series,
    series_colours,
    series_data,
    style_value_labels,
    value_label_format,
)
from reporting.pipeline.rendering.charts.reference import cap_bar_width, draw_reference_lines
from reporting.pipeline.rendering.charts.legends import add_legend, legend_height, legend_labels
from reporting.pipeline.rendering.chartspec import ChartSpec
from reporting.pipeline.rendering.fonts import truncate_to
from reporting.pipeline.rendering.scale import value_range


def vbar_chart(spec: ChartSpec) -> Any:
    chart = VerticalBarChart()
    chart.data = series_data(spec)
    chart.categoryAxis.style = "stacked" if spec.stacked else "parallel"
    bars = len(spec.categories) * (1 if spec.stacked else len(spec.series))
    chart.groupSpacing = 6 if len(spec.categories) < 30 else 2
    chart.barSpacing = 1 if len(spec.series) > 1 else 0
    if not spec.stacked and bars <= MAX_VALUE_LABELS:
        chart.barLabelFormat = value_label_format(spec)
        style_value_labels(chart.barLabels, boxAnchor="s", dy=3)
    return chart


def draw_hbar(drawing: Drawing, spec: ChartSpec, area: Box) -> None:
    low, high = value_range(spec)
    legend_h = legend_height(spec, area.width)
    x_title_h = 14 if spec.x_title else 0
    y_title_w = 14 if spec.y_title else 0
    label_room = min(area.width * 0.3, max(stringWidth(c, theme.BODY_FONT, AXIS_FONT_SIZE)
                                           for c in spec.categories) + 8)
    left = area.x + y_title_w + label_room
    right = area.x + area.width - 24
    bottom = area.y + legend_h + x_title_h + AXIS_FONT_SIZE + 10
    top = area.y + area.height - 6
    band = (top - bottom) / max(1, len(spec.categories))
    step = max(1, math.ceil((AXIS_FONT_SIZE + 1) / max(band, 0.1)))
    labels = [
        "" if index % step else truncate_to(c, label_room - 8, theme.BODY_FONT, AXIS_FONT_SIZE)
        for index, c in enumerate(spec.categories)
    ]

    chart = HorizontalBarChart()
    # Categories read top-down like a table: ReportLab draws the first category at the bottom.
    chart.data = [tuple(reversed(values)) for values in series_data(spec)]
    chart.categoryAxis.style = "stacked" if spec.stacked else "parallel"
    chart.x, chart.y = left, bottom
    chart.width, chart.height = right - left, max(40.0, top - bottom)
    chart.groupSpacing = 4 if len(spec.categories) < 30 else 1
    chart.barSpacing = 1 if len(spec.series) > 1 else 0
    style_value_axis(chart.valueAxis, low, high)
    style_category_axis(chart.categoryAxis, list(reversed(labels)), 0)
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -4
    if low < 0:
        chart.categoryAxis.joinAxisMode = "left"
    bars = len(spec.categories) * (1 if spec.stacked else len(spec.series))
    if not spec.stacked and bars <= 40 and band >= VALUE_LABEL_SIZE + 2:
        chart.barLabelFormat = value_label_format(spec)
        style_value_labels(chart.barLabels, boxAnchor="w", dx=3)
    colour_series(chart, spec, lines_chart=False)
    cap_bar_width(chart, spec, chart.height, horizontal=True)
    drawing.add(chart)
    axis = chart.valueAxis
    draw_reference_lines(drawing, spec, Box(chart.x, chart.y, chart.width, chart.height), axis.valueMin,
                         axis.valueMax, horizontal=True)
    axis_titles(drawing, spec, area, left, right, bottom, top, legend_h, horizontal=True)
    if len(spec.series) > 1:
        add_legend(drawing, list(zip(series_colours(spec), legend_labels(spec))), Box(area.x, area.y, area.width, legend_h))
