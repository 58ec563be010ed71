"""Long tables laid out one page at a time.

``PagedTable`` cuts exactly one page worth of rows at a time into a small ReportLab ``Table``
(each with its own header row). One giant Table with repeatRows re-measures every remaining row
on every page, which is quadratic.
"""
from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.lib import colors
from reportlab.platypus import Flowable, Table, TableStyle
from reportlab.platypus.tables import CellStyle

from reporting.pipeline.rendering import theme

# Rows kept on each side of a page break in a long table: never a lone row or a lone totals row.
MIN_ROWS_AT_BREAK = 3


@dataclass
class TableLayout:
    """Everything PagedTable needs that is the same for every page-sized chunk."""

    header: list[Any]
    header_height: float
    col_widths: list[float]
    base_style: list[tuple]
    totals: list[Any] | None
    totals_height: float
    max_height: float
    # Per column: the CellStyle class whose defaults are that column's font, colour, padding and
    # alignment (None: ReportLab's defaults, set by base_style commands).
    column_styles: list[type[CellStyle]] | None = None


class PagedTable(Flowable):
    """Rows laid out one page at a time: each page gets its own small Table with the header row.

    Row heights are known up front (cumulative sums), so wrap() and split() cost O(log n) plus
    the rows they emit: the whole table is linear in its row count.
    """

    def __init__(self, layout: TableLayout, rows: list[list[Any]], row_heights: list[float],
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
        # Each cell gets its own style object (the commands above change them in place), made from
        # its column's class: cheaper than ReportLab applying one command per property to every cell.
        cell_styles = None if layout.column_styles is None else \
            [[column_style("cell") for column_style in layout.column_styles] for _ in data]
        return Table(data, colWidths=layout.col_widths, rowHeights=heights, style=TableStyle(style),
                     cellStyles=cell_styles)


def column_cell_style(**properties: Any) -> type[CellStyle]:
    """A CellStyle class with ``properties`` (fontname, leftPadding, alignment, ...) as its defaults."""
    return type("ColumnCellStyle", (CellStyle,), properties)


def _cumulative(heights: Sequence[float]) -> list[float]:
    total, out = 0.0, [0.0]
    for height in heights:
        total += height
        out.append(total)
    return out
