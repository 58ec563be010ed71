"""Every semantic check: a broken spec, and the exact pointer and code it must produce."""
import pytest

from templates_app.validation import SourceInfo, SpecProblem, spec_schema, validate_spec


def problems_of(spec, catalogue=None, sample_data=None):
    return {(p.pointer, p.code) for p in validate_spec(spec, known_sources=catalogue, sample_data=sample_data)}


def test_schema_itself_is_valid_draft_2020_12():
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(spec_schema())
    assert spec_schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_demo_templates_are_valid_with_their_sample_data(monthly, catalogue):
    from tests.templates_app.conftest import demo_template

    spec, sample = monthly
    assert validate_spec(spec, known_sources=catalogue, sample_data=sample) == []
    training = demo_template("training-compliance.json")
    assert validate_spec(training["spec"], known_sources=catalogue, sample_data=training["sample_data"]) == []


def test_existing_api_with_a_set_of_names_still_works(monthly):
    spec, _ = monthly
    assert validate_spec(spec, known_sources={"quality_metrics", "training_metrics", "document_metrics",
                                              "department_data"}) == []
    problems = validate_spec(spec, known_sources={"quality_metrics"})
    assert [(p.pointer, p.code) for p in problems] == [
        ("/sources/1/source", "unknown_source"), ("/sources/2/source", "unknown_source"),
        ("/sources/3/source", "unknown_source")]
    assert all(isinstance(p, SpecProblem) for p in problems)


def test_not_an_object():
    assert validate_spec([1, 2]) == [SpecProblem("", "not_an_object", "The spec must be a JSON object (in curly braces).")]


@pytest.mark.parametrize("mutate, pointer, code", [
    (lambda s: s.pop("title"), "/title", "required"),
    (lambda s: s.update(title="   "), "/title", "bad_format"),
    (lambda s: s.update(sections=[]), "/sections", "empty_list"),
    (lambda s: s.update(colour="red"), "/colour", "unknown_key"),
    (lambda s: s["sections"][10].pop("x"), "/sections/10/x", "required"),
    (lambda s: s["sections"][10].update(kind="radar"), "/sections/10/kind", "not_allowed"),
    (lambda s: s["sections"][10].update(y=[3]), "/sections/10/y", "bad_format"),
    (lambda s: s["sections"][10].update(titel="typo"), "/sections/10/titel", "unknown_key"),
    (lambda s: s["sections"][0].update(type="video"), "/sections/0/type", "unknown_section_type"),
    (lambda s: s["sections"][11]["columns"][1].update(format="0.000"), "/sections/11/columns/1/format", "not_allowed"),
    (lambda s: s["sections"][4].update(data="kpis..x"), "/sections/4/data", "bad_format"),
    (lambda s: s.update(outputs=["pdf", "docx"]), "/outputs/1", "unsupported_output"),
    (lambda s: s["parameters"][0].update(type="colour"), "/parameters/0/type", "unknown_parameter_type"),
    (lambda s: s["parameters"][0].update(name="9lives"), "/parameters/0/name", "bad_format"),
    (lambda s: s.update(page={"size": "A3"}), "/page/size", "not_allowed"),
    (lambda s: s["sources"][0].update(required="yes"), "/sources/0/required", "wrong_type"),
])
def test_schema_problems(monthly, catalogue, mutate, pointer, code):
    spec, _ = monthly
    mutate(spec)
    assert (pointer, code) in problems_of(spec, catalogue)


def test_schema_messages_are_sentences(monthly):
    spec, _ = monthly
    spec["sections"][10].pop("x")
    (problem,) = [p for p in validate_spec(spec) if p.pointer == "/sections/10/x"]
    assert problem.message == 'Section 11 (chart) needs "x".'


@pytest.mark.parametrize("mutate, pointer, code", [
    (lambda s: s["parameters"].append({"name": "period", "type": "string"}), "/parameters/3/name", "duplicate_name"),
    (lambda s: (s["sections"][0].update(name="top"), s["sections"][1].update(name="top")),
     "/sections/1/name", "duplicate_section_name"),
    (lambda s: (s["sections"][0].update(id="top"), s["sections"][6].update(name="top")),
     "/sections/6/name", "duplicate_section_name"),
    (lambda s: s["sources"].append({"source": "nowhere"}), "/sources/4/source", "unknown_source"),
    (lambda s: s["sources"].append({"source": "quality_metrics"}), "/sources/4/source", "duplicate_source"),
    (lambda s: s["processors"].append("qms.magic"), "/processors/5", "unknown_processor"),
    (lambda s: s["sources"][0].update(params={"site": "{site}"}), "/sources/0/params/site", "unknown_placeholder"),
    (lambda s: s["sources"][0].update(params={"from": "{period.begin}"}), "/sources/0/params/from",
     "bad_placeholder_part"),
    (lambda s: s["sources"][0].update(params={"f": {"deep": ["x {department.name} y"]}}),
     "/sources/0/params/f/deep/0", "bad_placeholder_part"),
    (lambda s: s["parameters"][0].update(default="next_decade"), "/parameters/0/default", "invalid_default"),
    (lambda s: s["parameters"][0].update(default="custom"), "/parameters/0/default", "invalid_default"),
    (lambda s: s["parameters"][0].update(default={"start": "2026-02-01", "end": "2026-01-01"}),
     "/parameters/0/default", "invalid_default"),
    (lambda s: s["parameters"][0].update(default={"start": "2026-02-30", "end": "2026-03-01"}),
     "/parameters/0/default", "invalid_default"),
    (lambda s: s["parameters"][0].update(presets=["this_month"]), "/parameters/0/default", "invalid_default"),
    (lambda s: s["parameters"][1].update(default="Marketing"), "/parameters/1/default", "invalid_default"),
    (lambda s: s["parameters"][1].pop("choices"), "/parameters/1", "choices_missing"),
    (lambda s: s["parameters"][1].update(choices_from={"source": "gone", "path": "x"}),
     "/parameters/1/choices_from/source", "unknown_source"),
    (lambda s: s["parameters"][2].update(default=["qa@example.com", "not an address"]),
     "/parameters/2/default", "invalid_default"),
    (lambda s: s["parameters"].append({"name": "n", "type": "integer", "min": 10, "max": 1}),
     "/parameters/3/min", "min_above_max"),
    (lambda s: s["parameters"].append({"name": "n", "type": "integer", "max": 5, "default": 6}),
     "/parameters/3/default", "invalid_default"),
    (lambda s: s["parameters"].append({"name": "n", "type": "integer", "default": True}),
     "/parameters/3/default", "invalid_default"),
    (lambda s: s["parameters"].append({"name": "d", "type": "decimal", "default": "abc"}),
     "/parameters/3/default", "invalid_default"),
    (lambda s: s["parameters"].append({"name": "b", "type": "boolean", "default": "yes"}),
     "/parameters/3/default", "invalid_default"),
    (lambda s: s["parameters"].append({"name": "d", "type": "date", "default": "31/01/2026"}),
     "/parameters/3/default", "invalid_default"),
    (lambda s: s["parameters"].append({"name": "d", "type": "date", "min": "yesterday"}),
     "/parameters/3/min", "invalid_bound"),
    (lambda s: s["parameters"].append({"name": "s", "type": "string", "regex": "([a-z]"}),
     "/parameters/3/regex", "invalid_regex"),
    (lambda s: s["parameters"].append({"name": "s", "type": "string", "regex": "^[A-Z]{3}$", "default": "abc"}),
     "/parameters/3/default", "invalid_default"),
    (lambda s: s["parameters"].append({"name": "s", "type": "text", "max_length": 3, "default": "abcd"}),
     "/parameters/3/default", "invalid_default"),
    (lambda s: s["parameters"].append({"name": "m", "type": "multichoice", "choices": ["a", "b"], "default": "a"}),
     "/parameters/3/default", "invalid_default"),
])
def test_semantic_problems(monthly, catalogue, mutate, pointer, code):
    spec, _ = monthly
    mutate(spec)
    assert (pointer, code) in problems_of(spec, catalogue)


def test_placeholder_in_the_data_sources_own_query_params(monthly, catalogue):
    spec, _ = monthly
    catalogue["document_metrics"] = SourceInfo(name="document_metrics", query_params={"site": "{site}"})
    catalogue["department_data"] = SourceInfo(name="department_data", body={"range": "{period.length}"})
    problems = {(p.pointer, p.code): p.message for p in validate_spec(spec, known_sources=catalogue)}
    assert problems[("/sources/2/source", "unknown_placeholder")] == (
        "Data source 'document_metrics' uses {site} in its query params, but the template declares no parameter "
        "'site'.")
    assert ("/sources/3/source", "bad_placeholder_part") in problems


def test_inactive_source(monthly, catalogue):
    spec, _ = monthly
    catalogue["training_metrics"] = SourceInfo(name="training_metrics", is_active=False)
    assert problems_of(spec, catalogue) >= {("/sources/1/source", "inactive_source")}


def test_removing_the_period_parameter_breaks_every_source(monthly, catalogue):
    spec, _ = monthly
    spec["parameters"].pop(0)
    codes = problems_of(spec, catalogue)
    assert {(f"/sources/{i}/source", "unknown_placeholder") for i in range(4)} <= codes


@pytest.mark.parametrize("mutate, pointer, code", [
    (lambda s: s["sections"][4].update(data="kpi"), "/sections/4/data", "data_path_unresolved"),
    (lambda s: s["sections"][10].update(data="departments.rows"), "/sections/10/data", "data_path_unresolved"),
    (lambda s: s["sections"][11].update(data="summary.quality_score"), "/sections/11/data", "data_not_rows"),
    (lambda s: s["sections"][10].update(x="department"), "/sections/10/x", "unknown_field"),
    (lambda s: s["sections"][10]["y"].append("quality"), "/sections/10/y/2", "unknown_field"),
    (lambda s: s["sections"][16].update(y="docs"), "/sections/16/y", "unknown_field"),
    (lambda s: s["sections"][11]["columns"][3].update(field="overdue"), "/sections/11/columns/3/field", "unknown_field"),
    (lambda s: s["sections"][11]["totals"].append("documents"), "/sections/11/totals/2", "unknown_field"),
])
def test_data_paths_and_fields_against_processed_sample_data(monthly, catalogue, mutate, pointer, code):
    spec, sample = monthly
    mutate(spec)
    found = problems_of(spec, catalogue, sample)
    assert (pointer, code) in found
    assert problems_of(spec, catalogue) == set()  # without sample data nothing can be resolved


def test_data_path_message_names_the_missing_part(monthly, catalogue):
    spec, sample = monthly
    spec["sections"][4]["data"] = "kpi"
    (problem,) = validate_spec(spec, known_sources=catalogue, sample_data=sample)
    assert problem.message.startswith("Data path 'kpi' does not resolve in the processed sample data (no 'kpi'")
    assert "departments" in problem.message


def test_a_sample_missing_a_source_leaves_its_sections_unresolved(monthly, catalogue):
    spec, sample = monthly
    del sample["document_metrics"]
    assert ("/sections/6/data", "data_path_unresolved") in problems_of(spec, catalogue, sample)


def test_processors_failing_on_the_sample_are_reported_not_raised(monthly, catalogue, monkeypatch):
    from reporting.pipeline.processors import registry

    def broken(inputs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setitem(registry._PROCESSORS, "qms.summary", broken)
    spec, sample = monthly
    (problem,) = validate_spec(spec, known_sources=catalogue, sample_data=sample)
    assert (problem.pointer, problem.code) == ("/processors", "processors_failed")
    assert "ZeroDivisionError" in problem.message


def test_sample_data_must_be_an_object(monthly, catalogue):
    spec, _ = monthly
    assert problems_of(spec, catalogue, sample_data=[1]) == {("", "bad_sample_data")}


def test_every_problem_is_reported_at_once(monthly, catalogue):
    spec, sample = monthly
    spec["title"] = ""
    spec["processors"].append("nope")
    spec["sections"][10]["x"] = "nothing"
    spec["parameters"][0]["default"] = "someday"
    codes = {p.code for p in validate_spec(spec, known_sources=catalogue, sample_data=sample)}
    assert {"empty_text", "unknown_processor", "invalid_default"} <= codes


def test_pointer_escapes_slash_and_tilde(monthly, catalogue):
    spec, _ = monthly
    spec["sources"][0]["params"] = {"a/b~c": "{nope}"}
    assert ("/sources/0/params/a~1b~0c", "unknown_placeholder") in problems_of(spec, catalogue)


def test_choices_that_are_not_a_list_are_one_schema_problem_not_a_crash(monthly):
    spec, _ = monthly
    spec["parameters"][1]["choices"] = True  # found by the mutation fuzz
    assert ("/parameters/1/choices", "wrong_type") in problems_of(spec)
