"""The one presentation every output reads values through (issue 13)."""
from __future__ import annotations

import pytest

from reporting.pipeline.rendering import presentation as p


@pytest.mark.parametrize("status, label", [
    ("excellent", "Excellent"), ("GOOD", "Good"), (" warning ", "Warning"), ("Critical", "Critical"),
    (None, ""), ("", ""), ("on hold", "on hold"),
])
def test_status_label(status, label):
    assert p.status_label(status) == label


def test_boolean_label():
    assert (p.boolean_label(True), p.boolean_label(False)) == ("Yes", "No")


@pytest.mark.parametrize("value, decimals, text", [
    (98.25, 1, "98.3"), (98.35, 1, "98.4"), (0.125, 2, "0.13"), (-2.5, 0, "-3"), (1234567.891, 2, "1,234,567.89"),
    (13, None, "13"), (82.84, None, "82.8"), (-0.04, 1, "0.0"), (None, 1, ""),
])
def test_display_number_rounds_half_up(value, decimals, text):
    assert p.display_number(value, decimals) == text


def test_kpi_value_text():
    assert p.kpi_value_text({"value": 82.84, "unit": "%"}) == "82.8 %"
    assert p.kpi_value_text({"value": 13, "unit": "items"}) == "13 items"
    assert p.kpi_value_text({"value": 98.25, "unit": "%", "decimals": 1}) == "98.3 %"
    assert p.kpi_value_text({"value": None, "unit": "%"}) == "No data"
    assert p.kpi_value_text({"value": 4.0, "unit": "days", "decimals": 2}) == "4.00 days"


def test_kpi_change_text():
    row = {"value": 82.8, "previous": 81.4, "previous_label": "Oct"}
    assert p.kpi_change_text(row) == "▲ 1.4 vs Oct"
    fell = {"value": 80.0, "previous": 82.0, "previous_label": "Oct", "decimals": 1}
    assert p.kpi_change_text(fell) == "▼ 2.0 vs Oct"
    assert p.kpi_change_text({"value": 80.0, "previous": 80.04, "previous_label": "Oct", "decimals": 1}) == "= vs Oct"
    assert p.kpi_change_text({"value": 80.0, "previous": None}) == ""
    assert p.kpi_change_text({"value": 80.0}) == ""
    assert p.kpi_change_text({"value": 5, "previous": 3, "change": 2}) == "▲ 2 vs previous"


def test_assessment_follows_direction():
    # CAPA closure time going up is bad news.
    assert p.kpi_assessment({"value": 32, "previous": 28, "direction": "lower"}) == "worse"
    assert p.kpi_assessment({"value": 32, "previous": 28, "direction": "higher"}) == "better"
    assert p.kpi_assessment({"trend": "up", "direction": "lower"}) == "worse"
    assert p.kpi_assessment({"trend": "up"}) is None
    assert p.kpi_assessment({"value": 1, "previous": 2, "assessment": "unchanged"}) == "unchanged"
    assert p.assessment_colour("better") != p.assessment_colour("worse")
    assert p.assessment_colour(None) == p.assessment_colour("unchanged")


def test_status_column_detection():
    assert p.is_status_column("status", [])
    assert p.is_status_column("rating", ["good", None, "Critical"])
    assert not p.is_status_column("rating", ["good", "fine"])
    assert not p.is_status_column("rating", [None, ""])


def test_display_value():
    assert p.display_value(None) == "—"
    assert p.display_value(True) == "Yes"
    assert p.display_value(82.84, unit="%", decimals=1) == "82.8 %"
    assert p.display_value("warning") == "Warning"


def test_percent_formats_of_a_percent_column():
    from reporting.pipeline.rendering.formats import percent_format, without_percent

    assert percent_format("0.0") == "0.0%"
    assert percent_format(None) == "0.0%"
    assert percent_format("0.0%") == "0.0%"
    assert percent_format("#,##0;-#,##0") == "#,##0%;-#,##0%"
    assert without_percent("0.0%") == "0.0"
