"""A table section -> ``PagedTable``: columns, widths that fill the frame, cells, header and totals."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph

from reporting.pipeline.rendering import theme
from reporting.pipeline.rendering.formats import format_value, is_number_format, without_percent
from reporting.pipeline.rendering.presentation import (
    MISSING_CELL, boolean_label, display_number, is_number, is_percent_unit, is_status_column, round_half_up,
    status_label,
)
from reporting.pipeline.rendering.pdf.markup import markup_text, plain_text
from reporting.pipeline.rendering.pdf.paged_table import PagedTable, TableLayout, column_cell_style
from reporting.pipeline.rendering.pdf.styles import Styles
from templates_app.spec import ColumnSpec, TableSection

CELL_PAD_X = 4.0
CELL_PAD_Y = 2.6
# Extra room before a left-aligned column that follows a right-aligned (numeric) one: "90 No" reads as one value.
TEXT_AFTER_NUMBER_PAD = 10.0
# Table cells longer than this are cut: a cell taller than a page could never be laid out.
MAX_CELL_CHARS = 600


@dataclass(frozen=True)
class _Column:
    field: str
    label: str
    fmt: str | None
    numeric: bool
    percent: bool = False  # unit "%": "82.8 %" (the workbook: a percent cell holding 0.828)
    status: bool = False  # status words as the workbook writes them ("Good")

    def text(self, value: Any) -> str:
        """What a reader sees: the same rules as the workbook (presentation): None "—", booleans
        Yes/No, statuses capitalised, numbers rounded half-up under the column's format."""
        if value is None or value == "":
            return MISSING_CELL
        if isinstance(value, bool):
            return boolean_label(value)
        if self.status and isinstance(value, str):
            return status_label(value)
        if self.percent:
            number = format_value(value, self.fmt) if self.fmt else display_number(value, None)
            numeric = is_number(value) or (isinstance(value, str) and round_half_up(value, 0) is not None)
            return f"{number} %" if numeric else number
        return format_value(value, self.fmt)


def _columns(section: TableSection, rows: list[dict[str, Any]]) -> list[_Column]:
    specs = section.columns or [ColumnSpec(field=str(key)) for key in (rows[0].keys() if rows else [])]
    sample = rows[:200]
    columns = []
    for spec in specs:
        field = spec.field
        # ColumnSpec.unit is optional (older specs have none).
        percent = is_percent_unit(getattr(spec, "unit", None))
        fmt = without_percent(spec.format) if percent else spec.format
        values = [r.get(field) for r in sample if r.get(field) is not None]
        numeric = is_number_format(fmt) or (
            bool(values) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values))
        status = not percent and is_status_column(field, values)
        columns.append(_Column(field, spec.header, fmt, numeric, percent, status))
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


def build_table(section: TableSection, rows: list[dict[str, Any]], styles: Styles,
                available_width: float, max_height: float) -> PagedTable:
    columns = _columns(section, rows)
    font, bold, size = theme.BODY_FONT, theme.BOLD_FONT, theme.TABLE_SIZE
    pad = 2 * CELL_PAD_X
    after_number = _text_after_number(columns)
    extra = [TEXT_AFTER_NUMBER_PAD if index in after_number else 0.0 for index in range(len(columns))]

    # Pass 1: display text and its width, per cell (one stringWidth per cell: linear).
    texts: list[list[str]] = []
    widths: list[list[float]] = []
    # Cells first; a header may then wrap onto two lines when the full header row does not fit.
    natural = [pad + extra[i] for i in range(len(columns))]
    minimum = [max(max((stringWidth(word, bold, size) for word in c.label.split()), default=0), 24.0) + pad
               + extra[i] for i, c in enumerate(columns)]
    for row in rows:
        row_texts = []
        row_widths = []
        for index, column in enumerate(columns):
            text = plain_text(column.text(row.get(column.field)), newlines=True)
            if len(text) > MAX_CELL_CHARS:
                text = text[:MAX_CELL_CHARS - 1] + "…"
            width = stringWidth(text, font, size) + pad + extra[index]
            if width > natural[index]:
                natural[index] = width
            row_texts.append(text)
            row_widths.append(width)
        texts.append(row_texts)
        widths.append(row_widths)
    header_full = [stringWidth(c.label, bold, size) + pad + extra[i] for i, c in enumerate(columns)]
    if sum(max(n, h) for n, h in zip(natural, header_full)) > available_width:
        header_full = [_two_line_width(c.label, bold, size) + pad + extra[i] for i, c in enumerate(columns)]
    natural = [max(n, h) for n, h in zip(natural, header_full)]
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
    # Font, colour, padding and alignment are each column's CellStyle defaults: ReportLab would
    # otherwise apply one command per property to every cell of every page's table (a tenth of
    # a long table's time, tests/perf/bench_pdf.py). What remains are the drawn decorations.
    base_style: list[tuple] = [
        ("BACKGROUND", (0, 0), (-1, 0), theme.HEADER_FILL),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, theme.GRID),
        ("BOX", (0, 0), (-1, -1), 0.5, theme.RULE),
    ]
    ink = colors.toColor(theme.INK)
    column_styles = [
        column_cell_style(fontname=font, fontsize=size, leading=size * 1.2, color=ink, valign="MIDDLE",
                          leftPadding=CELL_PAD_X + (TEXT_AFTER_NUMBER_PAD if index in after_number else 0.0),
                          rightPadding=CELL_PAD_X, topPadding=CELL_PAD_Y, bottomPadding=CELL_PAD_Y,
                          alignment="RIGHT" if column.numeric else "LEFT")
        for index, column in enumerate(columns)
    ]
    return PagedTable(TableLayout(header, header_height, col_widths, base_style, totals, totals_height,
                                   max_height, column_styles), cells, heights)


def _two_line_width(label: str, font: str, size: float) -> float:
    """The width of ``label`` broken at its best word boundary into two lines (one line if one word)."""
    words = label.split()
    best = stringWidth(label, font, size)
    for cut in range(1, len(words)):
        best = min(best, max(stringWidth(" ".join(words[:cut]), font, size),
                             stringWidth(" ".join(words[cut:]), font, size)))
    return best


def _text_after_number(columns: list[_Column]) -> set[int]:
    """Indexes of left-aligned columns whose left neighbour is right-aligned."""
    return {i for i in range(1, len(columns)) if columns[i - 1].numeric and not columns[i].numeric}


def _totals_row(section: TableSection, rows: list[dict[str, Any]], columns: list[_Column],
                col_widths: list[float], line_height: float) -> tuple[list[Any] | None, float]:
    fields = section.totals
    if not fields:
        return None, 0.0
    totals: list[Any] = []
    for column in columns:
        if column.field in fields:
            numbers = [v for v in (r.get(column.field) for r in rows)
                       if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)]
            totals.append(column.text(sum(numbers)) if numbers else "")
        else:
            totals.append("")
    if totals and not totals[0]:
        totals[0] = "Total"
    return totals, line_height + 1
