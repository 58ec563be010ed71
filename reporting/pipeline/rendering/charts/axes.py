"""Value and category axes: the value range and its nice scale, category labels that fit, axis titles."""
from __future__ import annotations

import math
import textwrap
from collections.abc import Callable
from typing import Any

from reportlab.graphics.shapes import Drawing, Group, String
from reportlab.pdfbase.pdfmetrics import stringWidth

from reporting.pipeline.rendering import theme
from reporting.pipeline.rendering.charts.common import AXIS_FONT_SIZE, Box
from reporting.pipeline.rendering.chartspec import ChartSpec
from reporting.pipeline.rendering.fonts import truncate_to
from reporting.pipeline.rendering.scale import nice_scale



def axis_formatter(step: float) -> Callable[[float], str]:
    decimals = 0
    while decimals < 4 and abs(step * 10 ** decimals - round(step * 10 ** decimals)) > 1e-9:
        decimals += 1

    def fmt(value: float) -> str:
        return f"{value:,.{decimals}f}"

    return fmt


def category_labels(categories: tuple[str, ...], band: float) -> tuple[list[str], float, int]:
    """Labels (wrapped, thinned or shortened), their rotation angle and the number of text lines."""
    count = len(categories)
    widest = max((stringWidth(c, theme.BODY_FONT, AXIS_FONT_SIZE) for c in categories), default=0)
    if widest <= band - 4:
        return list(categories), 0, 1
    # Wrap onto at most 3 lines when each line then fits the band.
    chars = max(4, int((band - 4) / (AXIS_FONT_SIZE * 0.55)))
    wrapped = [textwrap.wrap(c, chars, break_long_words=True) or [""] for c in categories]
    if band >= 28 and all(len(lines) <= 4 for lines in wrapped):
        return ["\n".join(lines) for lines in wrapped], 0, max(len(lines) for lines in wrapped)
    # Otherwise rotate, shorten to a readable length, and keep every n-th label when they would collide.
    step = max(1, math.ceil((AXIS_FONT_SIZE + 2) / max(band, 0.1)))
    labels = []
    for index, category in enumerate(categories):
        if index % step:
            labels.append("")
        else:
            labels.append(truncate_to(category, 90, theme.BODY_FONT, AXIS_FONT_SIZE))
    return labels, 45 if count <= 40 else 90, 1


def label_extent(labels: list[str], angle: float, lines: int) -> float:
    """Vertical room the category labels need under the axis."""
    if angle == 0:
        return lines * (AXIS_FONT_SIZE + 1.5) + 4
    widest = max((stringWidth(label, theme.BODY_FONT, AXIS_FONT_SIZE) for label in labels), default=0)
    return widest * math.sin(math.radians(angle)) + AXIS_FONT_SIZE + 4


def style_value_axis(axis: Any, low: float, high: float) -> Callable[[float], str]:
    low, high, step = nice_scale(low, high)
    axis.valueMin, axis.valueMax, axis.valueStep = low, high, step
    formatter = axis_formatter(step)
    axis.labelTextFormat = formatter
    axis.labels.fontName = theme.BODY_FONT
    axis.labels.fontSize = AXIS_FONT_SIZE
    axis.labels.fillColor = theme.MUTED
    axis.strokeColor = theme.RULE
    axis.visibleGrid = True
    axis.gridStrokeColor = theme.GRID
    axis.gridStrokeWidth = 0.5
    axis.visibleTicks = False
    return formatter


def style_category_axis(axis: Any, labels: list[str], angle: float) -> None:
    axis.categoryNames = labels
    axis.labels.fontName = theme.BODY_FONT
    axis.labels.fontSize = AXIS_FONT_SIZE
    axis.labels.fillColor = theme.INK
    axis.strokeColor = theme.RULE
    axis.visibleTicks = False
    axis.labels.angle = angle


def widest_axis_label(low: float, high: float) -> float:
    nice_low, nice_high, step = nice_scale(low, high)
    fmt = axis_formatter(step)
    return max(stringWidth(fmt(v), theme.BODY_FONT, AXIS_FONT_SIZE) for v in (nice_low, nice_high))


def axis_titles(drawing: Drawing, spec: ChartSpec, area: Box, left: float, right: float, bottom: float,
                 top: float, legend_h: float, horizontal: bool = False) -> None:
    # For horizontal bars the value axis runs along x, so the titles swap places.
    along_x = spec.y_title if horizontal else spec.x_title
    along_y = spec.x_title if horizontal else spec.y_title
    if spec.x_title:
        drawing.add(String((left + right) / 2, area.y + legend_h + 2,
                           truncate_to(along_x, right - left, theme.BODY_FONT, AXIS_FONT_SIZE + 0.5),
                           textAnchor="middle", fontName=theme.BODY_FONT, fontSize=AXIS_FONT_SIZE + 0.5,
                           fillColor=theme.MUTED))
    if spec.y_title:
        title = String(0, 0, truncate_to(along_y, top - bottom, theme.BODY_FONT, AXIS_FONT_SIZE + 0.5),
                       textAnchor="middle", fontName=theme.BODY_FONT, fontSize=AXIS_FONT_SIZE + 0.5,
                       fillColor=theme.MUTED)

        group = Group(title)
        group.translate(area.x + AXIS_FONT_SIZE + 1, (bottom + top) / 2)
        group.rotate(90)
        drawing.add(group)
