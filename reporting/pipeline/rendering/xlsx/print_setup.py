"""Print setup for every sheet: the spec page's paper, fit to one page width, landscape where the
sheet is wide, and the header rows repeated on every printed page.

Write-only sheets write their ``sheetPr`` (fit-to-page) with the first row: call
``prepare_sheet`` before anything is appended; ``repeat_rows`` and breaks may come later.
"""
from __future__ import annotations

from typing import Any

from openpyxl.worksheet.properties import PageSetupProperties

# More columns than this print in landscape: six text/number columns are about a portrait A4's width.
LANDSCAPE_FROM_COLUMNS = 7
PAPER_SIZES = {"a4": 9, "letter": 1}  # OOXML paperSize codes (ST_PaperSize)


def prepare_sheet(ws: Any, *, page: Any = None, columns: int = 0, landscape: bool | None = None) -> None:
    """Paper from the spec page (A4/Letter), fit to width (any number of pages tall), landscape when
    the spec page is landscape, the sheet has more than ``LANDSCAPE_FROM_COLUMNS - 1`` columns or the
    caller says so."""
    size = str(getattr(page, "size", "") or "A4").strip().lower()
    ws.page_setup.paperSize = PAPER_SIZES.get(size, PAPER_SIZES["a4"])
    wide = columns >= LANDSCAPE_FROM_COLUMNS
    page_landscape = str(getattr(page, "orientation", "") or "").lower() == "landscape"
    turn = landscape if landscape is not None else (wide or page_landscape)
    ws.page_setup.orientation = "landscape" if turn else "portrait"
    properties = ws.sheet_properties
    if properties.pageSetUpPr is None:
        properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    else:
        properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages tall as the rows need
    ws.print_options.horizontalCentered = False
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6


def repeat_rows(ws: Any, first: int, last: int | None = None) -> None:
    """Rows ``first``..``last`` (a table's header) printed at the top of every page."""
    ws.print_title_rows = f"{first}:{last or first}"
