"""PDF renderer: a styled, paginated report with vector charts, built with ReportLab platypus.

Design notes (why it is built this way):
- "Page X of Y" costs one pass: each page's footer draws a PDF form XObject that is only defined
  when the canvas is saved and the page count is known. No page is held back in memory.
- Long tables are laid out by ``PagedTable``, which cuts exactly one page worth of rows at a time
  into a small ReportLab ``Table`` (each with its own header row). One giant Table with repeatRows
  re-measures every remaining row on every page, which is quadratic.
- Every piece of text from data, parameters or the spec is escaped before it reaches Paragraph
  markup; table cells that need no wrapping are plain strings, which ReportLab never parses.
"""
from __future__ import annotations

import bisect
import logging
import math
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Sequence
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, LETTER, landscape, portrait
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from reporting.pipeline.context import ReportContext
from reporting.pipeline.datapath import DataPathError, resolve_rows
from reporting.pipeline.rendering import theme
from reporting.pipeline.rendering.base import Renderer, register
from reporting.pipeline.rendering.chartspec import ChartSectionError, ChartSpec
from reporting.pipeline.rendering.fonts import register_fonts, static_dir
from reporting.pipeline.rendering.formats import format_value, is_number_format
from reporting.pipeline.rendering.charts import build_drawing, chart_height_range

logger = logging.getLogger(__name__)

CREATOR = "QMS Reporting"
PAGE_SIZES = {"a4": A4, "letter": LETTER}
MARGIN_X = 16 * mm
MARGIN_TOP = 22 * mm
MARGIN_BOTTOM = 18 * mm
CELL_PAD_X = 4.0
CELL_PAD_Y = 2.6
# Extra room before a left-aligned column that follows a right-aligned (numeric) one: "90 No" reads as one value.
TEXT_AFTER_NUMBER_PAD = 10.0
# Rows kept on each side of a page break in a long table: never a lone row or a lone totals row.
MIN_ROWS_AT_BREAK = 3
# A table is kept whole when it fits the page with this much to spare (room for a heading above it).
KEEP_TOGETHER_SLACK = 60.0
SECTION_GAP = 12.0
# Table cells longer than this are cut: a cell taller than a page could never be laid out.
MAX_CELL_CHARS = 600
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# --------------------------------------------------------------------------- text helpers


def markup_text(value: Any) -> str:
    """Untrusted text made safe for Paragraph markup: shows literally, newlines kept as line breaks."""
    text = _CONTROL_CHARS.sub("", "" if value is None else str(value))
    return escape(text).replace("\r\n", "\n").replace("\n", "<br/>")


def plain_text(value: Any) -> str:
    return _CONTROL_CHARS.sub("", "" if value is None else str(value))


def generated_text(moment: datetime) -> str:
    """'28 Nov 2026, 17:21 CET' - a reader needs the zone to trust the time."""
    text = f"{moment.day} {moment.strftime('%b %Y, %H:%M')}"
    zone = moment.tzname()
    if zone:
        if zone.startswith(("UTC+", "UTC-", "+", "-")):
            return f"{text} {zone if zone.startswith('UTC') else 'UTC' + zone}"
        return f"{text} {zone}"
    return text


@dataclass(frozen=True)
class Styles:
    title: ParagraphStyle
    h1: ParagraphStyle
    h2: ParagraphStyle
    h3: ParagraphStyle
    body: ParagraphStyle
    meta_label: ParagraphStyle
    meta_value: ParagraphStyle
    muted: ParagraphStyle
    cell: ParagraphStyle
    cell_right: ParagraphStyle
    header_cell: ParagraphStyle
    header_cell_right: ParagraphStyle
    notice_title: ParagraphStyle
    notice: ParagraphStyle


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
    )


# --------------------------------------------------------------------------- page furniture


class _PageCountingCanvas(Canvas):
    """Draws 'Page X of Y' through per-page form XObjects defined at save time, when Y is known."""

    footer_font_size = 7.5

    def __init__(self, *args: Any, footer_right_x: float = 0.0, footer_y: float = 0.0, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._pages_shown = 0
        self._footer_right_x = footer_right_x
        self._footer_y = footer_y

    def draw_page_number(self) -> None:
        self.saveState()
        self.translate(self._footer_right_x, self._footer_y)
        self.doForm(self._page_form_name(self.getPageNumber()))
        self.restoreState()

    def showPage(self) -> None:
        self._pages_shown += 1
        super().showPage()

    def save(self) -> None:
        if len(self._code):  # ReportLab would show a pending page inside save(); count it first
            self.showPage()
        total = self._pages_shown
        for number in range(1, total + 1):
            self.beginForm(self._page_form_name(number), lowerx=-200, lowery=-4, upperx=2, uppery=12)
            self.setFont(theme.BODY_FONT, self.footer_font_size)
            self.setFillColor(theme.MUTED)
            self.drawRightString(0, 0, f"Page {number} of {total}")
            self.endForm()
        super().save()

    @staticmethod
    def _page_form_name(number: int) -> str:
        return f"qmsPageNo{number}"


class _ReportDocTemplate(BaseDocTemplate):
    def __init__(self, out: BinaryIO, context: ReportContext, pagesize: tuple[float, float],
                 logo: ImageReader | None):
        super().__init__(
            out, pagesize=pagesize, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM, title=plain_text(context.title), author=plain_text(context.requested_by),
            subject=_subject(context), creator=CREATOR, producer=CREATOR, pageCompression=1,
        )
        self._context = context
        self._logo = logo
        self._header_title = plain_text(context.title)
        self._generated = f"Generated {generated_text(context.generated_at)}"
        self._outline_seq = 0
        self._outline_level = -1
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body",
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        self.addPageTemplates([PageTemplate(id="report", frames=[frame], onPage=self._decorate_page)])

    def canvas_maker(self, *args: Any, **kwargs: Any) -> _PageCountingCanvas:
        return _PageCountingCanvas(*args, footer_right_x=self.pagesize[0] - MARGIN_X,
                                   footer_y=MARGIN_BOTTOM - 10 * mm, **kwargs)

    def afterFlowable(self, flowable: Flowable) -> None:
        entry = getattr(flowable, "outline_entry", None)
        if not entry:
            return
        level, text = entry
        # PDF outlines may not skip levels (an h2 before any h1 becomes a top-level entry).
        level = min(level, self._outline_level + 1)
        self._outline_level = level
        self._outline_seq += 1
        key = f"section{self._outline_seq}"
        self.canv.bookmarkPage(key)
        self.canv.addOutlineEntry(text, key, level=level, closed=False)

    def _decorate_page(self, canvas: _PageCountingCanvas, doc: BaseDocTemplate) -> None:
        width, height = self.pagesize
        canvas.saveState()
        header_y = height - MARGIN_TOP + 7 * mm
        text_right = width - MARGIN_X
        if self._logo is not None:
            logo_w, logo_h = _logo_box(self._logo, max_height=9 * mm, max_width=40 * mm)
            canvas.drawImage(self._logo, width - MARGIN_X - logo_w, header_y - 1.5, logo_w, logo_h, mask="auto")
            text_right -= logo_w + 6
        canvas.setFont(theme.BOLD_FONT, 8.5)
        canvas.setFillColor(theme.HEADER_FILL)
        title = _truncate_to(self._header_title, text_right - MARGIN_X, theme.BOLD_FONT, 8.5)
        canvas.drawString(MARGIN_X, header_y, title)
        canvas.setStrokeColor(theme.RULE)
        canvas.setLineWidth(0.6)
        canvas.line(MARGIN_X, header_y - 5, width - MARGIN_X, header_y - 5)

        footer_y = MARGIN_BOTTOM - 10 * mm
        canvas.line(MARGIN_X, footer_y + 10, width - MARGIN_X, footer_y + 10)
        canvas.setFont(theme.BODY_FONT, 7.5)
        canvas.setFillColor(theme.MUTED)
        canvas.drawString(MARGIN_X, footer_y, self._generated)
        canvas.restoreState()
        canvas.draw_page_number()


def _subject(context: ReportContext) -> str:
    parts = [f"{label}: {value}" for label, value in context.parameter_lines]
    return plain_text("; ".join(parts) or context.title)


def _truncate_to(text: str, max_width: float, font: str, size: float) -> str:
    if stringWidth(text, font, size) <= max_width:
        return text
    while text and stringWidth(text + "…", font, size) > max_width:
        text = text[:-1]
    return text + "…"


def _logo_box(logo: ImageReader, max_height: float, max_width: float) -> tuple[float, float]:
    pixel_w, pixel_h = logo.getSize()
    scale = min(max_height / pixel_h, max_width / pixel_w)
    return pixel_w * scale, pixel_h * scale


def load_logo(relative_path: str | None, root: Path | None = None) -> ImageReader | None:
    """The logo under static/, or None; never reads outside static/ and never fetches a URL."""
    if not relative_path:
        return None
    base = (root or static_dir()).resolve()
    candidate = (base / str(relative_path)).resolve()
    if not candidate.is_relative_to(base) or not candidate.is_file():
        logger.warning("report logo %r not found under %s; rendering without it", relative_path, base)
        return None
    try:
        reader = ImageReader(str(candidate))
        reader.getSize()
        return reader
    except (OSError, ValueError):
        logger.warning("report logo %s is not a readable image; rendering without it", candidate, exc_info=True)
        return None


def page_size(spec: dict[str, Any]) -> tuple[float, float]:
    page = spec.get("page") or {}
    size = PAGE_SIZES.get(str(page.get("size", "A4")).lower(), A4)
    return landscape(size) if str(page.get("orientation", "portrait")).lower() == "landscape" else portrait(size)


# --------------------------------------------------------------------------- flowables


class _OutlinedParagraph(Paragraph):
    """A heading paragraph that also becomes a PDF bookmark."""

    def __init__(self, text: str, style: ParagraphStyle, outline_level: int, outline_text: str):
        super().__init__(text, style)
        self.outline_entry = (outline_level, outline_text)


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
            name_lines = name_lines[:1] + [_truncate_to(" ".join(name_lines[1:]), inner_w, theme.BODY_FONT, 7.5)]
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
            canvas.drawString(unit_x, value_y, _truncate_to(unit_text, max(10, inner_x + inner_w - unit_x),
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


@dataclass
class _TableLayout:
    """Everything PagedTable needs that is the same for every page-sized chunk."""

    header: list[Any]
    header_height: float
    col_widths: list[float]
    base_style: list[tuple]
    totals: list[Any] | None
    totals_height: float
    max_height: float


class PagedTable(Flowable):
    """Rows laid out one page at a time: each page gets its own small Table with the header row.

    Row heights are known up front (cumulative sums), so wrap() and split() cost O(log n) plus
    the rows they emit: the whole table is linear in its row count.
    """

    def __init__(self, layout: _TableLayout, rows: list[list[Any]], row_heights: list[float],
                 cumulative: list[float] | None = None, start: int = 0):
        super().__init__()
        self.layout = layout
        self.rows = rows
        self.row_heights = row_heights
        self.cumulative = cumulative if cumulative is not None else _cumulative(row_heights)
        self.start = start
        self._table: Table | None = None

    def _remaining_height(self) -> float:
        return (self.layout.header_height + self.cumulative[-1] - self.cumulative[self.start]
                + self.layout.totals_height)

    def full_height(self) -> float:
        """Height of the whole table on one page (header, every row, totals)."""
        return self._remaining_height()

    def first_chunk_height(self) -> float:
        """Height of the smallest first piece a page break may leave: header and MIN_ROWS_AT_BREAK rows."""
        end = min(len(self.rows), self.start + MIN_ROWS_AT_BREAK)
        return self.layout.header_height + self.cumulative[end] - self.cumulative[self.start]

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return sum(self.layout.col_widths), self._remaining_height()

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        count = len(self.rows)
        budget = avail_height - self.layout.header_height
        fit_end = min(bisect.bisect_right(self.cumulative, self.cumulative[self.start] + budget) - 1, count)
        if fit_end >= count:
            fit_end = count - 1  # the totals did not fit: rows go with them to the next page
        # Widows and orphans: at least MIN_ROWS_AT_BREAK rows on this page and on the next.
        end = min(fit_end, count - MIN_ROWS_AT_BREAK)
        if end - self.start < MIN_ROWS_AT_BREAK:
            if avail_height < self.layout.max_height - 1:
                return []  # start on the next page
            # Even a whole page holds too few rows (very tall rows): as many as fit, at least one.
            end = max(self.start + 1, fit_end)
        chunk = self._make_table(self.start, end, with_totals=False)
        rest = PagedTable(self.layout, self.rows, self.row_heights, self.cumulative, end)
        rest.spaceAfter = getattr(self, "spaceAfter", 0)
        return [chunk, rest]

    def draw(self) -> None:
        table = self._make_table(self.start, len(self.rows), with_totals=True)
        table.wrapOn(self.canv, sum(self.layout.col_widths), self._remaining_height())
        table.drawOn(self.canv, 0, 0)

    def _make_table(self, start: int, end: int, with_totals: bool) -> Table:
        layout = self.layout
        data = [layout.header, *self.rows[start:end]]
        heights = [layout.header_height, *self.row_heights[start:end]]
        style = list(layout.base_style)
        # Zebra stripes follow the absolute row number, so they do not restart on a new page.
        stripes = [colors.white, theme.ZEBRA] if start % 2 == 0 else [theme.ZEBRA, colors.white]
        style.append(("ROWBACKGROUNDS", (0, 1), (-1, -1), stripes))
        if with_totals and layout.totals is not None:
            data.append(layout.totals)
            heights.append(layout.totals_height)
            style.extend([
                ("BACKGROUND", (0, -1), (-1, -1), theme.TOTALS_FILL),
                ("FONTNAME", (0, -1), (-1, -1), theme.BOLD_FONT),
                ("LINEABOVE", (0, -1), (-1, -1), 0.9, theme.HEADER_FILL),
            ])
        return Table(data, colWidths=layout.col_widths, rowHeights=heights, style=TableStyle(style))


def _cumulative(heights: Sequence[float]) -> list[float]:
    total, out = 0.0, [0.0]
    for height in heights:
        total += height
        out.append(total)
    return out


# --------------------------------------------------------------------------- table building


@dataclass(frozen=True)
class _Column:
    field: str
    label: str
    fmt: str | None
    numeric: bool


def _columns(section: dict[str, Any], rows: list[dict[str, Any]]) -> list[_Column]:
    specs = section.get("columns") or [{"field": key} for key in (rows[0].keys() if rows else [])]
    sample = rows[:200]
    columns = []
    for spec in specs:
        field = str(spec.get("field", ""))
        fmt = spec.get("format")
        values = [r.get(field) for r in sample if r.get(field) is not None]
        numeric = is_number_format(fmt) or (
            bool(values) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values))
        label = spec.get("label") or field.replace("_", " ").capitalize()
        columns.append(_Column(field, str(label), fmt, numeric))
    return columns


def _fit_widths(natural: list[float], minimum: list[float], available: float) -> list[float]:
    """Column widths that fill the frame: natural widths scaled up, or the widest columns shrunk."""
    total = sum(natural)
    if total <= available:
        return [w * available / total for w in natural]
    widths = list(natural)
    fixed: set[int] = set()
    # Shrink the columns wider than a fair share of what is left, keeping narrow columns whole.
    while True:
        flexible = [i for i in range(len(widths)) if i not in fixed]
        room = available - sum(widths[i] for i in fixed)
        if not flexible:
            break
        share = room / len(flexible)
        narrow = [i for i in flexible if natural[i] <= share]
        if not narrow:
            flex_total = sum(natural[i] for i in flexible)
            for i in flexible:
                widths[i] = max(minimum[i], natural[i] * room / flex_total)
            break
        for i in narrow:
            widths[i] = natural[i]
            fixed.add(i)
    scale = available / sum(widths)
    return [w * scale for w in widths] if scale < 1 else widths


def build_table(section: dict[str, Any], rows: list[dict[str, Any]], styles: Styles,
                available_width: float, max_height: float) -> PagedTable:
    columns = _columns(section, rows)
    font, bold, size = theme.BODY_FONT, theme.BOLD_FONT, theme.TABLE_SIZE
    pad = 2 * CELL_PAD_X
    after_number = _text_after_number(columns)
    extra = [TEXT_AFTER_NUMBER_PAD if index in after_number else 0.0 for index in range(len(columns))]

    # Pass 1: display text and its width, per cell (one stringWidth per cell: linear).
    texts: list[list[str]] = []
    widths: list[list[float]] = []
    natural = [stringWidth(c.label, bold, size) + pad + extra[i] for i, c in enumerate(columns)]
    minimum = [max(max((stringWidth(word, bold, size) for word in c.label.split()), default=0), 24.0) + pad
               + extra[i] for i, c in enumerate(columns)]
    for row in rows:
        row_texts = []
        row_widths = []
        for index, column in enumerate(columns):
            text = plain_text(format_value(row.get(column.field), column.fmt))
            if len(text) > MAX_CELL_CHARS:
                text = text[:MAX_CELL_CHARS - 1] + "…"
            width = stringWidth(text, font, size) + pad + extra[index]
            if width > natural[index]:
                natural[index] = width
            row_texts.append(text)
            row_widths.append(width)
        texts.append(row_texts)
        widths.append(row_widths)
    for index, column in enumerate(columns):
        if column.numeric:  # numbers never wrap: their column keeps its natural width
            minimum[index] = min(natural[index], available_width / max(1, len(columns)) * 1.5)
    col_widths = _fit_widths([min(n, available_width * 0.6) for n in natural], minimum, available_width)

    # Pass 2: plain strings where the text fits on one line, Paragraphs only where it must wrap.
    line_height = size * 1.2 + 2 * CELL_PAD_Y
    cells: list[list[Any]] = []
    heights: list[float] = []
    for row_texts, row_widths in zip(texts, widths):
        height = line_height
        row_cells: list[Any] = row_texts
        for index, text in enumerate(row_texts):
            if row_widths[index] > col_widths[index] or "\n" in text:
                if row_cells is row_texts:
                    row_cells = list(row_texts)
                style = styles.cell_right if columns[index].numeric else styles.cell
                paragraph = Paragraph(markup_text(text), style)
                _, para_h = paragraph.wrap(col_widths[index] - pad - extra[index], 10_000)
                height = max(height, para_h + 2 * CELL_PAD_Y + 1)
                row_cells[index] = paragraph
        cells.append(row_cells)
        heights.append(height)
    del texts, widths

    header = [Paragraph(markup_text(c.label), styles.header_cell_right if c.numeric else styles.header_cell)
              for c in columns]
    header_height = max(p.wrap(w - pad - e, 1000)[1] for p, w, e in zip(header, col_widths, extra)) \
        + 2 * CELL_PAD_Y + 2

    totals, totals_height = _totals_row(section, rows, columns, col_widths, line_height)
    # As few commands as possible: ReportLab applies each command to every cell it covers.
    base_style: list[tuple] = [
        ("FONT", (0, 0), (-1, -1), font, size, size * 1.2),
        ("TEXTCOLOR", (0, 0), (-1, -1), theme.INK),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD_X),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD_X),
        ("TOPPADDING", (0, 0), (-1, -1), CELL_PAD_Y),
        ("BOTTOMPADDING", (0, 0), (-1, -1), CELL_PAD_Y),
        ("BACKGROUND", (0, 0), (-1, 0), theme.HEADER_FILL),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, theme.GRID),
        ("BOX", (0, 0), (-1, -1), 0.5, theme.RULE),
    ]
    for first, last in _numeric_runs(columns):
        base_style.append(("ALIGN", (first, 0), (last, -1), "RIGHT"))
    for index in sorted(after_number):
        base_style.append(("LEFTPADDING", (index, 0), (index, -1), CELL_PAD_X + TEXT_AFTER_NUMBER_PAD))
    return PagedTable(_TableLayout(header, header_height, col_widths, base_style, totals, totals_height,
                                   max_height), cells, heights)


def _text_after_number(columns: list[_Column]) -> set[int]:
    """Indexes of left-aligned columns whose left neighbour is right-aligned."""
    return {i for i in range(1, len(columns)) if columns[i - 1].numeric and not columns[i].numeric}


def _numeric_runs(columns: list[_Column]) -> list[tuple[int, int]]:
    """(first, last) index of each run of adjacent numeric columns."""
    runs: list[tuple[int, int]] = []
    for index, column in enumerate(columns):
        if not column.numeric:
            continue
        if runs and runs[-1][1] == index - 1:
            runs[-1] = (runs[-1][0], index)
        else:
            runs.append((index, index))
    return runs


def _totals_row(section: dict[str, Any], rows: list[dict[str, Any]], columns: list[_Column],
                col_widths: list[float], line_height: float) -> tuple[list[Any] | None, float]:
    fields = section.get("totals") or []
    if not fields:
        return None, 0.0
    totals: list[Any] = []
    for column in columns:
        if column.field in fields:
            numbers = [v for v in (r.get(column.field) for r in rows)
                       if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)]
            totals.append(format_value(sum(numbers), column.fmt) if numbers else "")
        else:
            totals.append("")
    if totals and not totals[0]:
        totals[0] = "Total"
    return totals, line_height + 1


# --------------------------------------------------------------------------- story


class _StoryBuilder:
    def __init__(self, context: ReportContext, frame_width: float, frame_height: float):
        self.context = context
        self.width = frame_width
        self.height = frame_height
        self.styles = make_styles()

    def build(self) -> list[Flowable]:
        story: list[Flowable] = [*self._title_block()]
        if self.context.is_partial:
            story.append(self._partial_notice())
        blocks = [self._section(section) for section in self.context.sections]
        # A heading keeps company with the start of what follows it: never alone at a page foot.
        # Leads are worked out backwards because a heading may be followed by another heading.
        following_lead = 0.0
        for block in reversed(blocks):
            if block.is_heading:
                block.lead += following_lead
                block.flowables.insert(0, self._keep_room(block.lead))
            following_lead = block.lead
        for block in blocks:
            story.extend(block.flowables)
        return story

    def _keep_room(self, height: float) -> CondPageBreak:
        """Start a new page unless ``height`` is left on this one.

        Capped below the frame height: at the top of an empty page the break would only add a blank page.
        """
        return CondPageBreak(min(height, self.height - 1))

    def _measure(self, flowable: Flowable) -> float:
        _, height = flowable.wrap(self.width, self.height)
        return height + flowable.getSpaceBefore() + flowable.getSpaceAfter()

    # -- title and notice

    def _title_block(self) -> Iterable[Flowable]:
        ctx, s = self.context, self.styles
        yield Paragraph(markup_text(ctx.title), s.title)
        meta: list[list[Any]] = [[Paragraph(markup_text(label), s.meta_label), Paragraph(markup_text(value), s.meta_value)]
                                 for label, value in ctx.parameter_lines]
        meta.append([Paragraph("Generated", s.meta_label),
                     Paragraph(markup_text(generated_text(ctx.generated_at)), s.meta_value)])
        meta.append([Paragraph("Requested by", s.meta_label),
                     Paragraph(markup_text(ctx.requested_by or "—"), s.meta_value)])
        label_width = min(self.width * 0.3, max(
            [stringWidth(plain_text(label), theme.BODY_FONT, 8.5) for label, _ in ctx.parameter_lines]
            + [stringWidth("Requested by", theme.BODY_FONT, 8.5)]) + 12)
        table = Table(meta, colWidths=[label_width, self.width - label_width], hAlign="LEFT")
        table.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ("TOPPADDING", (0, 0), (-1, -1), 1),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ("LINEBELOW", (0, -1), (-1, -1), 0.8, theme.HEADER_FILL),
            ("BOTTOMPADDING", (0, -1), (-1, -1), 8),
        ]))
        yield table
        yield Spacer(1, 10)

    def _partial_notice(self) -> Flowable:
        s = self.styles
        content: list[Flowable] = [
            Paragraph("Incomplete report: some data could not be collected", s.notice_title),
            Paragraph("Sections that depend on the sources below show “No data” instead of figures.", s.notice),
        ]
        for failure in self.context.missing_sources:
            kind = "required" if failure.required else "optional"
            content.append(Paragraph(
                f"• <b>{markup_text(failure.name)}</b> ({kind}): {markup_text(failure.reason)}", s.notice))
        box = Table([[content]], colWidths=[self.width])
        box.setStyle(TableStyle([
            ("BACKGROUND", (0, 0), (-1, -1), theme.NOTICE_FILL),
            ("LINEBEFORE", (0, 0), (0, -1), 3, theme.NOTICE_BORDER),
            ("BOX", (0, 0), (-1, -1), 0.5, theme.NOTICE_BORDER),
            ("LEFTPADDING", (0, 0), (-1, -1), 10),
            ("RIGHTPADDING", (0, 0), (-1, -1), 10),
            ("TOPPADDING", (0, 0), (-1, -1), 7),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
        ]))
        box.spaceAfter = 10
        return box

    # -- sections

    def _section(self, section: dict[str, Any]) -> _Block:
        kind = section.get("type")
        if kind == "heading":
            heading = self._heading(section)
            return _Block([heading], self._measure(heading), is_heading=True)
        if kind == "text":
            paragraph = Paragraph(markup_text(section.get("text", "")), self.styles.body)
            # A paragraph may split between lines: its first lines must fit, not all of it.
            lead = min(self._measure(paragraph), 3 * self.styles.body.leading + self.styles.body.spaceAfter)
            return _Block([paragraph], lead)
        if kind == "page_break":
            return _Block([PageBreak()], 0.0)
        if kind == "kpis":
            return self._kpis(section)
        if kind == "chart":
            return self._chart(section)
        if kind == "table":
            return self._table(section)
        return self._titled(section, self._no_data(f"unsupported section type '{kind}'"))

    def _heading(self, section: dict[str, Any]) -> Flowable:
        level = 2 if str(section.get("level", 1)) == "2" else 1
        text = plain_text(section.get("text", ""))
        style = self.styles.h1 if level == 1 else self.styles.h2
        return _OutlinedParagraph(markup_text(text), style, level - 1, text or "Section")

    def _titled(self, section: dict[str, Any], body: Flowable, body_lead: float | None = None,
                keep_with_title: float | None = None) -> _Block:
        """A section's title (if any) and body; the title never ends a page without the body's start.

        ``body_lead`` is how much of the body must share the page with the title (all of it by default).
        """
        if body_lead is None:
            body_lead = self._measure(body)
        title: list[Flowable] = []
        if section.get("title"):
            title = [Paragraph(markup_text(section["title"]), self.styles.h3)]
        lead = sum(self._measure(f) for f in title) + body_lead + 1  # 1 pt for rounding in the frame
        return _Block([self._keep_room(lead), *title, body], lead)

    def _rows(self, section: dict[str, Any]) -> tuple[list[dict[str, Any]] | None, str]:
        path = section.get("data")
        if not path:
            return None, "the section names no data"
        try:
            rows = resolve_rows(self.context.data, str(path))
        except DataPathError as error:
            return None, str(error)
        if not rows:
            return None, f"'{path}' has no rows"
        return rows, ""

    def _no_data(self, reason: str) -> Flowable:
        box = Table([[Paragraph(f"No data: {markup_text(reason)}", self.styles.muted)]], colWidths=[self.width])
        box.setStyle(TableStyle([
            ("BACKGROUND", (0, 0), (-1, -1), theme.PANEL_FILL),
            ("BOX", (0, 0), (-1, -1), 0.5, theme.RULE),
            ("LEFTPADDING", (0, 0), (-1, -1), 10),
            ("TOPPADDING", (0, 0), (-1, -1), 8),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
        ]))
        box.spaceAfter = SECTION_GAP
        return box

    def _kpis(self, section: dict[str, Any]) -> _Block:
        rows, reason = self._rows(section)
        if rows is None:
            return self._titled(section, self._no_data(reason))
        per_row = 4 if self.width > 600 else 3
        gap = 8.0
        card_width = (self.width - gap * (per_row - 1)) / per_row
        cards = [KpiCard(row, card_width) for row in rows]
        grid = [cards[i:i + per_row] for i in range(0, len(cards), per_row)]
        grid[-1] += [""] * (per_row - len(grid[-1]))
        table = Table(grid, colWidths=[card_width + gap] * (per_row - 1) + [card_width], hAlign="LEFT")
        table.setStyle(TableStyle([
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), gap),
        ]))
        table.spaceAfter = SECTION_GAP - gap
        # The grid may split between card rows: the first row of cards must share the page with the title.
        return self._titled(section, table, body_lead=KpiCard.height_pt + gap)

    def _chart(self, section: dict[str, Any]) -> _Block:
        rows, reason = self._rows(section)
        if rows is None:
            return self._titled(section, self._no_data(reason))
        try:
            spec = ChartSpec.from_section(section, rows)
        except ChartSectionError as error:
            return self._titled(section, self._no_data(str(error)))
        minimum, preferred = chart_height_range(spec, self.width, self.height)
        chart = ChartFlowable(spec, self.width, minimum, preferred)
        chart.spaceAfter = SECTION_GAP
        return self._titled(section, chart, body_lead=minimum)

    def _table(self, section: dict[str, Any]) -> _Block:
        rows, reason = self._rows(section)
        if rows is None:
            return self._titled(section, self._no_data(reason))
        table = build_table(section, rows, self.styles, self.width, self.height)
        table.spaceAfter = SECTION_GAP
        whole = table.full_height()
        if whole <= self.height - KEEP_TOGETHER_SLACK:
            # A table that fits on one page is never split: it starts on the next page if need be.
            return self._titled(section, table, body_lead=whole)
        return self._titled(section, table, body_lead=table.first_chunk_height())


@dataclass
class _Block:
    """The flowables of one spec section, and the height that must be left on a page for it to start there."""

    flowables: list[Flowable]
    lead: float
    is_heading: bool = False


class ChartFlowable(Flowable):
    """A chart at its preferred height, or shorter (down to its readable minimum) to finish a page.

    Shrinking lets a chart share a page with the KPIs above it instead of leaving a mostly empty page.
    """

    def __init__(self, spec: ChartSpec, width: float, min_height: float, preferred_height: float):
        super().__init__()
        self.spec = spec
        self.width = width
        self.min_height = min_height
        self.preferred_height = preferred_height
        self.height = preferred_height

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        if self.min_height <= avail_height < self.preferred_height:
            self.height = float(math.floor(avail_height))  # whole points: fewer distinct cached drawings
        else:
            self.height = self.preferred_height
        return self.width, self.height

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        return []  # a chart is never cut: it moves to the next page whole

    def draw(self) -> None:
        build_drawing(self.spec, self.width, self.height).drawOn(self.canv, 0, 0)


# --------------------------------------------------------------------------- renderer


@register
class PdfRenderer(Renderer):
    name = "pdf"
    content_type = "application/pdf"
    file_extension = "pdf"

    def __init__(self, static_root: Path | None = None):
        self._static_root = static_root

    def render(self, context: ReportContext, out: BinaryIO) -> None:
        register_fonts()
        size = page_size(context.spec)
        logo = load_logo(context.spec.get("logo"), self._static_root)
        doc = _ReportDocTemplate(out, context, size, logo)
        story = _StoryBuilder(context, doc.width, doc.height).build()
        doc.build(story, canvasmaker=doc.canvas_maker)
