"""The Charts sheet: per chart section, a small data table and, beside it, the native chart drawn from those cells."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break

from reporting.pipeline.rendering.charts.common import NO_POSITIVE_VALUES
from reporting.pipeline.rendering.charts.reference import reference_text
from reporting.pipeline.rendering.chartspec import ChartSpec
from reporting.pipeline.section_data import NO_CHART_DATA
from reporting.pipeline.rendering.xlsx.cells import CELL_FONT, make_cell
from reporting.pipeline.rendering.xlsx.charts import CHART_HEIGHT_ROWS, ChartDataBlock, build_chart
from reporting.pipeline.rendering.xlsx.print_setup import prepare_sheet

TITLE_FONT = Font(name=CELL_FONT, bold=True, size=12)
HEADER_FONT = Font(name=CELL_FONT, bold=True)
NOTE_FONT = Font(name=CELL_FONT, italic=True, color="9C0006")
# Blank rows between two chart blocks.
BLOCK_GAP_ROWS = 2
CATEGORY_COLUMN_WIDTH = 24
SERIES_COLUMN_WIDTH = 14
MAX_SERIES_COLUMNS = 8
# Rows of default height on one printed landscape page (A4 or Letter, before fit-to-width shrinks
# the sheet, which only makes room): a chart block that would cross a page starts a new one.
ROWS_PER_PAGE = 32


class ChartSheetWriter:
    def __init__(self, worksheet: Any, max_series: int, page: Any = None):
        self.ws = worksheet
        self.row = 0
        self.page_start = 1  # first row of the current printed page
        # Printed (or converted to PDF), each data table and its chart stay side by side on one page
        # width; page properties first (a write-only sheet writes them with its first row).
        prepare_sheet(self.ws, page=page, landscape=True)
        self.ws.column_dimensions["A"].width = CATEGORY_COLUMN_WIDTH
        for index in range(2, 2 + min(max_series, MAX_SERIES_COLUMNS) + 2):
            self.ws.column_dimensions[get_column_letter(index)].width = SERIES_COLUMN_WIDTH

    def write_no_data(self, title: str, reason: str) -> None:
        self._append([make_cell(self.ws, title or "Chart", font=TITLE_FONT)])
        self._append([make_cell(self.ws, reason, font=NOTE_FONT)])
        self._gap()

    def write_chart(self, spec: ChartSpec) -> None:
        if spec.is_empty:
            self.write_no_data(spec.title, NO_CHART_DATA)
            return
        series = spec.series[:1] if spec.kind in ("pie", "doughnut") else spec.series
        skipped = 0
        if spec.kind in ("pie", "doughnut"):
            # As the PDF's pie: only positive slices (a zero or negative share cannot be drawn).
            keep = [i for i, v in enumerate(series[0].values) if v is not None and v > 0]
            skipped = len(spec.categories) - len(keep)
            if not keep:
                self.write_no_data(spec.title, NO_POSITIVE_VALUES)
                return
            spec = replace(spec, categories=tuple(spec.categories[i] for i in keep),
                           series=(replace(series[0], values=tuple(series[0].values[i] for i in keep)),))
            series = spec.series
        # Reference lines (targets) are columns of their own after the series: a line series over a
        # column or line chart reads them. Excel cannot lay a line across horizontal bars, so there
        # the column (with the value in its header) is the reference, and the chart shows the bars.
        references = spec.reference_lines if spec.kind in ("bar", "line", "hbar") else ()
        self._keep_on_one_page(max(len(spec.categories) + 2, CHART_HEIGHT_ROWS))
        title_row = self._append([make_cell(self.ws, spec.title or "Chart", font=TITLE_FONT)])
        header = [make_cell(self.ws, spec.x_title or spec.x_field or "Category", font=HEADER_FONT)]
        header += [make_cell(self.ws, s.label, font=HEADER_FONT) for s in series]
        header += [make_cell(self.ws, reference_text(line, spec), font=HEADER_FONT) for line in references]
        header_row = self._append(header)
        # Each column shows its numbers as the PDF's value labels do (full precision stays in the cell).
        formats = [_column_format(s.values) for s in series] + [_column_format((line.value,)) for line in references]
        for index, category in enumerate(spec.categories):
            # Categories are text (ChartSpec made them so): stored guarded, never converted to dates.
            # Values are finite floats or None (ChartSpec made them so): Excel cannot store NaN/infinity.
            values = [s.values[index] for s in series] + [line.value for line in references]
            self._append([make_cell(self.ws, category)]
                         + [_number_cell(self.ws, v, f) for v, f in zip(values, formats)])
        last_row = self.row
        if skipped:
            note = f"{skipped} zero or negative value(s) not shown"
            self._append([make_cell(self.ws, note, font=NOTE_FONT)])
        block = ChartDataBlock(
            self.ws, header_row=header_row, first_row=header_row + 1, last_row=last_row, category_col=1,
            reference_count=len(references) if spec.kind != "hbar" else 0,
        )
        chart = build_chart(replace(spec, series=series), block)
        anchor_col = get_column_letter(len(series) + len(references) + 3)
        self.ws.add_chart(chart, f"{anchor_col}{title_row}")
        # The next block starts below whichever is taller: the data table or the chart.
        while self.row < title_row + CHART_HEIGHT_ROWS:
            self._append([])
        self._gap()

    def _keep_on_one_page(self, rows: int) -> None:
        """A page break before a block of ``rows`` rows that would not fit on what is left of the page."""
        while self.row >= self.page_start + ROWS_PER_PAGE:  # a long block already ran onto later pages
            self.page_start += ROWS_PER_PAGE
        first = self.row + 1
        if first > self.page_start and first + rows - 1 >= self.page_start + ROWS_PER_PAGE:
            self.ws.row_breaks.append(Break(id=self.row))
            self.page_start = first

    def _append(self, cells: list[Any]) -> int:
        self.ws.append(cells)
        self.row += 1
        return self.row

    def _gap(self) -> None:
        for _ in range(BLOCK_GAP_ROWS):
            self._append([])


def _column_format(values: tuple[float | None, ...]) -> str:
    numbers = [abs(v) for v in values if v is not None]
    if all(float(v).is_integer() for v in numbers):
        return "#,##0"
    return "#,##0.00" if max(numbers, default=0) < 1 else "#,##0.0"


def _number_cell(ws: Any, value: float | None, number_format: str) -> Any:
    if value is None:
        return None
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = number_format
    return cell
