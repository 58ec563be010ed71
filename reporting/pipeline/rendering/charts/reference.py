"""Reference lines (a target, a threshold): a dashed line across the plot with its label, and a
cap on bar thickness so one or two categories do not draw as slabs."""
from __future__ import annotations

from typing import Any

from reportlab.graphics.shapes import Drawing, Line, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from reporting.pipeline.rendering import theme
from reporting.pipeline.rendering.charts.common import VALUE_LABEL_SIZE, Box
from reporting.pipeline.rendering.chartspec import ChartSpec, ReferenceLine
from reporting.pipeline.rendering.fonts import truncate_to
from reporting.pipeline.rendering.presentation import display_number

REFERENCE_COLOUR = colors.HexColor("#B3261E")
REFERENCE_DASH = [4, 3]
# Thickest bar drawn: a chart of one category is one modest bar, not the whole plot width.
MAX_COLUMN_WIDTH = 48.0
MAX_HBAR_THICKNESS = 28.0
MAX_LABEL_ROOM = 90.0


def reference_text(line: ReferenceLine, spec: ChartSpec) -> str:
    """"Target 90 %": the label, with the value added unless the label already gives a number."""
    number = display_number(line.value)
    value = f"{number} %" if spec.is_percent else number
    if any(ch.isdigit() for ch in line.label):
        return line.label
    return f"{line.label} {value}".strip()


def reference_label_room(spec: ChartSpec, width: float) -> float:
    """Width kept right of a vertical chart's plot for its reference lines' labels (0 without any)."""
    if not spec.reference_lines:
        return 0.0
    widest = max(stringWidth(reference_text(line, spec), theme.BOLD_FONT, VALUE_LABEL_SIZE)
                 for line in spec.reference_lines)
    return min(widest, MAX_LABEL_ROOM, width * 0.25) + 8


def draw_reference_lines(drawing: Drawing, spec: ChartSpec, plot: Box, low: float, high: float,
                         horizontal: bool = False) -> None:
    """Lines at each reference value on the value axis (``low``..``high``) of ``plot``.

    ``horizontal``: the value axis runs along x (horizontal bars), so the lines are vertical."""
    span = high - low
    if span <= 0:
        return
    for line in spec.reference_lines:
        if not low <= line.value <= high:
            continue
        share = (line.value - low) / span
        text = reference_text(line, spec)
        if horizontal:
            x = plot.x + share * plot.width
            drawing.add(Line(x, plot.y, x, plot.y + plot.height, strokeColor=REFERENCE_COLOUR,
                             strokeWidth=1.2, strokeDashArray=REFERENCE_DASH))
            anchor = "end" if share > 0.6 else "start"
            drawing.add(String(x + (-3 if anchor == "end" else 3), plot.y + plot.height - VALUE_LABEL_SIZE - 1,
                               truncate_to(text, plot.width * 0.45, theme.BOLD_FONT, VALUE_LABEL_SIZE),
                               textAnchor=anchor, fontName=theme.BOLD_FONT, fontSize=VALUE_LABEL_SIZE,
                               fillColor=REFERENCE_COLOUR))
        else:
            y = plot.y + share * plot.height
            drawing.add(Line(plot.x, y, plot.x + plot.width + 3, y, strokeColor=REFERENCE_COLOUR,
                             strokeWidth=1.2, strokeDashArray=REFERENCE_DASH))
            # Right of the plot (room kept by ``reference_label_room``), centred on the line.
            drawing.add(String(plot.x + plot.width + 5, y - VALUE_LABEL_SIZE * 0.35,
                               truncate_to(text, MAX_LABEL_ROOM, theme.BOLD_FONT, VALUE_LABEL_SIZE),
                               textAnchor="start", fontName=theme.BOLD_FONT, fontSize=VALUE_LABEL_SIZE,
                               fillColor=REFERENCE_COLOUR))


def cap_bar_width(chart: Any, spec: ChartSpec, length: float, horizontal: bool = False) -> None:
    """Fix the bar thickness in points when the free layout would make bars thicker than the cap."""
    categories = max(1, len(spec.categories))
    per_group = 1 if spec.stacked else max(1, len(spec.series))
    group = chart.groupSpacing + per_group * chart.barWidth + (per_group - 1) * chart.barSpacing
    natural = length / categories * chart.barWidth / group
    cap = MAX_HBAR_THICKNESS if horizontal else MAX_COLUMN_WIDTH
    if natural > cap:
        chart.useAbsolute = "b"  # bar width in points; spacing takes up the rest of each band
        chart.barWidth = cap
        if per_group > 1 and not spec.stacked:
            chart.barSpacing = max(chart.barSpacing, 2)
