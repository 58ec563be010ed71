"""parse_spec: the demo templates as typed objects, the same parameters the form and CLI use, clear errors."""
import dataclasses
import subprocess
import sys
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings

from templates_app.parameters import ParameterForm, cli_form_data, parameter_lines
from templates_app.presets import PRESETS
from templates_app.spec import (
    ChartSection,
    ChoicesFrom,
    ColumnSpec,
    HeadingSection,
    KpisSection,
    PageBreakSection,
    PageSpec,
    ParameterSpec,
    ReferenceLine,
    ReportSpec,
    RulesSection,
    SourceRef,
    SpecInvalid,
    TableSection,
    TextSection,
    parse_parameter,
    parse_spec,
)
from templates_app.spec_metrics import MetricDefinition
from tests.templates_app.conftest import demo_template
from tests.templates_app.test_validation_fuzz import valid_specs

MONTHLY = demo_template("monthly-quality.json")["spec"]
TRAINING = demo_template("training-compliance.json")["spec"]
DEPARTMENTS = (("All", "All"), ("Manufacturing", "Manufacturing"), ("Quality Assurance", "Quality Assurance"),
               ("Regulatory Affairs", "Regulatory Affairs"), ("R&D", "R&D"), ("Supply Chain", "Supply Chain"),
               ("Łódź Packaging", "Łódź Packaging"))


def test_the_monthly_demo_template():
    spec = parse_spec(MONTHLY)
    assert isinstance(spec, ReportSpec)
    assert (spec.title, spec.page, spec.logo) == ("Monthly quality report", PageSpec("A4", "portrait"), None)
    assert spec.parameters == (
        ParameterSpec(name="period", type="date_range", label="Period", required=True, default="last_month"),
        ParameterSpec(name="department", type="choice", label="Department", required=True, default="All",
                      choices=DEPARTMENTS),
        ParameterSpec(name="recipients", type="email_list", label="Email to", required=False,
                      help="Optional: comma-separated addresses that receive the report."),
    )
    assert spec.sources == (SourceRef("quality_metrics", {}, True), SourceRef("training_metrics", {}, False),
                            SourceRef("document_metrics", {}, False), SourceRef("department_data", {}, False))
    assert spec.processors == ("qms.quality", "qms.training", "qms.documents", "qms.departments", "qms.summary")
    assert [s.type for s in spec.sections] == [s["type"] for s in MONTHLY["sections"]]
    assert spec.sections[0] == HeadingSection(text="Executive summary", level=1)
    assert isinstance(spec.sections[1], TextSection) and spec.sections[1].text.startswith("Key quality")
    assert spec.sections[2] == RulesSection(data="report_notes", title="About this report")
    assert spec.sections[3] == KpisSection(data="summary_kpis", title="Headline scores")
    assert spec.sections[7] == RulesSection(data="rules", title="How statuses are set")
    chart = spec.sections[10]
    assert chart == ChartSection(kind="bar", title="Scores by department", data="departments", x="name",
                                 y=("quality_score", "training_completion"), x_title="Department",
                                 y_title="Score (%)", labels={"quality_score": "Quality score",
                                                              "training_completion": "Training completion"},
                                 unit="%", y_min=0.0, y_max=100.0,
                                 reference_lines=(ReferenceLine(label="Target 90 %", value=90.0),))
    assert chart.is_percent
    table = spec.sections[11]
    assert isinstance(table, TableSection) and table.data == "departments"
    assert table.columns[:2] == (ColumnSpec("name", "Department"), ColumnSpec("quality_score", "Quality score", "0.0", "%"))
    assert table.totals == ("overdue_training", "documents_created")
    assert isinstance(spec.sections[8], PageBreakSection)
    book = spec.metric_book
    assert book.metric("defect_rate") == MetricDefinition(
        name="defect_rate", label="Defect rate", unit="%", direction="lower", target=2.5, decimals=2,
        bands=(("excellent", 1.5), ("good", 2.5), ("warning", 3.5)))
    assert [s.name for s in book.scores] == ["overall_score", "quality_score", "training_compliance", "document_efficiency"]
    assert book.score("overall_score").scores == ("quality_score", "training_compliance", "document_efficiency")
    assert spec.outputs == ("pdf", "xlsx")
    assert spec.parameter_names == ("period", "department", "recipients")
    assert [p.name for p in spec.parameters_of_type("email_list")] == ["recipients"]
    assert len(spec.sections_of_type("chart", "table")) == 5


def test_the_training_demo_template():
    spec = parse_spec(TRAINING)
    assert (spec.title, spec.page.orientation) == ("Training compliance report", "landscape")
    assert [(p.name, p.type, p.label, p.required, p.default) for p in spec.parameters] == [
        ("period", "date_range", "Period", True, "this_quarter"), ("department", "choice", "Department", True, "All")]
    assert spec.sources == (SourceRef("training_metrics", {}, True),)
    pie = spec.sections[3]
    assert (pie.kind, pie.y, pie.labels, pie.series_label("overdue")) == ("pie", ("overdue",), {}, "Overdue")
    table = spec.sections[4]
    assert [c.header for c in table.columns] == ["Department", "Completion", "Target", "Meets target", "Overdue"]
    assert [c.unit for c in table.columns] == ["", "%", "%", "", ""]
    assert spec.sections[2].reference_lines == (ReferenceLine(label="Target 90 %", value=90.0),)
    assert spec.sections[2].y == ("completion_rate",)  # the target is a line, not a bar series


@pytest.mark.parametrize("spec", [MONTHLY, TRAINING], ids=["monthly", "training"])
def test_the_form_and_the_cli_read_the_parsed_parameters_as_they_read_the_json(spec):
    parsed = parse_spec(spec).parameters
    today = date(2026, 5, 14)
    from_json = ParameterForm(data=cli_form_data(spec["parameters"], {}), spec_parameters=spec["parameters"],
                              today=today)
    from_parsed = ParameterForm(data=cli_form_data(parsed, {}), spec_parameters=parsed, today=today)
    assert from_json.is_valid() and from_parsed.is_valid()
    assert from_parsed.parameters() == from_json.parameters()
    assert from_parsed.parameters()["period"]["preset"] == spec["parameters"][0]["default"]
    assert list(from_parsed.fields) == list(from_json.fields)
    for name, field in from_parsed.fields.items():
        other = from_json.fields[name]
        assert (type(field), field.label, field.required, str(field.help_text)) == \
               (type(other), other.label, other.required, str(other.help_text))
        assert getattr(field, "choices", None) == getattr(other, "choices", None)
    assert from_parsed.fields["period_preset"].label == "Period"
    assert [value for value, _ in from_parsed.fields["period_preset"].choices] == list(PRESETS)
    assert from_parsed.fields["department"].choices == list(DEPARTMENTS)
    assert ParameterForm(spec_parameters=parsed)["department"].value() == "All"
    values = from_parsed.parameters()
    assert parameter_lines(parsed, values) == parameter_lines(spec["parameters"], values)


def test_labels_follow_the_default_rule_unless_given():
    assert parse_parameter({"name": "due_date"}).label == "Due date"
    assert ParameterSpec(name="site_code").label == "Site code"
    assert parse_parameter({"name": "due_date", "label": "When"}).label == "When"
    assert parse_parameter({"name": "due_date", "label": ""}).label == ""


def test_parameter_details():
    param = parse_parameter({
        "name": "dept", "type": "multichoice", "choices": ["A", {"value": 2, "label": "Two"}, {"value": "c"}],
        "choices_from": {"source": "department_data", "path": "data.departments", "value": "name"},
        "default": ["A"]})
    assert param.choices == (("A", "A"), ("2", "Two"), ("c", "c"))
    assert param.choices_from == ChoicesFrom(source="department_data", path="data.departments", value="name")
    assert (param.choice_label(2), param.choice_label("zz")) == ("Two", "zz")
    limited = parse_parameter({"name": "period", "type": "date_range", "presets": ["this_month", "custom"],
                               "default": {"start": "2026-01-01", "end": "2026-01-31"}})
    assert limited.offered_presets == ("this_month", "custom")
    assert parse_parameter({"name": "period", "type": "date_range"}).offered_presets == tuple(PRESETS)
    text = parse_parameter({"name": "code", "regex": "^[A-Z]+$", "max_length": 5, "min_length": 1})
    assert (text.type, text.regex, text.regex_message, text.min_length, text.max_length) == \
           ("string", "^[A-Z]+$", None, 1, 5)
    number = parse_parameter({"name": "n", "type": "decimal", "min": 0, "max": 1.5})
    assert (number.min, number.max) == (0, 1.5)


def test_parsed_objects_are_frozen_and_do_not_share_the_specs_values():
    raw = {"name": "tags", "type": "multichoice", "choices": ["a", "b"], "default": ["a"]}
    param = parse_parameter(raw)
    with pytest.raises(dataclasses.FrozenInstanceError):
        param.label = "Other"
    raw["default"].append("b")
    assert param.default == ["a"]


@pytest.mark.parametrize("spec, pointer", [
    ([], "/"),
    ({"sections": []}, "/title"),
    ({"title": "T", "sections": [{"type": "heading"}]}, "/sections/0/text"),
    ({"title": "T", "sections": [{"type": "map"}]}, "/sections/0/type"),
    ({"title": "T", "sections": [{"type": "chart", "kind": "bar", "data": "d", "x": "x"}]}, "/sections/0/y"),
    ({"title": "T", "sections": [{"type": "chart", "kind": "bar", "data": "d", "x": "x", "y": [1]}]},
     "/sections/0/y"),
    ({"title": "T", "sections": [{"type": "table", "data": "d", "columns": [{"label": "L"}]}]},
     "/sections/0/columns/0/field"),
    ({"title": "T", "sections": [], "parameters": [{"type": "string"}]}, "/parameters/0/name"),
    ({"title": "T", "sections": [], "parameters": [{"name": "p", "type": "colour"}]}, "/parameters/0/type"),
    ({"title": "T", "sections": [], "parameters": [{"name": "p", "required": "yes"}]}, "/parameters/0/required"),
    ({"title": "T", "sections": [], "parameters": [{"name": "p", "max_length": True}]}, "/parameters/0/max_length"),
    ({"title": "T", "sections": [], "sources": [{"params": {}}]}, "/sources/0/source"),
    ({"title": "T", "sections": [], "outputs": "pdf"}, "/outputs"),
])
def test_a_spec_that_did_not_pass_validation_is_refused_with_where(spec, pointer):
    with pytest.raises(SpecInvalid) as caught:
        parse_spec(spec)
    assert caught.value.pointer == ("" if pointer == "/" else pointer)
    assert str(caught.value).startswith(f"{pointer}: ")
    assert isinstance(caught.value, ValueError)  # callers (the CLI) report ValueErrors as usage errors


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_specs())
def test_every_generated_valid_spec_parses(base):
    spec, _ = base
    parsed = parse_spec(spec)
    assert parsed.title == spec["title"]
    assert parsed.parameter_names == tuple(p["name"] for p in spec["parameters"])
    assert [s.type for s in parsed.sections] == [s["type"] for s in spec["sections"]]
    assert parsed.outputs == tuple(spec["outputs"])


def test_a_versions_spec_is_parsed_once_and_again_after_saving(demo):
    version = demo.published_version
    assert version.parsed is version.parsed
    assert version.parsed.title == "Monthly quality report"
    version.spec = {**version.spec, "title": "Renamed"}
    version.save()
    assert version.parsed.title == "Renamed"


def test_spec_module_is_pure():
    code = ("import sys; import templates_app.spec; "
            "loaded = [m for m in sys.modules if m.split('.')[0] in ('django', 'reporting')]; "
            "assert not loaded, loaded")
    subprocess.run([sys.executable, "-c", code], check=True)
