"""The paragraph styles of a report (fonts, sizes and colours from the theme)."""
from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle

from reporting.pipeline.rendering import theme


@dataclass(frozen=True)
class Styles:
    title: ParagraphStyle
    h1: ParagraphStyle
    h2: ParagraphStyle
    h3: ParagraphStyle
    body: ParagraphStyle
    body_run: ParagraphStyle  # a piece of a long text that more pieces follow: no space after it
    meta_label: ParagraphStyle
    meta_value: ParagraphStyle
    muted: ParagraphStyle
    cell: ParagraphStyle
    cell_right: ParagraphStyle
    header_cell: ParagraphStyle
    header_cell_right: ParagraphStyle
    notice_title: ParagraphStyle
    notice: ParagraphStyle
    rule_item: ParagraphStyle  # a line of a "rules" section: a small hanging bullet


def make_styles() -> Styles:
    body = ParagraphStyle("body", fontName=theme.BODY_FONT, fontSize=theme.BODY_SIZE,
                          leading=theme.BODY_SIZE * 1.4, textColor=theme.INK, spaceAfter=6)
    cell = ParagraphStyle("cell", fontName=theme.BODY_FONT, fontSize=theme.TABLE_SIZE,
                          leading=theme.TABLE_SIZE * 1.25, textColor=theme.INK)
    header_cell = ParagraphStyle("header_cell", parent=cell, fontName=theme.BOLD_FONT, textColor=theme.HEADER_TEXT)
    return Styles(
        title=ParagraphStyle("title", parent=body, fontName=theme.BOLD_FONT, fontSize=20, leading=25,
                             textColor=theme.HEADER_FILL, spaceAfter=8),
        h1=ParagraphStyle("h1", parent=body, fontName=theme.BOLD_FONT, fontSize=14, leading=18,
                          textColor=theme.HEADER_FILL, spaceBefore=12, spaceAfter=6),
        h2=ParagraphStyle("h2", parent=body, fontName=theme.BOLD_FONT, fontSize=11.5, leading=15,
                          textColor=theme.INK, spaceBefore=9, spaceAfter=4),
        h3=ParagraphStyle("h3", parent=body, fontName=theme.BOLD_FONT, fontSize=10, leading=13,
                          textColor=theme.INK, spaceBefore=8, spaceAfter=4),
        body=body,
        body_run=ParagraphStyle("body_run", parent=body, spaceAfter=0),
        meta_label=ParagraphStyle("meta_label", parent=body, fontSize=8.5, leading=11, textColor=theme.MUTED,
                                  spaceAfter=0),
        meta_value=ParagraphStyle("meta_value", parent=body, fontSize=8.5, leading=11, spaceAfter=0),
        muted=ParagraphStyle("muted", parent=body, fontSize=8.5, leading=11, textColor=theme.MUTED, spaceAfter=0),
        cell=cell,
        cell_right=ParagraphStyle("cell_right", parent=cell, alignment=TA_RIGHT),
        header_cell=header_cell,
        header_cell_right=ParagraphStyle("header_cell_right", parent=header_cell, alignment=TA_RIGHT),
        notice_title=ParagraphStyle("notice_title", parent=body, fontName=theme.BOLD_FONT, fontSize=10,
                                    leading=13, textColor=theme.NOTICE_BORDER, spaceAfter=3),
        notice=ParagraphStyle("notice", parent=body, fontSize=8.5, leading=11.5, spaceAfter=1),
        rule_item=ParagraphStyle("rule_item", parent=body, fontSize=8.5, leading=11.5, spaceAfter=1.5,
                                 leftIndent=10, firstLineIndent=-8, textColor=theme.INK),
    )
