"""One KPI row of the Summary sheet, read the way the PDF's KPI card reads.

Value, previous and target are numbers under the KPI's own format: a percentage (unit "%") is stored
as value/100 under "0.0%", another unit is part of the format ("13 items"), so every cell stays a
number Excel can compute with. A KPI without data gets an empty value cell carrying a comment
with the reader's note (never a 0), no status, and the note in the Note column (comments do not print).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font

from reporting.pipeline.rendering import presentation
from reporting.pipeline.rendering.xlsx.cells import CELL_FONT, clean_text, make_cell
from reporting.pipeline.rendering.xlsx.values import STATUS_ALIGNMENT

KPI_HEADERS = ("Group", "KPI", "Value", "Status", "Change", "Previous", "Target", "Note")
COMMENT_AUTHOR = "QMS Reporting"
NO_DATA_FONT = Font(name=CELL_FONT, italic=True, color="6B7280")
# What a unit keeps inside its quoted number-format literal: letters, digits, spaces and a few signs.
# Quotes, backslashes, ";" (a format section), "[", "]" and "@" could end the literal or confuse readers.
_UNIT_SAFE_SIGNS = frozenset(" /.-_°µ²³'()·")
MAX_UNIT_CHARS = 24


@dataclass(frozen=True)
class KpiRow:
    group: str
    row: dict[str, Any]  # a processors' KPI row (see presentation's contract)


def value_format(row: dict[str, Any]) -> str:
    """The number format of the KPI's value, previous and target cells."""
    decimals = presentation.row_decimals(row)
    fraction = "." + "0" * decimals if decimals else ""
    if presentation.is_percent_unit(row.get("unit")):
        return f"0{fraction}%"
    unit = "".join(ch for ch in str(row.get("unit") or "") if ch.isalnum() or ch in _UNIT_SAFE_SIGNS)
    unit = unit.strip()[:MAX_UNIT_CHARS]
    return f'#,##0{fraction}" {unit}"' if unit else f"#,##0{fraction}"


def kpi_cells(ws: Any, kpi: KpiRow) -> list[Any]:
    row = kpi.row
    fmt = value_format(row)
    percent = presentation.is_percent_unit(row.get("unit"))
    has_value = presentation.is_number(row.get("value"))
    value = _number_cell(ws, row.get("value"), fmt, percent) if has_value else _no_data_cell(ws, row)
    # Only a status word shows (as on the PDF card); anything else is no status.
    status = presentation.status_label(presentation.status_key(row.get("status"))) if has_value else ""
    change = presentation.kpi_trend_text(row) if has_value else ""
    change_cell = None
    if change:
        colour = presentation.assessment_colour(presentation.kpi_assessment(row)).lstrip("#").upper()
        change_cell = make_cell(ws, change, font=Font(name=CELL_FONT, color=colour, bold=True))
    note = "" if has_value else (presentation.kpi_note(row) or presentation.NO_DATA)
    return [
        make_cell(ws, kpi.group),
        make_cell(ws, presentation.kpi_name(row)),
        value,
        make_cell(ws, status, alignment=STATUS_ALIGNMENT) if status else None,
        change_cell,
        _number_cell(ws, row.get("previous"), fmt, percent),
        _number_cell(ws, row.get("target"), fmt, percent),
        make_cell(ws, note, font=NO_DATA_FONT) if note else None,
    ]


def _number_cell(ws: Any, value: Any, fmt: str, percent: bool) -> Any:
    if not presentation.is_number(value):
        return None
    cell = WriteOnlyCell(ws)
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    # Full precision (98.25 stays 98.25); only the format rounds, half-up like the PDF.
    cell.value = float(number / 100) if percent else (value if not isinstance(value, Decimal) else float(value))
    cell.number_format = fmt
    return cell


def _no_data_cell(ws: Any, row: dict[str, Any]) -> WriteOnlyCell:
    """An empty cell (a missing value is never 0) whose comment says why it is empty."""
    cell = WriteOnlyCell(ws)
    text = clean_text(presentation.kpi_note(row) or presentation.NO_DATA)
    comment = Comment(text[:2_000], COMMENT_AUTHOR)
    comment.width, comment.height = 300, 80
    cell.comment = comment
    return cell
