"""Legends: the theme's legend widget, and the series legend under bar and line charts."""
from __future__ import annotations

import math

from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from reporting.pipeline.rendering import theme
from reporting.pipeline.rendering.charts.common import LEGEND_FONT_SIZE, Box
from reporting.pipeline.rendering.chartspec import ChartSpec
from reporting.pipeline.rendering.fonts import truncate_to


def legend_labels(spec: ChartSpec) -> list[str]:
    return [truncate_to(s.label, 150, theme.BODY_FONT, LEGEND_FONT_SIZE) for s in spec.series]


def _legend_columns(spec: ChartSpec, width: float) -> int:
    widest = max(stringWidth(label, theme.BODY_FONT, LEGEND_FONT_SIZE) for label in legend_labels(spec))
    return max(1, min(len(spec.series), int(width // (widest + 26))))


def legend_height(spec: ChartSpec, width: float) -> float:
    if len(spec.series) < 2:
        return 0.0
    rows = math.ceil(len(spec.series) / _legend_columns(spec, width))
    return rows * (LEGEND_FONT_SIZE + 5) + 8


def make_legend(*, rows: int, column_width: float, row_height: float, x_padding: float) -> Legend:
    """The theme's legend: swatch then text, filled column by column, anchored at its top left."""
    legend = Legend()
    legend.alignment = "right"
    legend.fontName = theme.BODY_FONT
    legend.fontSize = LEGEND_FONT_SIZE
    legend.fillColor = theme.INK
    legend.dx = legend.dy = 7
    legend.dxTextSpace = 5
    legend.deltay = row_height
    legend.columnMaximum = rows
    legend.deltax = column_width
    legend.autoXPadding = x_padding
    legend.strokeColor = None
    legend.strokeWidth = 0
    legend.boxAnchor = "nw"
    return legend


def add_legend(drawing: Drawing, pairs: list[tuple[colors.Color, str]], area: Box) -> None:
    """A legend centred along the bottom edge of ``area``, in as many columns as fit."""
    widest = max(stringWidth(label, theme.BODY_FONT, LEGEND_FONT_SIZE) for _, label in pairs)
    column_width = widest + 26
    columns = max(1, min(len(pairs), int(area.width // column_width)))
    rows = math.ceil(len(pairs) / columns)
    legend = make_legend(rows=rows, column_width=column_width, row_height=LEGEND_FONT_SIZE + 5, x_padding=12)
    used_width = columns * column_width
    legend.x = area.x + max(0.0, (area.width - used_width) / 2)
    legend.y = area.y + rows * (LEGEND_FONT_SIZE + 5)
    legend.colorNamePairs = pairs
    drawing.add(legend)
