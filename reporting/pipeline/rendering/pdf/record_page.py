"""The PDF's last page: the "Report record" (run manifest), so a printed copy says where it came from."""
from __future__ import annotations

from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreak, Paragraph, Table, TableStyle

from reporting.pipeline.rendering import theme
from reporting.pipeline.rendering.pdf.markup import markup_text
from reporting.pipeline.rendering.pdf.styles import make_styles
from reporting.pipeline.rendering.record import RECORD_TITLE, record_groups


def record_page(manifest: dict[str, Any] | None, width: float) -> list[Flowable]:
    if not manifest:
        return []
    styles = make_styles()
    heading = Paragraph(RECORD_TITLE, styles.h1)
    heading.outline_entry = (0, RECORD_TITLE)
    out: list[Flowable] = [PageBreak(), heading]
    label_w = 42 * mm
    # Hashes and long unbroken values wrap anywhere instead of running off the page.
    value_style = ParagraphStyle("record_value", parent=styles.meta_value, wordWrap="CJK")
    for title, lines in record_groups(manifest):
        out.append(Paragraph(markup_text(title), styles.h3))
        rows = [[Paragraph(markup_text(label), styles.meta_label), Paragraph(markup_text(value), value_style)]
                for label, value in lines]
        table = Table(rows, colWidths=[label_w, width - label_w], hAlign="LEFT")
        table.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.3, theme.GRID),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ]))
        out.append(table)
    return out
