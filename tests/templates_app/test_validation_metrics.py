"""Metric definitions, headline scores and chart axes: each broken spec and the pointer and code it gives."""
import pytest

from templates_app.validation import validate_spec


def problems_of(spec, catalogue=None, sample_data=None):
    return {(p.pointer, p.code) for p in validate_spec(spec, known_sources=catalogue, sample_data=sample_data)}


def metric(s, name):
    return s["metrics"][name]


def score(s, name):
    return next(x for x in s["scores"] if x["name"] == name)


@pytest.mark.parametrize("mutate, pointer, code", [
    (lambda s: metric(s, "defect_rate")["bands"].update(excellent=3), "/metrics/defect_rate/bands", "bands_out_of_order"),
    (lambda s: metric(s, "quality_score")["bands"].update(good=96), "/metrics/quality_score/bands", "bands_out_of_order"),
    (lambda s: metric(s, "quality_score")["bands"].update(good=95), "/metrics/quality_score/bands", "bands_out_of_order"),
    (lambda s: metric(s, "quality_score").pop("direction"), "/metrics/quality_score/bands", "bands_without_direction"),
    (lambda s: metric(s, "quality_score").update(direction="up"), "/metrics/quality_score/direction", "not_allowed"),
    (lambda s: metric(s, "quality_score")["bands"].update(perfect=100), "/metrics/quality_score/bands/perfect", "unknown_key"),
    (lambda s: metric(s, "quality_score").update(target="90"), "/metrics/quality_score/target", "wrong_type"),
    (lambda s: s["metrics"].update({"9lives": {}}), "/metrics", "bad_format"),
    (lambda s: score(s, "quality_score").update(metrics=["first_pass_yield"]), "/scores/1/metrics/0", "score_metric_undefined"),
    (lambda s: score(s, "quality_score").update(metrics=["defect_rate"]), "/scores/1/metrics/0", "score_metric_not_percent"),
    (lambda s: score(s, "quality_score").update(metrics=["capa_closure_time"]), "/scores/1/metrics/0", "score_metric_not_percent"),
    (lambda s: score(s, "overall_score")["scores"].append("nope"), "/scores/0/scores/3", "score_unknown"),
    (lambda s: score(s, "overall_score")["scores"].append("overall_score"), "/scores/0/scores/3", "score_unknown"),
    (lambda s: s["scores"].append({"name": "top", "scores": ["overall_score"]}), "/scores/4/scores/0", "score_of_composite"),
    (lambda s: s["scores"].append({"name": "quality_score", "metrics": ["quality_score"]}), "/scores/4/name", "duplicate_score"),
    (lambda s: s["scores"].append({"name": "empty"}), "/scores/4", "bad_format"),
    (lambda s: s["scores"].append({"name": "total_kpis", "metrics": ["quality_score"]}), "/scores/4/name",
     "score_name_reserved"),
    (lambda s: s["sections"][10].update(y_min=100, y_max=100), "/sections/10/y_max", "axis_range_empty"),
    (lambda s: s["sections"][10]["reference_lines"].append({"label": "x"}), "/sections/10/reference_lines/1/value", "required"),
    (lambda s: s["sections"][11]["columns"][1].update(unit=5), "/sections/11/columns/1/unit", "wrong_type"),
    (lambda s: s["sections"][2].update(data="no_such_notes"), "/sections/2/data", "data_path_unresolved"),
])
def test_metric_problems(monthly, catalogue, mutate, pointer, code):
    spec, sample = monthly
    mutate(spec)
    assert (pointer, code) in problems_of(spec, catalogue, sample)


def test_a_score_of_nothing_is_one_problem_not_a_processor_crash(monthly, catalogue):
    spec, sample = monthly
    spec["scores"].append({"name": "empty"})
    assert problems_of(spec, catalogue, sample) == {("/scores/4", "bad_format")}


def test_band_order_message_names_the_direction_and_the_values(monthly):
    spec, _ = monthly
    metric(spec, "defect_rate")["bands"]["excellent"] = 3
    (problem,) = [p for p in validate_spec(spec) if p.code == "bands_out_of_order"]
    assert problem.message == ("Metric 'defect_rate': the bands must run excellent < good < warning when lower is "
                               "better (they are excellent 3, good 2.5, warning 3.5).")


def test_the_demo_definitions_are_valid(monthly, catalogue):
    spec, sample = monthly
    assert validate_spec(spec, known_sources=catalogue, sample_data=sample) == []
