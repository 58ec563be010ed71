"""A table section -> one sheet (or several, past Excel's row limit) holding an Excel Table, streamed row by row."""
from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo
from openpyxl.worksheet.filters import AutoFilter

from reporting.pipeline.section_data import EMPTY, no_data_text
from reporting.pipeline.rendering.xlsx.cells import CELL_FONT, make_cell, unique_header_names
from reporting.pipeline.rendering.xlsx.stream import create_streaming_sheet
from reporting.pipeline.rendering.formats import is_number_format, percent_format
from reporting.pipeline.rendering.presentation import is_percent_unit, is_status_column
from reporting.pipeline.rendering.xlsx.print_setup import prepare_sheet, repeat_rows
from reporting.pipeline.rendering.xlsx.values import ColumnCells, indented_converter, percent_converter
from templates_app.spec import ColumnSpec, TableSection

# Excel's sheet size. A module constant so tests can lower it to prove that big tables are split.
EXCEL_MAX_ROWS = 1_048_576

TITLE_ROW = 1
NOTE_ROW = 2
HEADER_ROW = 3
FIRST_DATA_ROW = 4
TABLE_STYLE = "TableStyleMedium2"

# Column width fitting looks at this many rows: enough to be representative, cheap on 1M rows.
WIDTH_SAMPLE_ROWS = 500
# A column is a status column when every value among this many rows is a status word.
STATUS_SAMPLE_ROWS = 200
MIN_COLUMN_WIDTH = 8
MAX_COLUMN_WIDTH = 60

TITLE_FONT = Font(name=CELL_FONT, bold=True, size=14)
NOTE_FONT = Font(name=CELL_FONT, italic=True, color="9C0006")
TOTAL_FONT = Font(name=CELL_FONT, bold=True)


@dataclass(frozen=True)
class TableColumnPlan:
    field: str
    header: str
    number_format: str | None
    percent: bool = False  # unit "%": cells hold value/100 under a percent format
    status: bool = False  # status words, written as the PDF prints them


@dataclass(frozen=True)
class TableSheetPart:
    sheet_name: str
    first_row_index: int  # index into the section's rows
    row_count: int


def plan_columns(section: TableSection, rows: Sequence[dict[str, Any]]) -> list[TableColumnPlan]:
    """The section's declared columns, or (none declared) the fields of the first row."""
    declared = section.columns or [ColumnSpec(field=str(key)) for key in (rows[0] if rows else {})]
    labels = [c.header for c in declared]
    sample = rows[:STATUS_SAMPLE_ROWS]
    plans = []
    for c, header in zip(declared, unique_header_names(labels)):
        # ColumnSpec.unit is optional (older specs have no such field).
        percent = is_percent_unit(getattr(c, "unit", None))
        number_format = percent_format(c.format) if percent else (c.format or None)
        status = not percent and is_status_column(c.field, (r.get(c.field) for r in sample))
        plans.append(TableColumnPlan(field=c.field, header=header, number_format=number_format,
                                     percent=percent, status=status))
    return plans


def rows_per_sheet(has_totals: bool) -> int:
    return EXCEL_MAX_ROWS - HEADER_ROW - (1 if has_totals else 0)


def plan_parts(
    title: str, row_count: int, has_totals: bool, allocate_sheet_name: Callable[[str], str]
) -> list[TableSheetPart]:
    per_sheet = rows_per_sheet(has_totals)
    part_count = max(1, math.ceil(row_count / per_sheet))
    parts = []
    for index in range(part_count):
        name = allocate_sheet_name(title if index == 0 else f"{title} ({index + 1})")
        start = index * per_sheet
        parts.append(TableSheetPart(name, start, min(per_sheet, row_count - start)))
    return parts


class TableSectionWriter:
    """Writes one table section into a write-only workbook."""

    def __init__(
        self,
        workbook: Any,
        allocate_sheet_name: Callable[[str], str],
        next_table_name: Callable[[], str],
        report_tz: tzinfo | None,
        page: Any = None,
    ):
        self.page = page  # the spec's PageSpec: paper size and orientation for printing
        self.workbook = workbook
        self.allocate_sheet_name = allocate_sheet_name
        self.next_table_name = next_table_name
        self.report_tz = report_tz

    def write_no_data(self, title: str, text: str) -> None:
        """A sheet with the table's title and ``text`` (the full "No data: …" or the processors' sentence)."""
        ws = create_streaming_sheet(self.workbook, self.allocate_sheet_name(title))
        prepare_sheet(ws, page=self.page)
        ws.append([make_cell(ws, title, font=TITLE_FONT)])
        ws.append([make_cell(ws, text, font=NOTE_FONT)])

    def write(self, section: TableSection, title: str, rows: Sequence[dict[str, Any]]) -> list[str]:
        """Write the rows; returns the sheet names used (more than one when the table was split)."""
        columns = plan_columns(section, rows)
        if not rows or not columns:
            self.write_no_data(title, no_data_text(EMPTY))
            return []
        fields = [c.field for c in columns]
        total_fields = [f for f in section.totals if f in fields]
        parts = plan_parts(title, len(rows), bool(total_fields), self.allocate_sheet_name)
        widths = _fitted_widths(columns, rows)
        for index, part in enumerate(parts):
            ws = create_streaming_sheet(self.workbook, part.sheet_name)
            # Before the first row: a write-only sheet writes its page properties with it.
            prepare_sheet(ws, page=self.page, columns=len(columns))
            repeat_rows(ws, HEADER_ROW)
            for col_index, width in enumerate(widths, start=1):
                ws.column_dimensions[get_column_letter(col_index)].width = width
            ws.freeze_panes = f"A{FIRST_DATA_ROW}"
            ws.append([make_cell(ws, title, font=TITLE_FONT)])
            ws.append([make_cell(ws, _part_note(parts, index, len(rows)), font=NOTE_FONT)] if len(parts) > 1 else [])
            ws.append([make_cell(ws, c.header) for c in columns])
            self._stream_rows(ws, columns, rows, part)
            last_row = HEADER_ROW + part.row_count
            self._add_table(ws, columns, last_row)
            if total_fields and index == len(parts) - 1:
                ws.append(_totals_row(ws, columns, [f for f in total_fields if _has_number(rows, f)], parts))
        return [p.sheet_name for p in parts]

    def _stream_rows(
        self, ws: Any, columns: list[TableColumnPlan], rows: Sequence[dict[str, Any]], part: TableSheetPart
    ) -> None:
        converters = [_converter(ws, c, self.report_tz, after_number=i > 0 and _is_number_column(columns[i - 1]))
                      for i, c in enumerate(columns)]
        pairs = list(zip([c.field for c in columns], converters))
        append = ws.append
        end = part.first_row_index + part.row_count
        for row_index in range(part.first_row_index, end):
            row = rows[row_index]
            get = row.get
            append([convert(get(field)) for field, convert in pairs])

    def _add_table(self, ws: Any, columns: list[TableColumnPlan], last_row: int) -> None:
        ref = f"A{HEADER_ROW}:{get_column_letter(len(columns))}{last_row}"
        add_excel_table(ws, self.next_table_name(), ref, [c.header for c in columns], TABLE_STYLE)


def _converter(ws: Any, column: TableColumnPlan, report_tz: tzinfo | None, after_number: bool) -> Any:
    convert = ColumnCells(ws, column.number_format, report_tz).convert
    if column.percent:
        return percent_converter(convert)
    if column.status or (after_number and not _is_number_column(column)):
        return indented_converter(ws, convert, status=column.status)
    return convert


def _is_number_column(column: TableColumnPlan) -> bool:
    return column.percent or is_number_format(column.number_format)


def add_excel_table(ws: Any, name: str, ref: str, headers: Sequence[str], style: str) -> None:
    """An Excel Table (with its autofilter) over ``ref`` of a write-only sheet; ``headers`` = header cells' text."""
    table = Table(displayName=name, ref=ref)
    # Write-only sheets cannot be read back, so openpyxl cannot name the columns from the header
    # cells: name them here, identical to the header text (Excel repairs the file otherwise).
    table.tableColumns = [TableColumn(id=i, name=h) for i, h in enumerate(headers, start=1)]
    table.autoFilter = AutoFilter(ref=ref)
    table.tableStyleInfo = TableStyleInfo(name=style, showRowStripes=True)
    with warnings.catch_warnings():
        # openpyxl warns on every write-only add_table that columns must be added manually: done above.
        warnings.filterwarnings("ignore", message="In write-only mode you must add table columns manually")
        ws.add_table(table)


def _part_note(parts: list[TableSheetPart], index: int, total_rows: int) -> str:
    part = parts[index]
    first = part.first_row_index + 1
    last = part.first_row_index + part.row_count
    note = (
        f"Part {index + 1} of {len(parts)}: rows {first:,}–{last:,} of {total_rows:,} "
        f"(more rows than one Excel sheet holds)."
    )
    if index + 1 < len(parts):
        note += f" Continues on sheet '{parts[index + 1].sheet_name}'."
    return note


def _has_number(rows: Sequence[dict[str, Any]], field: str) -> bool:
    """Whether any row has a number in ``field``: a column with none gets no total, as in the PDF
    (Excel's SUM of empty cells would print 0 where there is no data)."""
    return any(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
               for v in (row.get(field) for row in rows))


def _totals_row(
    ws: Any, columns: list[TableColumnPlan], total_fields: list[str], parts: list[TableSheetPart]
) -> list[Any]:
    """A live SUM under the table, over every part of it (a split table totals all its sheets)."""
    row: list[Any] = []
    for col_index, column in enumerate(columns, start=1):
        if column.field in total_fields:
            letter = get_column_letter(col_index)
            ranges = ",".join(
                f"{quote_sheetname(p.sheet_name)}!{letter}{FIRST_DATA_ROW}:{letter}{HEADER_ROW + p.row_count}"
                for p in parts
            )
            # Our own formula over our own ranges: the one place a formula cell is written on purpose.
            total = WriteOnlyCell(ws, value=f"=SUM({ranges})")
            total.font = TOTAL_FONT
            total.number_format = column.number_format or "General"
            row.append(total)
        elif col_index == 1:
            row.append(make_cell(ws, "Total", font=TOTAL_FONT))
        else:
            row.append(None)
    return row


def _fitted_widths(columns: list[TableColumnPlan], rows: Sequence[dict[str, Any]]) -> list[float]:
    sample = rows[:WIDTH_SAMPLE_ROWS]
    widths = []
    for column in columns:
        longest = len(column.header) + 3  # room for the filter button
        for row in sample:
            longest = max(longest, _display_length(row.get(column.field), column.number_format))
        if column.percent:
            longest += 1  # the "%" sign
        widths.append(float(min(MAX_COLUMN_WIDTH, max(MIN_COLUMN_WIDTH, longest + 2))))
    return widths


def _display_length(value: Any, number_format: str | None) -> int:
    if value is None:
        return 0
    if isinstance(value, (date, datetime)) or (number_format and isinstance(value, str) and value[:4].isdigit()):
        return max(len(number_format or ""), 10) if not isinstance(value, datetime) else 19
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # Thousands separators and decimals of the format make numbers wider than repr().
        return len(f"{value:,.2f}") if isinstance(value, float) else len(f"{value:,}")
    text = str(value)
    return max((len(line) for line in text.splitlines()), default=0)
