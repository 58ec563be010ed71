"""Typed table cells as a reader sees them after reopening the workbook."""
from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest

from reporting.pipeline.rendering.xlsx import XlsxRenderer
from tests.reporting.pipeline.rendering.factories_xlsx import table_context


def first_data_cell(value, number_format=None):
    column = {"field": "v", "label": "V"}
    if number_format:
        column["format"] = number_format
    out = io.BytesIO()
    XlsxRenderer().render(table_context([{"v": value}], [column]), out)
    return openpyxl.load_workbook(io.BytesIO(out.getvalue()))["Data"]["A4"]


@pytest.mark.parametrize(
    ("value", "number_format", "expected", "data_type"),
    [
        ("12.5", "0.0", 12.5, "n"),  # numeric text in a number column becomes a number
        ("-7", "#,##0", -7, "n"),
        ("1_000", "0", "1_000", "s"),  # float() would accept it; a reader would not call it a number
        ("nan", "0.0", "nan", "s"),
        (float("nan"), "0.0", None, "n"),  # Excel has no NaN: left empty rather than a corrupt file
        (float("inf"), None, None, "n"),
        (Decimal("3.25"), "0.00", 3.25, "n"),
        (True, None, "Yes", "s"),  # as the PDF prints it (presentation.boolean_label), not TRUE
        (False, "0", "No", "s"),
        ("2026-10-31", None, datetime(2026, 10, 31), "d"),  # ISO dates become dates even without a format
        ("2026-10-31T08:15:00", "yyyy-mm-dd hh:mm", datetime(2026, 10, 31, 8, 15), "d"),
        # With an offset: shown in the report's zone (Europe/Warsaw), as Excel has no time zones.
        ("2026-10-31T08:15:00+00:00", "yyyy-mm-dd hh:mm", datetime(2026, 10, 31, 9, 15), "d"),
        ("2026-10-31T08:15:00Z", None, datetime(2026, 10, 31, 9, 15), "d"),
        ("2026-13-45", "yyyy-mm-dd", "2026-13-45", "s"),  # not a real date: kept as the text it is
        ("2026-08", None, "2026-08", "s"),
        (date(2026, 1, 2), "d mmm yyyy", datetime(2026, 1, 2), "d"),
        ({"nested": 1}, None, "{'nested': 1}", "s"),
    ],
)
def test_values_are_typed_like_a_reader_expects(value, number_format, expected, data_type):
    cell = first_data_cell(value, number_format)
    assert cell.value == expected
    if expected is not None:
        assert cell.data_type == data_type
    if number_format and expected is not None and data_type in ("n", "d"):
        assert cell.number_format == number_format


def test_minus_text_in_a_number_column_that_is_not_a_number_stays_guarded_text():
    cell = first_data_cell("-not a number", "0")
    assert (cell.value, cell.data_type, cell.quotePrefix) == ("-not a number", "s", True)
