"""Cell safety for the workbook: text that can never become a formula, never break the file, never fail.

Every string that reaches a worksheet (data, parameters, titles, labels) passes through here.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.cell import WriteOnlyCell

from reporting.pipeline.rendering.fonts import UNPRINTABLE_CHARACTERS

# Excel (and LibreOffice/Sheets) treat text starting with these as a formula when the cell is edited
# or the file is exported to CSV (OWASP "CSV/formula injection").
FORMULA_TRIGGERS = frozenset("=+-@\t\r\n")

# Every font this workbook sets names the workbook's own body font: without a name, LibreOffice (and
# so a printed PDF of the workbook) falls back to a serif face for headings and labels.
CELL_FONT = "Calibri"

# Excel's hard limit for the text of one cell.
MAX_CELL_CHARS = 32_767
TRUNCATION_MARKER = "… [truncated]"
REPLACEMENT_CHARACTER = "\ufffd"

MAX_SHEET_NAME_CHARS = 31
_SHEET_NAME_FORBIDDEN = str.maketrans({ch: "_" for ch in "[]:*?/\\"})
# Excel refuses this name for a user sheet.
_RESERVED_SHEET_NAMES = frozenset({"history"})


def clean_text(text: str) -> str:
    """Text an .xlsx can hold: control characters replaced, length capped with a visible marker.

    The PDF's rule for control characters (``printable_text``), except that TAB and line breaks stay
    (a cell shows them) and a removed character leaves a visible U+FFFD: openpyxl refuses most C0
    characters (IllegalCharacterError) and Excel shows DEL and C1 as nothing.
    """
    if not text.isprintable() and UNPRINTABLE_CHARACTERS.search(text) is not None:
        text = UNPRINTABLE_CHARACTERS.sub(REPLACEMENT_CHARACTER, text)
    if len(text) > MAX_CELL_CHARS:
        text = text[: MAX_CELL_CHARS - len(TRUNCATION_MARKER)] + TRUNCATION_MARKER
    return text


def needs_quote_prefix(text: str) -> bool:
    """True when Excel would read this text as a formula (so it must be stored quote-prefixed)."""
    return bool(text) and text[0] in FORMULA_TRIGGERS


def sanitize_sheet_name(name: str, taken: set[str]) -> str:
    """A valid, unique (case-insensitively) sheet name; records it in ``taken`` (lower-cased names)."""
    base = UNPRINTABLE_CHARACTERS.sub("_", str(name).replace("\t", "_").replace("\n", "_").replace("\r", "_"))
    base = base.translate(_SHEET_NAME_FORBIDDEN)
    # Excel refuses names that start or end with an apostrophe.
    base = base.strip().strip("'").strip() or "Sheet"
    if base.lower() in _RESERVED_SHEET_NAMES:
        base = f"{base}_"
    base = base[:MAX_SHEET_NAME_CHARS].rstrip() or "Sheet"
    candidate = base
    counter = 2
    while candidate.lower() in taken:
        suffix = f" ({counter})"
        candidate = base[: MAX_SHEET_NAME_CHARS - len(suffix)].rstrip() + suffix
        counter += 1
    taken.add(candidate.lower())
    return candidate


def unique_header_names(labels: Iterable[str]) -> list[str]:
    """Table column names: non-empty, single-line, unique case-insensitively (Excel repairs the file otherwise)."""
    names: list[str] = []
    seen: set[str] = set()
    for index, label in enumerate(labels, start=1):
        base = " ".join(clean_text(str(label)).split()) or f"Column {index}"
        candidate = base
        counter = 2
        while candidate.lower() in seen:
            candidate = f"{base} ({counter})"
            counter += 1
        seen.add(candidate.lower())
        names.append(candidate)
    return names


def guard_cell(cell: WriteOnlyCell, text: str) -> WriteOnlyCell:
    """Store already-cleaned ``text`` in ``cell`` so it shows unchanged and can never act as a formula."""
    cell.value = text
    if needs_quote_prefix(text):
        # openpyxl infers a formula from a leading "="; force a plain string and let Excel show it
        # verbatim (quotePrefix is the apostrophe Excel adds when a user types '=...).
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def make_cell(ws: Any, value: Any, **style: Any) -> WriteOnlyCell:
    """A styled write-only cell for one-off values (titles, labels, summary lines); text is made safe."""
    cell = WriteOnlyCell(ws)
    for name, setting in style.items():
        setattr(cell, name, setting)
    if isinstance(value, str):
        return guard_cell(cell, clean_text(value))
    cell.value = value
    return cell
