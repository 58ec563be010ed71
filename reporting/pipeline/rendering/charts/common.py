"""What every chart kind shares: text sizes, the drawing box, value labels, series colours and the
"no data" panel."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors

from reporting.pipeline.rendering import theme
from reporting.pipeline.rendering.chartspec import ChartSpec
from reporting.pipeline.rendering.presentation import display_number
from reporting.pipeline.section_data import NO_CHART_DATA

AXIS_FONT_SIZE = 7.5
TITLE_FONT_SIZE = 10.5
LEGEND_FONT_SIZE = 7.5
VALUE_LABEL_SIZE = 6.5
MAX_VALUE_LABELS = 24
NO_POSITIVE_VALUES = "No positive values to chart"  # a pie whose every value is zero or negative


@dataclasses.dataclass
class Box:
    x: float
    y: float
    width: float
    height: float


def draw_no_data(drawing: Drawing, area: Box, text: str = NO_CHART_DATA) -> None:
    drawing.add(Rect(area.x, area.y, area.width, area.height, fillColor=theme.PANEL_FILL,
                     strokeColor=theme.RULE, strokeWidth=0.6, strokeDashArray=[3, 2]))
    drawing.add(String(area.x + area.width / 2, area.y + area.height / 2 - 4, text, textAnchor="middle",
                       fontName=theme.BODY_FONT, fontSize=10, fillColor=theme.MUTED))


def series_data(spec: ChartSpec) -> list[tuple[float | None, ...]]:
    return [tuple(s.values) for s in spec.series]


def value_label_format(spec: ChartSpec) -> Callable[[float], str]:
    values = [abs(v) for s in spec.series for v in s.values if v is not None]
    integral = all(float(v).is_integer() for v in values)
    small = max(values, default=0) < 1  # fractions (rates 0..1) need two decimals to differ

    def fmt(value: float) -> str:
        # Half-up like every other number in the report (presentation.display_number).
        if value is None:
            return ""
        if integral or abs(value) >= 1000:
            return display_number(value, 0)
        return display_number(value, 2 if small else 1)

    return fmt


def style_value_labels(labels: Any, **placement: float | str) -> None:
    """The theme's value labels on bars or line points: font, size and ink, then ``placement`` (boxAnchor,
    dx, dy) from the bar's end or the point."""
    labels.fontName = theme.BODY_FONT
    labels.fontSize = VALUE_LABEL_SIZE
    labels.fillColor = theme.INK
    for name, value in placement.items():
        setattr(labels, name, value)


def series_colours(spec: ChartSpec) -> list[colors.Color]:
    return [theme.series_colour(i) for i in range(len(spec.series))]


def colour_series(chart: Any, spec: ChartSpec, lines_chart: bool) -> None:
    for index, colour in enumerate(series_colours(spec)):
        if lines_chart:
            chart.lines[index].strokeColor = colour
            chart.lines[index].strokeWidth = 1.6
            if getattr(chart.lines[index], "symbol", None) is not None:
                chart.lines[index].symbol.fillColor = colour
                chart.lines[index].symbol.strokeColor = colour
        else:
            chart.bars[index].fillColor = colour
            chart.bars[index].strokeColor = None
            chart.bars[index].strokeWidth = 0
