"""The workbook's "About" sheet: the run manifest, the same lines as the PDF's record page."""
from __future__ import annotations

from typing import Any

from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Font

from reporting.pipeline.rendering.record import RECORD_TITLE, record_groups, record_keywords
from reporting.pipeline.rendering.xlsx.cells import CELL_FONT, make_cell

ABOUT_SHEET = "About"
_TITLE = Font(name=CELL_FONT, bold=True, size=14)
_HEADING = Font(name=CELL_FONT, bold=True, size=11)
_LABEL = Font(name=CELL_FONT, bold=True)
_VALUE = Font(name=CELL_FONT)
_WRAP = Alignment(wrap_text=True, vertical="top")


def about_sheet_write(workbook: Any, sheet_name: str, manifest: dict[str, Any] | None) -> None:
    if not manifest:
        return
    ws = workbook.create_sheet(sheet_name)
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 100
    ws.append([make_cell(ws, RECORD_TITLE, font=_TITLE)])
    for title, lines in record_groups(manifest):
        ws.append([])
        ws.append([make_cell(ws, title, font=_HEADING)])
        for label, value in lines:
            ws.append([make_cell(ws, label, font=_LABEL, alignment=_WRAP),
                       make_cell(ws, value, font=_VALUE, alignment=_WRAP)])
    # The job in the file's metadata too, where verify_report reads it.
    workbook.properties.keywords = record_keywords(manifest)
    workbook.custom_doc_props.append(StringProperty(name="QMS job", value=str((manifest.get("job") or {}).get("id", ""))))
