"""Demo analytics payloads: one dataset, so every figure agrees with every other and nothing is invented."""
from __future__ import annotations

import dataclasses
import json
import math
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demo.aggregate import document_figures, quality_figures, totals, training_figures
from demo.api_data import DEPARTMENTS, QUALITY_METRICS, BadParameter, UnknownSource, demo_payload
from demo.facts import dataset
from reporting.pipeline.processors.registry import registered_processors, run_processors

TODAY = date(2026, 11, 17)
OCTOBER = {"start": date(2026, 10, 1), "end": date(2026, 10, 31), "today": TODAY}
SOURCES = ("quality_metrics", "training_metrics", "document_metrics", "department_data")
RATE_WEIGHTS = {  # department_data rate -> the count it is a mean over
    "quality_score": None, "defect_rate": "inspections", "first_pass_yield_percentage": "units_produced",
    "compliance_rate": "audit_checks_total", "capa_closure_time": "capas_closed",
    "training_completion": "training_assigned", "avg_approval_days": "documents_approved",
}
COUNTS = ("overdue_training", "documents_created", "open_capas", "nonconformance_count", "inspections", "defects",
          "units_produced", "units_passed_first_time", "audit_checks_total", "audit_checks_passed", "capas_opened",
          "capas_closed", "capa_closure_days_total", "training_assigned", "training_completed", "documents_approved",
          "approval_days_total")


def data(source, department=None, **period):
    return demo_payload(source, department=department, **period)["data"]


def close(a, b):
    return (a is None and b is None) or (a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9))


@pytest.mark.parametrize("source", SOURCES)
def test_same_inputs_give_the_same_payload_and_inputs_matter(source):
    first = demo_payload(source, **OCTOBER, department=None)
    assert demo_payload(source, **OCTOBER, department=None) == first
    assert demo_payload(source, **OCTOBER, department="All") == first  # None and "All" mean the same
    assert demo_payload(source, start=date(2026, 9, 1), end=date(2026, 9, 30), today=TODAY, department=None) != first
    assert demo_payload(source, **OCTOBER, department="R&D") != first
    json.dumps(first, allow_nan=False)  # JSON-serialisable as the view returns it


def test_a_month_has_the_same_figures_whatever_period_it_is_asked_in():
    june = {name: m["average"] for name, m in data("quality_metrics", start=date(2025, 6, 1),
                                                    end=date(2025, 6, 30), today=TODAY)["metrics"].items()}
    for start, end in ((date(2025, 4, 1), date(2025, 6, 30)), (date(2024, 1, 1), date(2026, 11, 17)),
                       (date(2025, 6, 1), date(2025, 9, 15))):
        metrics = data("quality_metrics", start=start, end=end, today=TODAY)["metrics"]
        for name, metric in metrics.items():
            (point,) = [p for p in metric["series"] if p["period"] == "2025-06"]
            assert point["value"] == june[name]


def test_processors_consume_demo_data_without_warnings():
    sources = {s: demo_payload(s, **OCTOBER, department=None) for s in SOURCES}
    result = run_processors(names=registered_processors(), sources=sources, parameters={})

    assert result.warnings == []
    assert [k["name"] for k in result.data["kpis"]] == [n.replace("_", " ").title() for n in QUALITY_METRICS]
    assert [r["name"] for r in result.data["departments"]] == list(DEPARTMENTS)
    assert [r["department"] for r in result.data["compliance_status"]] == list(DEPARTMENTS)
    assert [r["stage"] for r in result.data["workflow_analysis"]] == ["Draft", "Review", "Approval", "Training",
                                                                     "Effective"]
    # A one-month period still has six months of trend, ending with the period.
    assert [r["period"] for r in result.data["quality_trends"]] == [
        "2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"
    ]


def test_average_is_the_ratio_of_sums_and_previous_is_the_equally_long_period_before():
    quarter = {"start": date(2026, 7, 1), "end": date(2026, 9, 30), "today": TODAY}
    payload = data("quality_metrics", **quarter)
    rows = data("department_data", **quarter)["departments"]
    defect_rate = payload["metrics"]["defect_rate"]
    assert close(defect_rate["average"], sum(r["defects"] for r in rows) / sum(r["inspections"] for r in rows) * 100)
    monthly = [p["value"] for p in defect_rate["series"] if p["period"] >= "2026-07"]
    assert defect_rate["average"] != sum(monthly) / 3  # not a mean of monthly rates
    assert payload["metrics"]["nonconformance_count"]["average"] == sum(r["nonconformance_count"] for r in rows)

    assert payload["previous_period"] == {"start": "2026-04-01", "end": "2026-06-30"}
    before = data("quality_metrics", start=date(2026, 4, 1), end=date(2026, 6, 30), today=TODAY)["metrics"]
    for name, metric in payload["metrics"].items():
        assert metric["previous_average"] == before[name]["average"]


def test_the_quality_score_is_the_documented_weighted_combination():
    row = data("department_data", "Łódź Packaging", **OCTOBER)["departments"][0]
    expected = (0.4 * row["units_passed_first_time"] / row["units_produced"] * 100
                + 0.3 * row["audit_checks_passed"] / row["audit_checks_total"] * 100
                + 0.3 * (100 - row["defects"] / row["inspections"] * 100))
    assert close(row["quality_score"], expected) and 0 <= row["quality_score"] <= 100


@settings(max_examples=60, deadline=None)
@given(
    first=st.dates(min_value=date(2023, 6, 1), max_value=date(2027, 6, 30)),
    last=st.dates(min_value=date(2023, 6, 1), max_value=date(2027, 6, 30)),
    today=st.dates(min_value=date(2023, 12, 20), max_value=date(2027, 2, 28)),
)
def test_every_figure_agrees_with_every_other(first, last, today):
    period = {"start": min(first, last), "end": max(first, last), "today": today}
    everything = {s: data(s, **period) for s in SOURCES}
    rows = everything["department_data"]["departments"]
    for source, payload in everything.items():
        assert_coverage(payload, **period)
        assert_no_future_months(payload, today)
    if everything["department_data"]["coverage"]["through"] is None:
        assert rows == [] and everything["quality_metrics"]["metrics"] == {}
        assert everything["training_metrics"]["departments"] == []
        assert everything["training_metrics"]["completion_rate"] is None
        assert everything["document_metrics"]["documents_created"] is None
        return

    assert [r["name"] for r in rows] == list(DEPARTMENTS)
    all_row = everything["department_data"]["totals"]
    assert_figures_match(all_row, everything)
    for key in COUNTS:  # the department rows add up to the all-department figures ...
        assert sum(r[key] for r in rows) == all_row[key], key
    for rate, weight in RATE_WEIGHTS.items():  # ... and their rates are the weighted means
        if weight is not None and all(r[rate] is not None for r in rows) and all_row[weight]:
            assert close(sum(r[rate] * r[weight] for r in rows) / all_row[weight], all_row[rate]), rate
    training_rows = everything["training_metrics"]["departments"]
    assert sum(r["assigned"] for r in training_rows) == everything["training_metrics"]["assigned_count"]
    assert sum(r["overdue_count"] for r in training_rows) == everything["training_metrics"]["overdue_count"]
    assert sum(r["completed"] for r in training_rows) == everything["training_metrics"]["completed_count"]

    for row, training_row in zip(rows, training_rows):  # a department's row is what its filter answers
        alone = {s: data(s, row["name"], **period) for s in SOURCES}
        assert alone["department_data"]["departments"] == [row]
        assert_figures_match(row, alone)
        assert alone["training_metrics"]["departments"] == [training_row]
        assert training_row["completion_rate"] == row["training_completion"]


def assert_figures_match(row, payloads):
    quality = payloads["quality_metrics"]["metrics"]
    training, documents = payloads["training_metrics"], payloads["document_metrics"]
    for name in QUALITY_METRICS:
        assert row[name] == quality[name]["average"], name
    assert row["training_completion"] == training["completion_rate"]
    assert row["overdue_training"] == training["overdue_count"]
    assert row["training_assigned"] == training["assigned_count"]
    assert row["documents_created"] == documents["documents_created"]
    assert row["documents_approved"] == documents["documents_approved"]
    assert row["avg_approval_days"] == documents["average_approval_time"]
    assert sum(s["documents"] for s in documents["workflow_stages"]) == documents["documents_created"]


def assert_coverage(payload, *, start, end, today):
    coverage = payload["coverage"]
    has_data = max(start, date(2024, 1, 1)) <= min(end, today)
    if has_data:
        assert coverage == {"from": max(start, date(2024, 1, 1)).isoformat(), "through": min(end, today).isoformat(),
                            "complete": start >= date(2024, 1, 1) and end <= today}
        assert payload["no_data_reason"] is None
    else:
        assert coverage == {"from": None, "through": None, "complete": False}
        assert payload["no_data_reason"].startswith("No data for this period: the demo data runs from 1 Jan 2024 to ")


def assert_no_future_months(payload, today):
    for metric in payload.get("metrics", {}).values():
        periods = [p["period"] for p in metric["series"]]
        assert periods == sorted(periods) and len(periods) == len(set(periods))
        assert all("2024-01" <= p <= today.isoformat()[:7] for p in periods)
    for row in payload.get("departments", []):
        if isinstance(row, dict) and row.get("last_audit"):
            assert row["last_audit"] <= min(today, date.fromisoformat(payload["period"]["end"])).isoformat()


@pytest.mark.parametrize(("start", "end"), [(date(2020, 1, 1), date(2023, 12, 31)),
                                            (date(2026, 11, 18), date(2030, 12, 31)),
                                            (date(2027, 1, 1), date(9999, 12, 31))])
@pytest.mark.parametrize("source", SOURCES)
def test_a_period_without_data_answers_no_figures_instead_of_inventing_them(source, start, end):
    payload = data(source, start=start, end=end, today=TODAY)
    assert payload["coverage"] == {"from": None, "through": None, "complete": False}
    assert payload["no_data_reason"] == "No data for this period: the demo data runs from 1 Jan 2024 to 17 Nov 2026."
    emptied = {"quality_metrics": ("metrics", {}), "training_metrics": ("departments", []),
               "document_metrics": ("workflow_stages", []), "department_data": ("departments", [])}[source]
    assert payload[emptied[0]] == emptied[1]
    assert not [v for k, v in payload.items() if isinstance(v, (int, float)) and k != "target"]  # no 0 for "none"


def test_the_whole_calendar_answers_what_exists_all_months_and_no_more():
    payload = data("quality_metrics", start=date(1, 1, 1), end=date(9999, 12, 31), today=TODAY)
    assert payload["coverage"] == {"from": "2024-01-01", "through": "2026-11-17", "complete": False}
    series = payload["metrics"]["quality_score"]["series"]
    assert len(series) == 35 and series[0]["period"] == "2024-01" and series[-1]["period"] == "2026-11"
    assert [p["complete"] for p in series[-2:]] == [True, False]  # the current month holds facts up to today
    assert payload["previous_period"] is None  # 35 months before 2024-01 are not in the dataset
    assert all(m["previous_average"] is None for m in payload["metrics"].values())


def test_a_period_partly_in_the_future_covers_the_months_up_to_today():
    payload = data("quality_metrics", start=date(2026, 10, 1), end=date(2027, 3, 31), today=TODAY)
    assert payload["coverage"] == {"from": "2026-10-01", "through": "2026-11-17", "complete": False}
    assert [p["period"] for p in payload["metrics"]["defect_rate"]["series"]][-2:] == ["2026-10", "2026-11"]
    # Not whole months (the data ends today): the previous period is as many days as are covered.
    assert payload["previous_period"] == {"start": "2026-08-14", "end": "2026-09-30"}
    points = payload["metrics"]["nonconformance_count"]["series"]
    assert [p["complete"] for p in points][-2:] == [True, False]


def test_a_period_of_days_counts_those_days_and_its_series_adds_up_to_it():
    week = {"start": date(2026, 10, 12), "end": date(2026, 10, 18), "today": TODAY}
    payload = data("quality_metrics", **week)
    assert payload["coverage"] == {"from": "2026-10-12", "through": "2026-10-18", "complete": True}
    assert payload["previous_period"] == {"start": "2026-10-05", "end": "2026-10-11"}
    october = data("department_data", start=date(2026, 10, 1), end=date(2026, 10, 31), today=TODAY)["totals"]
    seven_days = data("department_data", **week)["totals"]
    assert abs(seven_days["inspections"] / october["inspections"] - 7 / 31) < 0.01
    (point,) = [p for p in payload["metrics"]["nonconformance_count"]["series"] if p["period"] == "2026-10"]
    assert point == {"period": "2026-10", "value": seven_days["nonconformance_count"], "complete": False}
    assert payload["metrics"]["nonconformance_count"]["average"] == seven_days["nonconformance_count"]

    # Spanning two months, the series points are each month's days of the period, adding up to it.
    span = {"start": date(2026, 9, 24), "end": date(2026, 10, 7), "today": TODAY}
    series = data("quality_metrics", **span)["metrics"]["nonconformance_count"]
    in_period = [p["value"] for p in series["series"] if p["period"] in ("2026-09", "2026-10")]
    assert sum(in_period) == series["average"]
    assert [p["complete"] for p in series["series"]] == [True, True, True, True, False, False]


def test_the_default_today_is_the_real_one():
    payload = data("quality_metrics", start=date(2024, 1, 1), end=date(9999, 12, 31))
    assert payload["coverage"]["through"] == date.today().isoformat()
    assert payload["metrics"]["quality_score"]["series"][-1]["period"] == date.today().isoformat()[:7]


def test_zero_denominators_are_none_never_zero():
    fact = next(iter(dataset(TODAY).values()))
    empty = dataclasses.replace(fact, inspections=0, defects=0, units_produced=0, units_passed_first_time=0,
                                capas_closed=0, capa_closure_days_total=0, training_assigned=0, training_completed=0,
                                training_overdue=0, documents_approved=0, approval_days_total=0)
    t = totals([empty])
    assert quality_figures(t)["defect_rate"] is None and quality_figures(t)["quality_score"] is None
    assert quality_figures(t)["first_pass_yield_percentage"] is None and quality_figures(t)["capa_closure_time"] is None
    assert quality_figures(t)["compliance_rate"] is not None  # its own denominator is not 0
    assert training_figures(t)["completion_rate"] is None and training_figures(t)["overdue_count"] == 0
    assert document_figures(t)["average_approval_time"] is None
    nothing = totals([])
    assert set(quality_figures(nothing).values()) == {None} and set(training_figures(nothing).values()) == {None}

    # In the dataset: a Regulatory Affairs month in which no CAPA was closed has no closure time.
    month = next(m for (d, m), f in sorted(dataset(TODAY).items()) if d == "Regulatory Affairs" and not f.capas_closed)
    period = {"start": date.fromisoformat(f"{month}-01"), "end": date.fromisoformat(f"{month}-28"), "today": TODAY}
    assert data("department_data", "Regulatory Affairs", **period)["departments"][0]["capa_closure_time"] is None
    assert data("quality_metrics", "Regulatory Affairs", **period)["metrics"]["capa_closure_time"]["average"] is None


def test_unknown_source_department_or_reversed_period_raise_errors_naming_the_parameter():
    with pytest.raises(UnknownSource, match="unknown demo source 'secrets'"):
        demo_payload("secrets", **OCTOBER, department=None)
    with pytest.raises(BadParameter, match="unknown department 'Marketing'") as raised:
        demo_payload("quality_metrics", **OCTOBER, department="Marketing")
    assert raised.value.parameter == "department"
    with pytest.raises(BadParameter, match="start is after end") as raised:
        demo_payload("quality_metrics", start=date(2026, 11, 1), end=date(2026, 10, 1), department=None)
    assert raised.value.parameter == "end"


@pytest.mark.parametrize("source", SOURCES)
def test_a_pinned_today_far_ahead_does_not_crash(source):
    far = date(2104, 12, 31)  # a previous period as long as the dataset would start before it
    for start in (date(1, 1, 1), date(2024, 1, 1), date(2024, 1, 5)):
        payload = data(source, start=start, end=date(9999, 12, 31), today=far)
        assert payload["coverage"]["through"] == "2104-12-31"
    quality = data("quality_metrics", start=date(2024, 1, 5), end=date(9999, 12, 30), today=far)
    assert quality["previous_period"] is None and quality["metrics"]["quality_score"]["average"] is not None
