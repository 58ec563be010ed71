"""KPI cards: name, value with unit, trend arrow and a coloured status with its word."""
from __future__ import annotations

from typing import Any

from reportlab.lib import colors
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

from reporting.pipeline.rendering import theme
from reporting.pipeline.rendering.fonts import truncate_to
from reporting.pipeline.rendering.formats import format_value
from reporting.pipeline.rendering.pdf.markup import plain_text


class KpiCard(Flowable):
    """One KPI: name, value with unit, trend arrow and a coloured status with its word."""

    height_pt = 64.0
    _trend_glyphs = {"up": ("↑", "Up"), "down": ("↓", "Down"), "flat": ("→", "Flat")}

    def __init__(self, row: dict[str, Any], width: float):
        super().__init__()
        self.row = row
        self.card_width = width

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.card_width, self.height_pt

    def draw(self) -> None:
        canvas = self.canv
        w, h = self.card_width, self.height_pt
        status = theme.status_style(self.row.get("status"))
        canvas.saveState()
        canvas.setFillColor(colors.white)
        canvas.setStrokeColor(theme.RULE)
        canvas.setLineWidth(0.6)
        canvas.roundRect(0, 0, w, h, 4, stroke=1, fill=1)
        canvas.setFillColor(status.colour)
        canvas.rect(0, 0, 3.5, h, stroke=0, fill=1)

        inner_x, inner_w = 10.0, w - 18.0
        canvas.setFillColor(theme.MUTED)
        canvas.setFont(theme.BODY_FONT, 7.5)
        name_lines = simpleSplit(plain_text(self.row.get("name", "")), theme.BODY_FONT, 7.5, inner_w)
        if len(name_lines) > 2:
            name_lines = name_lines[:1] + [truncate_to(" ".join(name_lines[1:]), inner_w, theme.BODY_FONT, 7.5)]
        for index, line in enumerate(name_lines[:2]):
            canvas.drawString(inner_x, h - 12 - index * 9, line)

        value_text, unit_text = kpi_value_parts(self.row)
        canvas.setFillColor(theme.INK)
        size = 15.0
        while size > 9 and stringWidth(value_text, theme.BOLD_FONT, size) + 30 > inner_w:
            size -= 1
        canvas.setFont(theme.BOLD_FONT, size)
        value_y = 20.0
        canvas.drawString(inner_x, value_y, value_text)
        if unit_text:
            unit_x = inner_x + stringWidth(value_text, theme.BOLD_FONT, size) + (0 if unit_text == "%" else 2.5)
            canvas.setFont(theme.BODY_FONT, 8.5)
            canvas.setFillColor(theme.MUTED)
            canvas.drawString(unit_x, value_y, truncate_to(unit_text, max(10, inner_x + inner_w - unit_x),
                                                            theme.BODY_FONT, 8.5))

        trend = str(self.row.get("trend") or "").lower()
        glyph, word = self._trend_glyphs.get(trend, ("", ""))
        canvas.setFont(theme.BODY_FONT, 7.5)
        canvas.setFillColor(theme.MUTED)
        if glyph:
            canvas.setFont(theme.BOLD_FONT, 8)
            canvas.setFillColor(theme.INK)
            canvas.drawString(inner_x, 7, glyph)
            canvas.setFont(theme.BODY_FONT, 7)
            canvas.setFillColor(theme.MUTED)
            canvas.drawString(inner_x + 9, 7, f"Trend {word.lower()}")

        pill_text = status.label
        pill_w = stringWidth(pill_text, theme.BOLD_FONT, 6.8) + 10
        canvas.setFillColor(status.tint)
        canvas.setStrokeColor(status.colour)
        canvas.setLineWidth(0.5)
        canvas.roundRect(w - 8 - pill_w, 5, pill_w, 11, 5.5, stroke=1, fill=1)
        canvas.setFillColor(status.colour)
        canvas.setFont(theme.BOLD_FONT, 6.8)
        canvas.drawCentredString(w - 8 - pill_w / 2, 8.4, pill_text)
        canvas.restoreState()


def kpi_value_parts(row: dict[str, Any]) -> tuple[str, str]:
    value = row.get("value")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        text = format_value(value, "#,##0" if float(value).is_integer() else "#,##0.0")
    else:
        text = plain_text(value) if value is not None else "—"
    return text, plain_text(row.get("unit") or "")
