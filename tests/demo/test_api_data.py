"""Demo analytics payloads: deterministic, and exactly what the QMS processors consume."""
from __future__ import annotations

import json
from datetime import date

import pytest

from demo.api_data import DEPARTMENTS, QUALITY_METRICS, demo_payload
from reporting.pipeline.processors.registry import registered_processors, run_processors

OCTOBER = {"start": date(2026, 10, 1), "end": date(2026, 10, 31)}
SOURCES = ("quality_metrics", "training_metrics", "document_metrics", "department_data")


@pytest.mark.parametrize("source", SOURCES)
def test_same_inputs_give_the_same_payload_and_inputs_matter(source):
    first = demo_payload(source, **OCTOBER, department=None)
    assert demo_payload(source, **OCTOBER, department=None) == first
    assert demo_payload(source, **OCTOBER, department="All") == first  # None and "All" mean the same
    assert demo_payload(source, start=date(2026, 9, 1), end=date(2026, 9, 30), department=None) != first
    assert demo_payload(source, **OCTOBER, department="R&D") != first
    json.dumps(first)  # JSON-serialisable as the view returns it


def test_processors_consume_demo_data_without_warnings():
    sources = {s: demo_payload(s, **OCTOBER, department=None) for s in SOURCES}
    result = run_processors(names=registered_processors(), sources=sources, parameters={})

    assert result.warnings == []
    assert [k["name"] for k in result.data["kpis"]] == [n.replace("_", " ").title() for n in QUALITY_METRICS]
    assert [r["name"] for r in result.data["departments"]] == list(DEPARTMENTS)
    assert [r["department"] for r in result.data["compliance_status"]] == list(DEPARTMENTS)
    assert {r["stage"] for r in result.data["workflow_analysis"]} == {"Draft", "Review", "Approval", "Training", "Effective"}
    assert result.data["summary"]["total_kpis"] == 10
    # A one-month period still has six months of trend, ending with the period.
    assert [r["period"] for r in result.data["quality_trends"]] == [
        "2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"
    ]


def test_quality_average_is_the_mean_of_the_period_and_previous_is_the_month_before():
    metrics = demo_payload("quality_metrics", start=date(2026, 7, 1), end=date(2026, 9, 30), department=None)[
        "data"
    ]["metrics"]
    series = metrics["quality_score"]["series"]
    by_period = {p["period"]: p["value"] for p in series}
    assert metrics["quality_score"]["average"] == round(
        (by_period["2026-07"] + by_period["2026-08"] + by_period["2026-09"]) / 3, 2
    )
    assert metrics["quality_score"]["previous_average"] == by_period["2026-06"]
    assert series[-1]["period"] == "2026-09"


def test_department_filter_keeps_one_department_including_non_latin1_names():
    data = demo_payload("department_data", **OCTOBER, department="Łódź Packaging")["data"]
    assert [d["name"] for d in data["departments"]] == ["Łódź Packaging"]
    training = demo_payload("training_metrics", **OCTOBER, department="Łódź Packaging")["data"]
    assert [d["name"] for d in training["departments"]] == ["Łódź Packaging"]
    assert training["completion_rate"] == training["departments"][0]["completion_rate"]


def test_values_stay_in_plausible_ranges_over_a_year():
    for month in range(1, 13):
        start, end = date(2025, month, 1), date(2025, month, 28)
        departments = demo_payload("department_data", start=start, end=end, department=None)["data"]["departments"]
        assert all(70 <= d["quality_score"] <= 100 and d["last_audit"] <= end.isoformat() for d in departments)
        metrics = demo_payload("quality_metrics", start=start, end=end, department=None)["data"]["metrics"]
        assert all(
            low <= point["value"] <= high
            for name, (low, high, _) in QUALITY_METRICS.items()
            for point in metrics[name]["series"]
        )


def test_unknown_source_department_or_reversed_period_raise_value_error():
    with pytest.raises(ValueError, match="unknown demo source 'secrets'"):
        demo_payload("secrets", **OCTOBER, department=None)
    with pytest.raises(ValueError, match="unknown department"):
        demo_payload("quality_metrics", **OCTOBER, department="Marketing")
    with pytest.raises(ValueError, match="start is after end"):
        demo_payload("quality_metrics", start=date(2026, 11, 1), end=date(2026, 10, 1), department=None)
