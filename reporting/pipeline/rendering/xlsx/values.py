"""Typed values for table cells: numbers stay numbers, ISO dates become dates, text is made safe.

Hot path (100k+ rows): one converter per column, picked once, so each value costs a few type checks.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date, datetime, time, tzinfo
from decimal import Decimal
from typing import Any

from openpyxl.cell import Cell
from openpyxl.styles import Alignment
from openpyxl.styles.numbers import is_date_format

from reporting.pipeline.rendering.presentation import boolean_label, is_status_vocabulary, status_label
from reporting.pipeline.rendering.xlsx.cells import FORMULA_TRIGGERS, clean_text
from reporting.pipeline.rendering.xlsx.stream import StyleCachedCell

_ISO_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_ISO_DATETIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
# Plain decimal numbers only (no "1_000", "nan", "inf" that float() would also accept).
_NUMBER_RE = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?\Z")

ColumnConverter = Callable[[Any], Any]


def excel_datetime(value: datetime, report_tz: tzinfo | None) -> datetime:
    """Excel has no time zones: show an aware datetime as wall-clock time in the report's zone."""
    if value.tzinfo is None:
        return value
    return value.astimezone(report_tz).replace(tzinfo=None) if report_tz else value.replace(tzinfo=None)


def parse_iso_date(text: str) -> date | datetime | None:
    if _ISO_DATE_RE.match(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    if _ISO_DATETIME_RE.match(text):
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            return None
    return None


def parse_number(text: str) -> int | float | None:
    stripped = text.strip()
    if not _NUMBER_RE.match(stripped):
        return None
    if "." in stripped or "e" in stripped or "E" in stripped:
        return float(stripped)
    return int(stripped)


class ColumnCells:
    """The value converter of one table column, re-using two cell objects for every row.

    openpyxl's write-only sheet serialises a row as soon as it is appended, so one styled cell per
    column can carry each row's value: the number-format style is looked up once, not per cell.
    """

    def __init__(self, worksheet: Any, number_format: str | None, report_tz: tzinfo | None):
        self.number_format = number_format
        self.report_tz = report_tz
        self.is_date_column = is_date_format(number_format)
        self._formatted = StyleCachedCell(worksheet)
        if number_format:
            self._formatted.number_format = number_format
        self._guarded = StyleCachedCell(worksheet)
        self._guarded.quotePrefix = True
        if number_format:
            self._guarded.number_format = number_format
        self.convert: ColumnConverter = self._convert_formatted if number_format else self._convert_general

    # --- per-value conversion -------------------------------------------------------------------------

    def _convert_general(self, value: Any) -> Any:
        kind = type(value)
        if kind is str:
            parsed = self._iso_date(value) if len(value) >= 10 and value[4:5] == "-" else None
            return self._text(value) if parsed is None else parsed
        if kind is int or value is None:
            return value
        if kind is float:
            return value if math.isfinite(value) else None
        return self._other(value, formatted=False)

    def _convert_formatted(self, value: Any) -> Any:
        kind = type(value)
        if kind is int:
            return self._with_format(value)
        if kind is float:
            return self._with_format(value) if math.isfinite(value) else None
        if value is None:
            return None
        if kind is date:
            return self._with_date(value) if self.is_date_column else self._with_format(value)
        if kind is str:
            parsed: Any = self._iso_date(value) if self.is_date_column else parse_number(value)
            return self._text(value) if parsed is None else self._with_format(parsed)
        return self._other(value, formatted=True)

    def _iso_date(self, text: str) -> date | datetime | None:
        parsed = parse_iso_date(text)
        return excel_datetime(parsed, self.report_tz) if isinstance(parsed, datetime) else parsed

    def _with_format(self, value: Any) -> Cell:
        cell = self._formatted
        cell.value = value
        return cell

    def _with_date(self, value: date) -> Cell:
        # What openpyxl's value setter does for a date, less its per-value check that the cell's
        # format is a date format: this column's is (is_date_column).
        cell = self._formatted
        cell._value = value
        cell.data_type = "d"
        return cell

    def _text(self, text: str) -> Any:
        if text:
            text = clean_text(text)
            if text and text[0] in FORMULA_TRIGGERS:
                cell = self._guarded
                cell.value = text
                # openpyxl infers a formula from a leading "="; this is data, so it stays a string.
                cell.data_type = "s"
                return cell
        return text

    def _other(self, value: Any, *, formatted: bool) -> Any:
        if isinstance(value, bool):
            # "Yes"/"No" as the PDF prints them (presentation.boolean_label), not Excel's TRUE/FALSE.
            return boolean_label(value)
        if isinstance(value, datetime):
            value = excel_datetime(value, self.report_tz)
        elif isinstance(value, Decimal):
            if not value.is_finite():
                return None
        elif isinstance(value, (int, float)):  # int/float subclasses (IntEnum, ...): store the plain number
            value = float(value) if isinstance(value, float) else int(value)
            if isinstance(value, float) and not math.isfinite(value):
                return None
        elif not isinstance(value, (date, time)):
            return self._text(str(value))
        return self._with_format(value) if formatted else value


def percent_converter(convert: ColumnConverter) -> ColumnConverter:
    """A percent column (unit "%", values 0..100): the cell holds value/100 under a percent format,
    so Excel computes with the real fraction and shows "82.8%"."""
    def to_fraction(value: Any) -> Any:
        if isinstance(value, bool):
            return convert(value)
        if isinstance(value, str):
            parsed = parse_number(value)
            value = value if parsed is None else parsed
        if isinstance(value, Decimal):
            return convert(value / 100 if value.is_finite() else None)
        if isinstance(value, (int, float)):
            # Decimal division keeps 82.8 -> 0.828 (float 82.8 / 100 is 0.8280000000000001).
            return convert(float(Decimal(repr(value)) / 100) if math.isfinite(value) else None)
        return convert(value)

    return to_fraction


STATUS_ALIGNMENT = Alignment(horizontal="left", indent=1)  # clear of a right-aligned number in the column before


def indented_converter(worksheet: Any, convert: ColumnConverter, *, status: bool) -> ColumnConverter:
    """A text column after a number column (as the PDF pads it), or a status column: its text indented
    a little; a status column's words as the PDF prints them ("Good", not "good").

    One cell object carries every row's text (the row is written as soon as it is appended)."""
    cell = StyleCachedCell(worksheet)
    cell.alignment = STATUS_ALIGNMENT

    def to_indented(value: Any) -> Any:
        if status and isinstance(value, str) and is_status_vocabulary(value):
            value = status_label(value)
        converted = convert(value)
        if isinstance(converted, str) and converted:
            cell.value = converted
            return cell
        if isinstance(converted, Cell) and converted.data_type == "s":
            converted.alignment = STATUS_ALIGNMENT
        return converted

    return to_indented
