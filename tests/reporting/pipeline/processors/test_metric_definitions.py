"""A template's metric definitions and headline scores: the rules applied are the rules printed."""
from __future__ import annotations

import re

import pytest

from reporting.pipeline.processors.registry import registered_processors, run_processors
from templates_app.spec_metrics import parse_metric_book

BANDS_UP = {"excellent": 95, "good": 85, "warning": 70}
METRICS = {
    "quality_score": {"label": "Quality score", "unit": "%", "direction": "higher", "target": 90, "bands": BANDS_UP},
    "defect_rate": {"label": "Defect rate", "unit": "%", "direction": "lower", "decimals": 2, "target": 2.5,
                    "bands": {"excellent": 1.5, "good": 2.5, "warning": 3.5}},
    "nonconformance_count": {"label": "Nonconformances", "unit": "items", "direction": "lower", "decimals": 0},
    "training_completion_rate": {"label": "Training completion", "unit": "%", "direction": "higher",
                                 "bands": {"good": 90, "warning": 80}},
    "document_efficiency": {"label": "Document efficiency", "unit": "%", "direction": "higher"},
}
SCORES = [
    {"name": "overall_score", "label": "Overall score", "scores": ["quality", "training", "documents"],
     "bands": {"excellent": 90, "good": 80, "warning": 70}},
    {"name": "quality", "label": "Quality", "metrics": ["quality_score"], "bands": BANDS_UP},
    {"name": "training", "label": "Training", "metrics": ["training_completion_rate"], "bands": {"good": 90}},
    {"name": "documents", "label": "Documents", "metrics": ["document_efficiency"]},
]
ALL_SOURCES = ["quality_metrics", "training_metrics", "document_metrics", "department_data"]


def run(sources, *, metrics=METRICS, scores=SCORES, names=None, failures=None, declared=ALL_SOURCES):
    return run_processors(names=names or registered_processors(), sources=sources, parameters={},
                          metrics=parse_metric_book(metrics, scores), failures=failures or {}, declared=declared)


def quality(**averages):
    return {"data": {"period": {"start": "2026-10-01", "end": "2026-10-31"},
                     "previous_period": {"start": "2026-09-01", "end": "2026-09-30"},
                     "metrics": {name: {"average": value[0], "previous_average": value[1]} for name, value in averages.items()}}}


def kpi(result, metric):
    return next(row for row in result.data["kpis"] if row["metric"] == metric)


# A defined status is set on the value as shown (half-up at the metric's decimals): "95.0 %" is never
# "good" beside "excellent from 95 %".
@pytest.mark.parametrize(("value", "status"), [(95, "excellent"), (94.96, "excellent"), (94.94, "good"), (85, "good"),
                                                (84.94, "warning"), (70, "warning"), (69.95, "warning"),
                                                (69.94, "critical")])
def test_higher_is_better_bands(value, status):
    assert kpi(run({"quality_metrics": quality(quality_score=(value, value))}), "quality_score")["status"] == status


@pytest.mark.parametrize(("value", "status"), [(1.5, "excellent"), (1.504, "excellent"), (1.505, "good"),
                                                (2.5, "good"), (2.51, "warning"), (3.5, "warning"), (3.51, "critical")])
def test_lower_is_better_bands(value, status):
    assert kpi(run({"quality_metrics": quality(defect_rate=(value, value))}), "defect_rate")["status"] == status


def test_a_defined_metric_reads_as_defined_and_its_change_is_judged_by_direction():
    result = run({"quality_metrics": quality(defect_rate=(3.2, 2.9), quality_score=(82.84, 81.4))})
    defect = kpi(result, "defect_rate")
    assert (defect["name"], defect["unit"], defect["decimals"], defect["target"]) == ("Defect rate", "%", 2, 2.5)
    # Up is worse when lower is better: the card says so instead of a neutral "trend up".
    assert (defect["trend"], defect["assessment"], defect["change"]) == ("up", "worse", 0.3)
    assert defect["previous"] == 2.9 and defect["previous_label"] == "Sep"
    score = kpi(result, "quality_score")
    assert score["value"] == 82.84  # full precision in the data
    assert (score["change"], score["assessment"], score["status"]) == (1.4, "better", "warning")


def test_a_metric_without_bands_gets_no_status_and_an_undefined_one_keeps_the_seed_rules():
    result = run({"quality_metrics": quality(nonconformance_count=(13, 13), capa_closure_time=(32, 30))})
    assert kpi(result, "nonconformance_count")["status"] is None
    capa = kpi(result, "capa_closure_time")
    assert (capa["name"], capa["unit"], capa["status"], capa["trend"]) == ("Capa Closure Time", "days", "good", "up")
    assert capa["assessment"] is None  # the seed knows no direction


def test_headline_scores_follow_the_definitions_and_missing_is_never_zero():
    result = run({"quality_metrics": quality(quality_score=(88, 87), defect_rate=(3, 3)),
                  "document_metrics": {"documents_created": 10, "average_approval_time": 2.5}},
                 failures={"training_metrics": "HTTP 404 Not Found"})
    rows = {row["metric"]: row for row in result.data["summary_kpis"]}
    assert list(rows) == ["overall_score", "quality", "training", "documents"]
    assert rows["quality"]["value"] == 88 and rows["quality"]["status"] == "good"
    assert rows["documents"]["value"] == 75 and rows["documents"]["status"] is None  # a score without bands
    training = rows["training"]
    assert (training["value"], training["status"]) == (None, None)
    assert training["note"] == "Training data is missing: training_metrics answered HTTP 404 Not Found."
    # Overall: the mean of the scores with data (88 and 75), never (88 + 0 + 75) / 3.
    assert rows["overall_score"]["value"] == pytest.approx((88 + 75) / 2)
    assert rows["overall_score"]["status"] == "good"
    assert result.data["summary"]["training"] is None
    assert result.data["_absent"]["training_kpis"] == training["note"]
    assert "Training data is missing: training_metrics answered HTTP 404 Not Found." in result.data["data_notes"]


def test_department_rows_are_rated_by_the_overall_definition():
    rows = run({"department_data": {"departments": [
        {"name": "QA", "quality_score": 96, "training_completion": 91, "avg_approval_days": 1.5},
        {"name": "R&D", "quality_score": 71, "training_completion": None, "avg_approval_days": 4},
    ]}}).data["departments"]
    # QA: mean(96, 91, 85) = 90.67 -> excellent by the template's 90/80/70; R&D: mean(71, 60) = 65.5 -> critical.
    assert rows[0]["overall_score"] == pytest.approx((96 + 91 + 85) / 3) and rows[0]["status"] == "excellent"
    assert rows[1]["overall_score"] == pytest.approx((71 + 60) / 2) and rows[1]["status"] == "critical"


def test_a_report_only_speaks_of_the_sources_its_template_lists():
    result = run({"training_metrics": {"completion_rate": 91, "overdue_count": 3}}, names=["qms.training", "qms.summary"],
                 declared=["training_metrics"])
    assert not any("quality_metrics" in w or "document_metrics" in w for w in result.warnings)
    assert [row["metric"] for row in result.data["summary_kpis"]] == ["overall_score", "training"]
    assert not any("Quality" in line or "Document" in line for line in result.data["data_notes"])


def _printed_bands(line: str) -> dict[str, float]:
    return {band: float(value) for band, value in re.findall(r"(excellent|good|warning) (?:from|up to) ([\d.]+)", line)}


@pytest.mark.parametrize("value", [1.2, 1.5, 2.0, 2.5, 3.0, 3.5, 4.2])
def test_each_status_matches_the_printed_rule(value):
    result = run({"quality_metrics": quality(defect_rate=(value, value))})
    (line,) = [line for line in result.data["rules"] if line.startswith("Defect rate")]
    assert "lower is better" in line and "target 2.5 %" in line
    printed = _printed_bands(line)
    expected = next((band for band, limit in printed.items() if value <= limit), "critical")
    assert kpi(result, "defect_rate")["status"] == expected


def test_the_printed_rules_change_with_the_definitions():
    changed = {**METRICS, "quality_score": {**METRICS["quality_score"], "bands": {"good": 60}}}
    result = run({"quality_metrics": quality(quality_score=(65, 65))}, metrics=changed)
    (line,) = [line for line in result.data["rules"] if line.startswith("Quality score (")]
    assert _printed_bands(line) == {"good": 60.0}
    assert kpi(result, "quality_score")["status"] == "good"
    overall = [line for line in result.data["rules"] if line.startswith("Headline overall score")]
    assert overall and "excellent from 90 %, good from 80 %, warning from 70 %" in overall[0]


def test_templates_without_definitions_print_the_seed_rules():
    result = run_processors(names=registered_processors(), sources={"quality_metrics": quality(quality_score=(90, 90))},
                            parameters={})
    text = " ".join(result.data["rules"])
    assert "excellent from 95 %, good from 85 %, warning from 70 %, otherwise critical" in text
    assert "excellent from 90 %, good from 75 %, warning from 60 %" in text  # the headline bands


def test_a_period_without_data_says_so_instead_of_inventing_figures():
    empty = {"data": {"period": {"start": "2030-01-01", "end": "2030-12-31"}, "metrics": {},
                      "coverage": {"from": "2024-01-01", "through": None, "complete": False},
                      "no_data_reason": "No data for this period: the demo data runs from 1 Jan 2024 to 1 Dec 2026."}}
    result = run({"quality_metrics": empty}, names=["qms.quality", "qms.summary"], declared=["quality_metrics"])
    assert result.data["kpis"] == []
    assert result.data["_absent"]["kpis"].startswith("No data for this period")
    assert result.data["summary_kpis"][0]["value"] is None and result.data["summary_kpis"][0]["status"] is None
    assert result.data["data_notes"] == [empty["data"]["no_data_reason"]]


def test_coverage_that_ends_before_the_period_is_noted():
    payload = quality(quality_score=(90, 90))
    payload["data"]["period"] = {"start": "2026-11-01", "end": "2026-12-31"}
    payload["data"]["coverage"] = {"from": "2026-11-01", "through": "2026-12-01", "complete": False}
    notes = run({"quality_metrics": payload}, declared=["quality_metrics"]).data["data_notes"]
    assert notes == ["Data through 1 Dec 2026: the period runs to 31 Dec 2026; there is no data after 1 Dec 2026."]


@pytest.mark.parametrize(("start", "end", "label"), [
    ("2026-09-01", "2026-09-30", "Sep"), ("2025-12-01", "2025-12-31", "Dec 2025"), ("2026-07-01", "2026-09-30", "Q3"),
    ("2025-10-01", "2025-12-31", "Q4 2025"), ("2026-09-03", "2026-09-30", "3 Sep – 30 Sep 2026"),
    ("2026-08-01", "2026-09-30", "1 Aug – 30 Sep 2026"), ("not a date", "2026-09-30", None),
])
def test_previous_period_labels(start, end, label):
    from reporting.pipeline.processors.kpi_rows import period_label

    assert period_label(start, end, reference_year=2026) == label


def test_page_one_says_how_the_headline_is_scored_from_the_definitions():
    result = run({"quality_metrics": quality(quality_score=(90, 90))})
    assert result.data["headline_rules"][0] == (
        "Overall score: the mean of quality, training and documents (those with data); excellent from 90 %, "
        "good from 80 %, warning from 70 %, otherwise critical. Departments are rated by the same rule.")
    assert result.data["report_notes"] == result.data["data_notes"] + result.data["headline_rules"]
    documents = [line for line in result.data["rules"] if line.startswith("Headline documents")]
    assert documents == ["Headline documents: the document efficiency (100 − 10 × the average approval days, at least 0) "
                         "figure; no status."]


def test_coverage_that_starts_after_the_period_starts_is_noted():
    payload = quality(quality_score=(90, 90))
    payload["data"]["period"] = {"start": "2023-06-01", "end": "2024-02-29"}
    payload["data"]["coverage"] = {"from": "2024-01-01", "through": "2024-02-29", "complete": False}
    notes = run({"quality_metrics": payload}, declared=["quality_metrics"]).data["data_notes"]
    assert notes == ["Data from 1 Jan 2024: the period starts 1 Jun 2023; there is no data before 1 Jan 2024."]


def test_a_no_data_answer_gives_one_note_not_a_warning_per_figure():
    reason = "No data for this period: the demo data runs from 1 Jan 2024 to 1 Dec 2026."
    empty = {"completion_rate": None, "overdue_count": None, "departments": [], "no_data_reason": reason,
             "documents_created": None, "average_approval_time": None, "workflow_stages": []}
    result = run({"training_metrics": empty, "document_metrics": empty}, names=["qms.training", "qms.documents"],
                 declared=["training_metrics", "document_metrics"])
    assert not any("no numeric" in w for w in result.warnings)
    assert result.data["_absent"]["training_kpis"] == reason == result.data["_absent"]["document_kpis"]


def test_training_and_document_kpis_show_the_change_against_the_previous_period():
    period = {"period": {"start": "2026-10-01", "end": "2026-10-31"},
              "previous_period": {"start": "2026-09-01", "end": "2026-09-30"}}
    result = run({"training_metrics": {**period, "completion_rate": 91.0, "previous_completion_rate": 92.5,
                                       "overdue_count": 7, "previous_overdue_count": 9},
                  "document_metrics": {**period, "documents_created": 10, "previous_documents_created": 12,
                                       "average_approval_time": 2.0, "previous_average_approval_time": 2.4}},
                 names=["qms.training", "qms.documents"], declared=["training_metrics", "document_metrics"])
    rows = {r["metric"]: r for r in result.data["training_kpis"] + result.data["document_kpis"]}
    assert (rows["training_completion_rate"]["change"], rows["training_completion_rate"]["assessment"]) == (-1.5, "worse")
    assert rows["training_completion_rate"]["previous_label"] == "Sep"
    # Not defined in this test's metrics: the seed's own trend rule, and no change that could contradict it.
    assert (rows["overdue_training_items"]["change"], rows["overdue_training_items"]["trend"]) == (None, "down")
    assert (rows["approval_time"]["change"], rows["approval_time"]["assessment"]) == (None, None)


def test_a_department_row_is_scored_from_the_metrics_the_headline_uses():
    scores = [{"name": "overall_score", "label": "Overall", "scores": ["quality"]},
              {"name": "quality", "label": "Quality", "metrics": ["first_pass_yield_percentage", "compliance_rate"]}]
    metrics = {"first_pass_yield_percentage": {"unit": "%", "direction": "higher"},
               "compliance_rate": {"unit": "%", "direction": "higher"}}
    result = run({"quality_metrics": quality(first_pass_yield_percentage=(90, 90), compliance_rate=(80, 80)),
                  "department_data": {"departments": [{"name": "QA", "quality_score": 99,
                                                       "first_pass_yield_percentage": 90, "compliance_rate": 80}]}},
                 metrics=metrics, scores=scores)
    (row,) = result.data["departments"]
    assert row["overall_score"] == 85 == kpis_by(result, "summary_kpis")["overall_score"]["value"]


def kpis_by(result, key):
    return {row["metric"]: row for row in result.data[key]}


def test_a_missing_approval_time_is_a_no_data_card_and_no_invented_efficiency():
    result = run({"document_metrics": {"documents_created": 12}}, names=["qms.documents", "qms.summary"],
                 declared=["document_metrics"])
    approval = kpis_by(result, "document_kpis")["approval_time"]
    assert (approval["value"], approval["status"], approval["note"]) == (
        None, None, "The document data gives no approval time.")
    assert kpis_by(result, "summary_kpis")["documents"]["value"] is None  # not the seed's 5-day guess


def test_the_seed_guess_of_five_days_is_said_in_the_report():
    result = run_processors(names=["qms.documents", "qms.summary"], sources={"document_metrics": {"documents_created": 3}},
                            parameters={})
    assert result.data["summary"]["document_efficiency"] == 50.0  # the seed's rule, kept exact
    assert ("Document efficiency assumes 5 days' approval time: the document data gives none."
            in result.data["data_notes"])


def test_seed_rules_print_the_seed_trend_rules_and_the_unrounded_banding():
    result = run_processors(names=registered_processors(), parameters={},
                            sources={"quality_metrics": quality(quality_score=(90, 90)),
                                     "training_metrics": {"completion_rate": 88}})
    text = " ".join(result.data["rules"])
    assert "Training trend: completion up above 85 %, otherwise down" in text
    assert "up when more than 5 % above the previous period's figure" in text
    assert "status set on the unrounded figure" in text
    row = next(r for r in result.data["training_kpis"])
    assert (row["trend"], row["change"]) == ("up", None)  # no change shown beside the seed's trend
