"""Line charts (laid out by ``category``, like vertical bars)."""
from __future__ import annotations

from typing import Any

from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.widgets.markers import makeMarker

from reporting.pipeline.rendering.charts.common import (
    MAX_VALUE_LABELS,
    series_data,
    style_value_labels,
    value_label_format,
)
from reporting.pipeline.rendering.chartspec import ChartSpec


def line_chart(spec: ChartSpec) -> Any:
    chart = HorizontalLineChart()
    chart.data = series_data(spec)
    chart.joinedLines = 1
    for index, series in enumerate(spec.series):
        if all(v is None for v in series.values):
            # ReportLab cannot join no points (it asserts); the "bar" style draws nothing for them,
            # so a series without a number stays in the legend and shows as no data.
            chart.lines[index].lineStyle = "bar"
    points = len(spec.categories) * len(spec.series)
    if len(spec.categories) <= 40:
        for index in range(len(spec.series)):
            chart.lines[index].symbol = makeMarker("FilledCircle", size=3.5 if points <= 120 else 2.5)
    # ReportLab mislabels points after a gap (None), so value labels only on complete series.
    complete = all(v is not None for s in spec.series for v in s.values)
    if complete and points <= MAX_VALUE_LABELS and len(spec.series) <= 2:
        chart.lineLabelFormat = value_label_format(spec)
        style_value_labels(chart.lineLabels, dy=6)
    return chart
