"""QMS rules against hand-computed expectations, every threshold boundary included."""
from __future__ import annotations

import pytest

from reporting.pipeline.processors.kpi_rows import rounded
from reporting.pipeline.processors.registry import UnknownProcessorError, registered_processors, run_processors


def run(names, **sources):
    return run_processors(names=names, sources=sources, parameters={})


SHOWN = ("name", "value", "unit", "trend", "status")


def shown(row):
    """A KPI row as the seed describes it: the value at its display precision (the data keeps all of it)."""
    return {key: rounded(row[key], row["decimals"]) if key == "value" else row[key] for key in SHOWN}


def quality_kpi(name, average, previous=None):
    metric = {"average": average}
    if previous is not None:
        metric["previous_average"] = previous
    return run(["qms.quality"], quality_metrics={"data": {"metrics": {name: metric}}}).data["kpis"][0]


@pytest.mark.parametrize(
    ("value", "status"),
    [(95, "excellent"), (94.99, "good"), (85, "good"), (84.99, "warning"), (70, "warning"), (69.99, "critical")],
)
def test_quality_status_thresholds(value, status):
    assert quality_kpi("quality_score", value)["status"] == status
    assert quality_kpi("compliance_rate", value)["status"] == status


def test_status_uses_the_unrounded_average():
    kpi = quality_kpi("quality_score", 94.96)
    assert (kpi["value"], kpi["decimals"], kpi["status"]) == (94.96, 1, "good")  # shown as 95.0, still "good"
    assert shown(kpi)["value"] == 95.0


def test_metrics_that_are_neither_quality_nor_compliance_are_good():
    assert quality_kpi("defect_rate", 2.0)["status"] == "good"
    assert quality_kpi("capa_closure_time", 300)["status"] == "good"


@pytest.mark.parametrize(
    ("current", "previous", "trend"),
    [(105, 100, "flat"), (105.01, 100, "up"), (95, 100, "flat"), (94.99, 100, "down"), (50, None, "flat")],
)
def test_quality_trend_thresholds(current, previous, trend):
    assert quality_kpi("defect_rate", current, previous)["trend"] == trend


@pytest.mark.parametrize(
    ("name", "unit"),
    [
        ("first_pass_yield_percentage", "%"),
        ("defect_rate", "%"),
        ("capa_closure_time", "days"),
        ("nonconformance_count", "items"),
        ("audit_score", ""),
        ("rate_of_time", "%"),  # seed order: percentage/rate before time
        ("time_count", "days"),  # time before count
    ],
)
def test_units(name, unit):
    assert quality_kpi(name, 1)["unit"] == unit


def test_kpi_fields_rounding_order_and_limit_of_six():
    metrics = {f"metric_{i}_count": {"average": i + 0.04} for i in range(8)}
    result = run(["qms.quality"], quality_metrics={"metrics": metrics})  # no "data" wrapper
    kpis = result.data["kpis"]
    assert [k["name"] for k in kpis] == [f"Metric {i} Count" for i in range(6)]
    assert shown(kpis[2]) == {"name": "Metric 2 Count", "value": 2.0, "unit": "items", "trend": "flat", "status": "good"}
    assert kpis[2]["value"] == 2.04  # full precision in the data


def test_quality_trends_rows_per_period():
    metrics = {
        "defect_rate": {"average": 2, "series": [{"period": "2026-09", "value": 2.5}, {"period": "2026-08", "value": 3}]},
        "quality_score": {"average": 90, "series": [{"period": "2026-09", "value": 91.234}]},
        "no_series": {"average": 1},
    }
    trends = run(["qms.quality"], quality_metrics={"data": {"metrics": metrics}}).data["quality_trends"]
    assert trends == [
        {"period": "2026-08", "defect_rate": 3.0, "quality_score": None},
        {"period": "2026-09", "defect_rate": 2.5, "quality_score": 91.234},
    ]


@pytest.mark.parametrize(
    ("rate", "trend", "status"),
    [(85, "down", "good"), (85.01, "up", "good"), (90, "up", "good"), (90.01, "up", "excellent")],
)
def test_training_completion_thresholds(rate, trend, status):
    kpi = run(["qms.training"], training_metrics={"completion_rate": rate}).data["training_kpis"][0]
    assert shown(kpi) == {"name": "Training Completion Rate", "value": rounded(rate, 1), "unit": "%", "trend": trend,
                          "status": status}


@pytest.mark.parametrize(
    ("overdue", "trend", "status"),
    [(20, "up", "warning"), (19, "down", "warning"), (10, "down", "warning"), (9, "down", "excellent")],
)
def test_training_overdue_thresholds(overdue, trend, status):
    kpi = run(["qms.training"], training_metrics={"data": {"overdue_count": overdue}}).data["training_kpis"][0]
    assert shown(kpi) == {"name": "Overdue Training Items", "value": overdue, "unit": "items", "trend": trend,
                          "status": status}


def test_compliance_status_against_target():
    data = {
        "target": 90,
        "departments": [
            {"name": "Manufacturing", "completion_rate": 90, "overdue_count": 3},
            {"name": "R&D", "completion_rate": 89.96, "overdue_count": 7, "target": 85},
            {"name": "Łódź Packaging", "completion_rate": 89.9},
            {"completion_rate": 50},
        ],
    }
    result = run(["qms.training"], training_metrics={"data": data})
    assert result.data["compliance_status"] == [
        {"department": "Manufacturing", "completion_rate": 90, "target": 90, "meets_target": True, "overdue": 3},
        {"department": "R&D", "completion_rate": 89.96, "target": 85, "meets_target": True, "overdue": 7},
        # No overdue figure is "no data", never 0.
        {"department": "Łódź Packaging", "completion_rate": 89.9, "target": 90, "meets_target": False, "overdue": None},
    ]
    assert any("'departments.3' has no name" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("days", "trend", "status"),
    [(3, "up", "good"), (2.99, "down", "good"), (2, "down", "good"), (1.99, "down", "excellent")],
)
def test_document_approval_thresholds(days, trend, status):
    kpis = run(["qms.documents"], document_metrics={"documents_created": 42, "average_approval_time": days}).data[
        "document_kpis"
    ]
    assert shown(kpis[0]) == {"name": "Documents Created", "value": 42, "unit": "docs", "trend": "up", "status": "good"}
    assert shown(kpis[1]) == {"name": "Avg Approval Time", "value": rounded(days, 1), "unit": "days", "trend": trend,
                              "status": status}


def test_workflow_analysis_rows():
    data = {"workflow_stages": [{"stage": "Draft", "documents": 12, "avg_days_in_stage": 1.26},
                                {"stage": "Review", "documents": None}]}
    rows = run(["qms.documents"], document_metrics={"data": data}).data["workflow_analysis"]
    assert rows == [
        {"stage": "Draft", "documents": 12, "avg_days_in_stage": 1.26},
        {"stage": "Review", "documents": None, "avg_days_in_stage": None},
    ]


def test_summary_hand_computed():
    result = run(
        ["qms.summary"],
        quality_metrics={"data": {"metrics": {"quality_score": {"average": 90}, "defect_rate": {"average": 80}}}},
        training_metrics={"completion_rate": 95, "overdue_count": 4},
        document_metrics={"documents_created": 10, "average_approval_time": 2.5},
    )
    # quality (90+80)/2 = 85; training 95; documents 100 - 25 = 75; overall (85+95+75)/3 = 85.
    assert result.data["summary"] == {
        "total_kpis": 6, "quality_score": 85.0, "training_compliance": 95.0, "document_efficiency": 75.0,
        "overall_score": 85.0, "overall_status": "good",
    }
    assert [(r["name"], r["value"], r["unit"], r["status"]) for r in result.data["summary_kpis"]] == [
        ("Overall score", 85.0, "%", "good"),
        ("Quality score", 85.0, "%", "good"),
        ("Training compliance", 95.0, "%", "excellent"),
        ("Document efficiency", 75.0, "%", "good"),
    ]
    assert result.warnings == []


@pytest.mark.parametrize(
    ("score", "status"),
    [(90, "excellent"), (89.99, "good"), (75, "good"), (74.99, "warning"), (60, "warning"), (59.99, "critical")],
)
def test_summary_overall_thresholds(score, status):
    summary = run(["qms.summary"], training_metrics={"completion_rate": score}).data["summary"]
    assert summary["overall_status"] == status


def test_summary_zero_scores_are_left_out_and_approval_defaults_to_five_days():
    result = run(
        ["qms.summary"],
        training_metrics={"completion_rate": 0},
        document_metrics={"documents_created": 3},  # no approval time: 5 days -> efficiency 50
        quality_metrics={"metrics": {"quality_score": {"average": 70}}},
    )
    summary = result.data["summary"]
    assert summary["document_efficiency"] == 50.0
    assert summary["overall_score"] == 60.0 and summary["overall_status"] == "warning"  # (70 + 50) / 2
    statuses = {row["name"]: row["status"] for row in result.data["summary_kpis"]}
    # A real 0 % is a figure (critical), left out of overall by the seed's rule; only None is "no data".
    assert statuses["Training compliance"] == "critical"
    assert any("assumes 5 days" in w for w in result.warnings)


def test_document_efficiency_floors_at_zero():
    summary = run(["qms.summary"], document_metrics={"average_approval_time": 12}).data["summary"]
    assert summary["document_efficiency"] == 0
    assert summary["overall_score"] == 0 and summary["overall_status"] == "critical"


def test_departments_and_comparison_hand_computed():
    data = {
        "departments": [
            # (96 + 94 + (100 - 15)) / 3 = 91.67 -> excellent
            {"name": "Manufacturing", "quality_score": 96, "training_completion": 94, "overdue_training": 2,
             "documents_created": 40, "avg_approval_days": 1.5, "last_audit": "2026-09-14"},
            # (80 + 70 + 60) / 3 = 70 -> warning
            {"name": "Łódź Packaging", "quality_score": 80, "training_completion": 70, "overdue_training": 12,
             "documents_created": 5, "avg_approval_days": 4},
            # training missing: (90 + 80) / 2 = 85 -> good
            {"name": "R&D", "quality_score": 90, "training_completion": None, "overdue_training": 0,
             "documents_created": 9, "avg_approval_days": 2},
        ]
    }
    result = run(["qms.departments"], department_data={"data": data})
    rows = {r["name"]: r for r in result.data["departments"]}
    assert rows["Manufacturing"]["overall_score"] == pytest.approx(275 / 3) and rows["Manufacturing"]["status"] == "excellent"
    assert rows["Manufacturing"]["last_audit"] == "2026-09-14"
    assert rows["Łódź Packaging"]["overall_score"] == 70.0 and rows["Łódź Packaging"]["status"] == "warning"
    assert rows["R&D"]["overall_score"] == 85.0 and rows["R&D"]["training_completion"] is None
    assert any("'R&D' has no numeric 'training_completion'" in w for w in result.warnings)

    comparison = result.data["department_comparison"]
    # average = (91.67 + 70 + 85) / 3 = 82.22, on the exact scores
    average = (275 / 3 + 70 + 85) / 3
    assert comparison["average"] == pytest.approx(average)
    assert [(r["rank"], r["name"]) for r in comparison["ranking"]] == [(1, "Manufacturing"), (2, "R&D"), (3, "Łódź Packaging")]
    assert [r["gap_to_average"] for r in comparison["ranking"]] == pytest.approx([275 / 3 - average, 85 - average, 70 - average])
    assert comparison["best"] == {"name": "Manufacturing", "overall_score": pytest.approx(275 / 3)}
    assert comparison["worst"] == {"name": "Łódź Packaging", "overall_score": 70.0}


def test_missing_sources_give_warnings_not_keys():
    result = run(registered_processors())
    figures = {k: v for k, v in result.data.items()
               if k not in ("rules", "data_notes", "headline_rules", "report_notes", "_absent")}
    assert figures == {}
    assert len(result.warnings) == 5
    assert any("source 'quality_metrics' is missing" in w for w in result.warnings)
    assert result.data["_absent"]["kpis"] == "Quality data is missing: quality_metrics gave nothing."


def test_null_and_wrong_shapes_never_crash():
    result = run(
        registered_processors(),
        quality_metrics={"data": {"metrics": {"a_rate": None, "b_rate": {"average": "n/a"}, "c": {"series": "x"}}}},
        training_metrics={"data": {"completion_rate": None, "departments": {"not": "a list"}}},
        document_metrics=["not", "an", "object"],
        department_data={"departments": [None, {"name": "QA", "quality_score": True}]},
    )
    assert result.data["kpis"] == [] and result.data["training_kpis"] == []
    assert "document_kpis" not in result.data
    assert result.data["departments"][0]["name"] == "QA" and result.data["departments"][0]["quality_score"] is None
    assert any("'document_metrics' should be an object, got list" in w for w in result.warnings)
    assert any("'metrics.c.series' should be a list" in w for w in result.warnings)


def test_unknown_processor_is_refused():
    with pytest.raises(UnknownProcessorError, match="qms.nope"):
        run(["qms.nope"])


@pytest.mark.parametrize("odd", [float("inf"), float("-inf"), float("nan"), 10**400], ids=["inf", "-inf", "nan", "10**400"])
def test_non_finite_and_huge_numbers_count_as_missing(odd):
    # json.loads accepts NaN/Infinity and integers of any size: none of them is a score.
    result = run(
        registered_processors(),
        quality_metrics={"metrics": {"quality_score": {"average": odd}, "defect_rate": {"average": 2.0}}},
        training_metrics={"completion_rate": odd, "overdue_count": odd},
        document_metrics={"documents_created": odd, "average_approval_time": 1.0},
        department_data={"departments": [{"name": "QA", "quality_score": odd, "training_completion": 80,
                                          "avg_approval_days": 1.0}]},
    )
    assert [k["name"] for k in result.data["kpis"]] == ["Defect Rate"]
    assert result.data["training_kpis"] == []
    assert [k["name"] for k in result.data["document_kpis"]] == ["Avg Approval Time"]
    assert result.data["summary"]["quality_score"] == 2.0
    assert result.data["summary"]["training_compliance"] is None  # no data, never 0
    assert result.data["summary"]["overall_score"] == (2.0 + 90.0) / 2
    assert result.data["departments"][0]["quality_score"] is None
    assert result.data["departments"][0]["overall_score"] == 85.0
    assert any("metric 'quality_score' has no numeric 'average'" in w for w in result.warnings)
