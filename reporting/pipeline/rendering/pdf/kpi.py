"""KPI cards: name, value with unit (or "No data" and why), the change against the previous period
coloured by whether it is better or worse, and a coloured status pill when the KPI has a status.

Every text comes from ``presentation`` so the card reads like the workbook's KPI table.
"""
from __future__ import annotations

from typing import Any

from reportlab.lib import colors
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

from reporting.pipeline.rendering import presentation, theme
from reporting.pipeline.rendering.fonts import truncate_to
from reporting.pipeline.rendering.pdf.markup import plain_text

NOTE_SIZE = 6.6


class KpiCard(Flowable):
    """One KPI card (see the module docstring)."""

    height_pt = 64.0

    def __init__(self, row: dict[str, Any], width: float):
        super().__init__()
        self.row = row if isinstance(row, dict) else {}
        self.card_width = width

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.card_width, self.height_pt

    def draw(self) -> None:
        canvas = self.canv
        w, h = self.card_width, self.height_pt
        status_key = presentation.status_key(self.row.get("status"))
        status = theme.status_style(status_key)
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

        if self.row.get("value") is None:
            self._draw_no_data(inner_x, inner_w)
        else:
            self._draw_value(inner_x, inner_w)
            pill_w = self._draw_pill(status_key, status) if status_key else 0.0
            self._draw_change(inner_x, inner_w - pill_w - 4)
        canvas.restoreState()

    def _draw_value(self, inner_x: float, inner_w: float) -> None:
        canvas = self.canv
        value_text, unit_text = kpi_value_parts(self.row)
        canvas.setFillColor(theme.INK)
        size = 15.0
        while size > 9 and stringWidth(value_text, theme.BOLD_FONT, size) + 30 > inner_w:
            size -= 1
        value_text = truncate_to(value_text, inner_w - 24, theme.BOLD_FONT, size)  # 1e300 stays in its card
        canvas.setFont(theme.BOLD_FONT, size)
        value_y = 21.0
        canvas.drawString(inner_x, value_y, value_text)
        if unit_text:
            # "82.8 %" as in the workbook and on the job page: one space before every unit.
            unit_x = inner_x + stringWidth(value_text + " ", theme.BOLD_FONT, size)
            canvas.setFont(theme.BODY_FONT, 8.5)
            canvas.setFillColor(theme.MUTED)
            canvas.drawString(unit_x, value_y, truncate_to(unit_text, max(10, inner_x + inner_w - unit_x),
                                                            theme.BODY_FONT, 8.5))

    def _draw_no_data(self, inner_x: float, inner_w: float) -> None:
        """"No data" (never 0) and the reader's note saying why; no status, no change."""
        canvas = self.canv
        canvas.setFillColor(theme.MUTED)
        canvas.setFont(theme.BOLD_FONT, 12)
        canvas.drawString(inner_x, 23, presentation.NO_DATA)
        note = plain_text(presentation.kpi_note(self.row))
        if not note:
            return
        lines = simpleSplit(note, theme.BODY_FONT, NOTE_SIZE, inner_w)
        if len(lines) > 2:
            lines = lines[:1] + [truncate_to(" ".join(lines[1:]), inner_w, theme.BODY_FONT, NOTE_SIZE)]
        canvas.setFont(theme.BODY_FONT, NOTE_SIZE)
        for index, line in enumerate(lines[:2]):
            canvas.drawString(inner_x, 13 - index * (NOTE_SIZE + 1.6), line)

    def _draw_change(self, inner_x: float, room: float) -> None:
        """"▲ 1.4 vs Oct" in the assessment's colour (better green, worse red, unchanged grey)."""
        text = presentation.kpi_trend_text(self.row)
        if not text:
            return
        canvas = self.canv
        colour = colors.HexColor(presentation.assessment_colour(presentation.kpi_assessment(self.row)))
        canvas.setFillColor(colour)
        canvas.setFont(theme.BOLD_FONT, 7)
        canvas.drawString(inner_x, 7, truncate_to(text, max(room, 20), theme.BOLD_FONT, 7))

    def _draw_pill(self, status_key: str, status: theme.StatusStyle) -> float:
        canvas = self.canv
        w = self.card_width
        pill_text = presentation.status_label(status_key)
        pill_w = stringWidth(pill_text, theme.BOLD_FONT, 6.8) + 10
        canvas.setFillColor(status.tint)
        canvas.setStrokeColor(status.colour)
        canvas.setLineWidth(0.5)
        canvas.roundRect(w - 8 - pill_w, 5, pill_w, 11, 5.5, stroke=1, fill=1)
        canvas.setFillColor(status.colour)
        canvas.setFont(theme.BOLD_FONT, 6.8)
        canvas.drawCentredString(w - 8 - pill_w / 2, 8.4, pill_text)
        return pill_w


def kpi_value_parts(row: dict[str, Any]) -> tuple[str, str]:
    """(value text, unit text) as the card prints them (``presentation.kpi_value_parts``, markup-free)."""
    text, unit = presentation.kpi_value_parts(row)
    return plain_text(text), plain_text(unit)
