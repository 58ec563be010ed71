"""Pie and doughnut charts: slices with readable percentage labels, and a legend of name, value and share."""
from __future__ import annotations

import math

from reportlab.graphics.charts.doughnut import Doughnut
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from reporting.pipeline.rendering import theme
from reporting.pipeline.rendering.charts.common import (
    AXIS_FONT_SIZE,
    LEGEND_FONT_SIZE,
    NO_POSITIVE_VALUES,
    VALUE_LABEL_SIZE,
    Box,
    draw_no_data,
    value_label_format,
)
from reporting.pipeline.rendering.charts.legends import make_legend
from reporting.pipeline.rendering.chartspec import ChartSpec
from reporting.pipeline.rendering.fonts import truncate_to

PIE_LEGEND_ROW = LEGEND_FONT_SIZE + 5
PIE_LEGEND_MIN_COLUMN = 150.0
PIE_SLICE_LABEL_SHARE = 0.06  # slices under 6% are too thin for a label inside; the legend has their share


def draw_pie(drawing: Drawing, spec: ChartSpec, area: Box) -> None:
    series = spec.series[0]
    pairs = [(c, v) for c, v in zip(spec.categories, series.values) if v is not None and v > 0]
    skipped = sum(1 for v in series.values if v is not None and v <= 0)
    if not pairs:
        draw_no_data(drawing, area, NO_POSITIVE_VALUES)
        return
    total = sum(v for _, v in pairs)
    fmt = value_label_format(spec)
    note_h = 12 if skipped else 0
    size = min(area.height - 16 - note_h, area.width * 0.45)
    legend_x = area.x + 10 + size + 24
    legend_area = Box(legend_x, area.y + note_h, area.x + area.width - legend_x, area.height - note_h)
    rows_fit = max(1, int((legend_area.height - 8) // PIE_LEGEND_ROW))
    columns = max(1, min(math.ceil(len(pairs) / rows_fit), int(legend_area.width // PIE_LEGEND_MIN_COLUMN)))
    # Every slice keeps a colour of its own and a legend line: beyond that the smallest become "Other".
    pairs = fold_small_slices(pairs, min(rows_fit * columns, len(theme.PALETTE)))
    columns = max(1, min(columns, math.ceil(len(pairs) / rows_fit)))

    pie = Doughnut() if spec.kind == "doughnut" else Pie()
    pie.x = area.x + 10
    pie.y = area.y + note_h + (area.height - note_h - size) / 2
    pie.width = pie.height = size
    pie.data = [v for _, v in pairs]
    pie.startAngle = 90
    pie.direction = "clockwise"
    pie.slices.strokeColor = colors.white
    pie.slices.strokeWidth = 1
    pie.slices.fontName = theme.BOLD_FONT
    pie.slices.fontSize = VALUE_LABEL_SIZE + 1
    if spec.kind == "doughnut":
        pie.innerRadiusFraction = 0.55
    pie.slices.labelRadius = 0.78 if spec.kind == "doughnut" else 0.65
    pie.labels = [f"{v / total:.0%}" if v / total >= PIE_SLICE_LABEL_SHARE else "" for _, v in pairs]
    for index in range(len(pairs)):
        fill = theme.series_colour(index)
        pie.slices[index].fillColor = fill
        pie.slices[index].fontColor = _readable_text_colour(fill)
    drawing.add(pie)
    if spec.kind == "doughnut":
        drawing.add(String(pie.x + size / 2, pie.y + size / 2 - 4, fmt(total), textAnchor="middle",
                           fontName=theme.BOLD_FONT, fontSize=11, fillColor=theme.INK))

    # Legend: name, value and share per slice, in as many columns as needed, each label cut to its column.
    rows = math.ceil(len(pairs) / columns)
    column_width = legend_area.width / columns
    swatch_room = 7 + 5 + 8  # swatch, gap to text, gap before the next column
    labels = []
    for category, value in pairs:
        share = f"  {fmt(value)} ({value / total:.1%})"
        room = column_width - swatch_room - stringWidth(share, theme.BODY_FONT, LEGEND_FONT_SIZE)
        labels.append(truncate_to(category, max(room, 24), theme.BODY_FONT, LEGEND_FONT_SIZE) + share)
    legend = make_legend(rows=rows, column_width=column_width, row_height=PIE_LEGEND_ROW, x_padding=0)
    legend.x = legend_x
    # Vertically centred on the pie.
    legend.y = pie.y + size / 2 + rows * PIE_LEGEND_ROW / 2
    legend.colorNamePairs = [(theme.series_colour(i), label) for i, label in enumerate(labels)]
    drawing.add(legend)
    if skipped:
        drawing.add(String(area.x, area.y + 2, f"{skipped} zero or negative value(s) not shown",
                           fontName=theme.BODY_FONT, fontSize=AXIS_FONT_SIZE, fillColor=theme.MUTED))


OTHER_LABEL = "Other"


def fold_small_slices(pairs: list[tuple[str, float]], room: int) -> list[tuple[str, float]]:
    """At most ``room`` slices: the smallest ones become one "Other (n)" slice, so the legend fits."""
    if len(pairs) <= room:
        return pairs
    keep = max(1, room - 1)
    ranked = sorted(range(len(pairs)), key=lambda i: pairs[i][1], reverse=True)
    kept = sorted(ranked[:keep])
    folded = [pairs[i] for i in ranked[keep:]]
    return [pairs[i] for i in kept] + [(f"{OTHER_LABEL} ({len(folded)})", sum(v for _, v in folded))]


def _relative_luminance(colour: colors.Color) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(colour.red) + 0.7152 * channel(colour.green) + 0.0722 * channel(colour.blue)


def _readable_text_colour(fill: colors.Color) -> colors.Color:
    """White or ink, whichever contrasts more with ``fill`` (WCAG contrast ratio)."""
    fill_l = _relative_luminance(fill)
    on_white = 1.05 / (fill_l + 0.05)
    on_ink = (fill_l + 0.05) / (_relative_luminance(theme.INK) + 0.05)
    return colors.white if on_white >= on_ink else theme.INK
