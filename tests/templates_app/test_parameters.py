"""Every parameter type with good and bad input, presets at period ends, choices loaded from a source."""
from datetime import date, datetime, timezone as dt_timezone

import pytest
from django.test import override_settings

from templates_app.parameters import ParameterForm, cli_form_data, display_value, parameter_lines
from templates_app.presets import resolve_preset

TODAY = date(2026, 5, 14)


def form_for(params, data, today=TODAY):
    return ParameterForm(data=data, spec_parameters=params, today=today)


def error_codes(form):
    return {name: [e.code for e in errors] for name, errors in form.errors.as_data().items()}


@pytest.mark.parametrize("param, good, expected", [
    ({"name": "p", "type": "string", "max_length": 5, "regex": "^[A-Z]+$"}, "ABC", "ABC"),
    ({"name": "p", "type": "text"}, "line 1\nline 2", "line 1\nline 2"),
    ({"name": "p", "type": "integer", "min": 1, "max": 10}, "10", 10),
    ({"name": "p", "type": "decimal", "min": 0, "max": 1.5}, "1.25", "1.25"),
    ({"name": "p", "type": "boolean"}, "on", True),
    ({"name": "p", "type": "date", "min": "2026-01-01"}, "2026-02-28", "2026-02-28"),
    ({"name": "p", "type": "choice", "choices": ["A", {"value": "b", "label": "Bee"}]}, "b", "b"),
    ({"name": "p", "type": "email_list"}, "a@example.com; b@example.org", ["a@example.com", "b@example.org"]),
])
def test_good_values(param, good, expected):
    form = form_for([param], {"p": good})
    assert form.is_valid(), form.errors
    assert form.parameters() == {"p": expected}


def test_multichoice_good():
    form = form_for([{"name": "p", "type": "multichoice", "choices": ["a", "b", "c"]}], {"p": ["a", "c"]})
    assert form.is_valid()
    assert form.parameters() == {"p": ["a", "c"]}


@pytest.mark.parametrize("param, bad, code", [
    ({"name": "p", "type": "string", "required": True}, "", "required"),
    ({"name": "p", "type": "string", "max_length": 3}, "abcd", "max_length"),
    ({"name": "p", "type": "string", "min_length": 3}, "ab", "min_length"),
    ({"name": "p", "type": "string", "regex": "^[A-Z]+$"}, "abc", "pattern"),
    ({"name": "p", "type": "integer"}, "1.5", "invalid"),
    ({"name": "p", "type": "integer", "min": 1}, "0", "min_value"),
    ({"name": "p", "type": "integer", "max": 10}, "11", "max_value"),
    ({"name": "p", "type": "decimal"}, "ten", "invalid"),
    ({"name": "p", "type": "decimal", "max": 1.5}, "1.51", "max_value"),
    ({"name": "p", "type": "date"}, "2026-02-30", "invalid"),
    ({"name": "p", "type": "date", "min": "2026-01-01"}, "2025-12-31", "min_value"),
    ({"name": "p", "type": "date", "max": "2026-01-01"}, "2026-01-02", "max_value"),
    ({"name": "p", "type": "choice", "choices": ["A", "B"]}, "C", "invalid_choice"),
    ({"name": "p", "type": "multichoice", "choices": ["A", "B"]}, ["A", "Z"], "invalid_choice"),
    ({"name": "p", "type": "email_list"}, "a@example.com, nope", "invalid_email"),
    ({"name": "p", "type": "email_list", "required": True}, " , ", "required"),
])
def test_bad_values(param, bad, code):
    form = form_for([param], {"p": bad})
    assert not form.is_valid()
    assert error_codes(form) == {"p": [code]}


def test_boolean_unticked_is_false_not_an_error():
    form = form_for([{"name": "p", "type": "boolean", "required": True}], {})
    assert form.is_valid()
    assert form.parameters() == {"p": False}


PERIOD = [{"name": "period", "type": "date_range", "required": True}]


def test_date_range_custom_good_and_bad():
    good = form_for(PERIOD, {"period_preset": "custom", "period_start": "2026-01-01", "period_end": "2026-01-31"})
    assert good.is_valid()
    assert good.parameters() == {"period": {"start": "2026-01-01", "end": "2026-01-31", "preset": "custom"}}
    reversed_ = form_for(PERIOD, {"period_preset": "custom", "period_start": "2026-02-01", "period_end": "2026-01-31"})
    assert error_codes(reversed_) == {"period_end": ["range_reversed"]}
    missing = form_for(PERIOD, {"period_preset": "custom"})
    assert error_codes(missing) == {"period_start": ["range_start_missing"], "period_end": ["range_end_missing"]}
    unknown = form_for(PERIOD, {"period_preset": "next_year"})
    assert error_codes(unknown) == {"period_preset": ["invalid_choice"]}


def test_date_range_presets_limited_by_the_spec():
    params = [{"name": "period", "type": "date_range", "presets": ["this_month", "last_month"]}]
    assert error_codes(form_for(params, {"period_preset": "today"})) == {"period_preset": ["invalid_choice"]}


@pytest.mark.parametrize("today, preset, start, end", [
    # New year's day: everything "last" lies in the previous year.
    ("2026-01-01", "yesterday", "2025-12-31", "2025-12-31"),
    ("2026-01-01", "last_month", "2025-12-01", "2025-12-31"),
    ("2026-01-01", "this_quarter", "2026-01-01", "2026-01-01"),
    ("2026-01-01", "last_quarter", "2025-10-01", "2025-12-31"),
    ("2026-01-01", "year_to_date", "2026-01-01", "2026-01-01"),
    ("2026-01-01", "last_7_days", "2025-12-26", "2026-01-01"),
    # Last day of a quarter.
    ("2026-03-31", "this_month", "2026-03-01", "2026-03-31"),
    ("2026-03-31", "last_month", "2026-02-01", "2026-02-28"),
    ("2026-03-31", "this_quarter", "2026-01-01", "2026-03-31"),
    ("2026-03-31", "last_quarter", "2025-10-01", "2025-12-31"),
    # First day of the next quarter.
    ("2026-04-01", "this_quarter", "2026-04-01", "2026-04-01"),
    ("2026-04-01", "last_quarter", "2026-01-01", "2026-03-31"),
    ("2026-04-01", "last_month", "2026-03-01", "2026-03-31"),
    ("2026-04-01", "last_30_days", "2026-03-03", "2026-04-01"),
    # Leap day.
    ("2024-02-29", "this_month", "2024-02-01", "2024-02-29"),
    ("2024-02-29", "last_month", "2024-01-01", "2024-01-31"),
    ("2024-03-01", "last_month", "2024-02-01", "2024-02-29"),
    ("2024-02-29", "last_30_days", "2024-01-31", "2024-02-29"),
    ("2024-02-29", "today", "2024-02-29", "2024-02-29"),
    ("2024-12-31", "year_to_date", "2024-01-01", "2024-12-31"),
])
def test_preset_resolution_around_period_ends(today, preset, start, end):
    assert resolve_preset(preset, today=date.fromisoformat(today)) == (date.fromisoformat(start), date.fromisoformat(end))
    form = form_for(PERIOD, {"period_preset": preset}, today=date.fromisoformat(today))
    assert form.is_valid()
    assert form.parameters()["period"] == {"start": start, "end": end, "preset": preset}


@override_settings(TIME_ZONE="Europe/Warsaw", USE_TZ=True)
def test_presets_resolve_in_the_sites_timezone(monkeypatch):
    # 23:30 UTC on 31 March is already 1 April in Warsaw: "this month" is April there.
    monkeypatch.setattr("django.utils.timezone.now", lambda: datetime(2026, 3, 31, 23, 30, tzinfo=dt_timezone.utc))
    form = ParameterForm(data={"period_preset": "this_month"}, spec_parameters=PERIOD)
    assert form.is_valid()
    assert form.parameters()["period"] == {"start": "2026-04-01", "end": "2026-04-01", "preset": "this_month"}


def test_defaults_fill_the_form_and_the_cli():
    params = [{"name": "period", "type": "date_range", "default": "last_month"},
              {"name": "dept", "type": "choice", "choices": ["All", "QA"], "default": "All"},
              {"name": "tags", "type": "multichoice", "choices": ["a", "b"], "default": ["b"]},
              {"name": "flag", "type": "boolean", "default": True}]
    form = ParameterForm(data=cli_form_data(params, {}), spec_parameters=params, today=date(2026, 1, 15))
    assert form.is_valid(), form.errors
    assert form.parameters() == {"period": {"start": "2025-12-01", "end": "2025-12-31", "preset": "last_month"},
                                 "dept": "All", "tags": ["b"], "flag": True}
    unbound = ParameterForm(spec_parameters=params)
    assert unbound["period_preset"].value() == "last_month"


def test_cli_rejects_unknown_parameters():
    with pytest.raises(ValueError, match="unknown parameter"):
        cli_form_data([{"name": "a"}], {"b": "1"})


def test_display_values():
    param = {"name": "period", "type": "date_range", "label": "Period"}
    value = {"start": "2026-01-01", "end": "2026-03-31", "preset": "last_quarter"}
    assert parameter_lines([param], {"period": value}) == [("Period", "1 Jan 2026 – 31 Mar 2026 (Last quarter)")]
    assert display_value({"type": "choice", "choices": [{"value": "b", "label": "Bee"}]}, "b") == "Bee"
    assert display_value({"type": "boolean"}, False) == "No"


# ---- choices loaded from a data source

DEPARTMENTS = {"data": {"departments": [{"name": "Assembly", "code": "AS"}, {"name": "Łódź Packaging", "code": "LP"}]}}


@pytest.fixture
def department_source(db):
    from tests.factories import StaticSourceFactory

    return StaticSourceFactory(name="department_data", static_data=DEPARTMENTS)


def choice_param(**choices_from):
    return {"name": "department", "type": "choice", "required": True,
            "choices_from": {"source": "department_data", "path": "data.departments", "value": "name", **choices_from}}


def test_choices_from_a_source(department_source):
    form = form_for([choice_param()], {"department": "Łódź Packaging"})
    assert form.fields["department"].choices == [("Assembly", "Assembly"), ("Łódź Packaging", "Łódź Packaging")]
    assert form.is_valid()
    assert form.parameters() == {"department": "Łódź Packaging"}
    assert error_codes(form_for([choice_param()], {"department": "Marketing"})) == {"department": ["invalid_choice"]}


def test_choices_from_a_source_with_labels(department_source):
    form = form_for([choice_param(value="code", label="name")], {"department": "AS"})
    assert form.fields["department"].choices == [("AS", "Assembly"), ("LP", "Łódź Packaging")]
    assert form.is_valid()


def test_choices_source_placeholders_use_the_other_parameters_defaults(db):
    from tests.factories import StaticSourceFactory

    StaticSourceFactory(name="department_data", static_data=DEPARTMENTS, query_params={"since": "{period.start}"})
    params = [{"name": "period", "type": "date_range", "default": "last_month"}, choice_param()]
    form = form_for(params, {"period_preset": "last_month", "department": "Assembly"})
    assert form.choice_load_errors == {}
    assert form.is_valid()


def test_choices_source_missing_falls_back_to_static_choices_with_a_reason(db):
    param = {**choice_param(), "choices": ["All", "QA"]}
    form = form_for([param], {"department": "QA"})
    assert form.choice_load_errors == {"department": "data source 'department_data' does not exist or is inactive"}
    assert form.fields["department"].choices == [("All", "All"), ("QA", "QA")]
    assert "could not be loaded" in form.fields["department"].help_text
    assert form.is_valid()


def test_choices_source_with_a_bad_path_falls_back_to_typing_the_value(department_source):
    form = form_for([choice_param(path="data.teams")], {"department": "Assembly"})
    assert "nothing at 'data.teams'" in form.choice_load_errors["department"]
    assert form.is_valid()
    assert form.parameters() == {"department": "Assembly"}
    multi = {**choice_param(path="data.teams"), "type": "multichoice"}
    form = form_for([multi], {"department": "Assembly, R&D"})
    assert form.is_valid()
    assert form.parameters() == {"department": ["Assembly", "R&D"]}


# Issue 12: only ISO dates; a boolean on the command line is a yes/no word or an error.

@pytest.mark.parametrize("typed", ["01/02/2026", "02/01/2026", "1 Feb 2026", "2026/02/01", "01-02-2026"])
def test_dates_are_iso_only_never_in_the_locales_order(typed):
    form = form_for([{"name": "day", "type": "date"}], {"day": typed})
    assert not form.is_valid()
    assert form.errors["day"] == ["Enter the date as YYYY-MM-DD (for example 2026-01-31)."]
    cli = ParameterForm(data=cli_form_data([{"name": "day", "type": "date"}], {"day": typed}),
                        spec_parameters=[{"name": "day", "type": "date"}], today=TODAY)
    assert not cli.is_valid()
    assert "YYYY-MM-DD" in cli.errors["day"][0]


def test_date_range_start_and_end_are_iso_only():
    form = form_for(PERIOD, cli_form_data(PERIOD, {"period": "01/02/2026..28/02/2026"}))
    assert not form.is_valid()
    assert error_codes(form) == {"period_start": ["invalid"], "period_end": ["invalid"]}
    assert form.errors["period_start"] == ["Enter the date as YYYY-MM-DD (for example 2026-01-31)."]
    good = form_for(PERIOD, cli_form_data(PERIOD, {"period": "2026-02-01..2026-02-28"}))
    assert good.is_valid(), good.errors
    assert good.parameters()["period"]["start"] == "2026-02-01"


def test_cli_boolean_accepts_the_yes_no_words_only():
    params = [{"name": "flag", "type": "boolean"}]
    for typed, expected in [("true", True), ("TRUE", True), ("Yes", True), ("1", True), ("on", True),
                            ("false", False), ("No", False), ("0", False), ("OFF", False)]:
        form = ParameterForm(data=cli_form_data(params, {"flag": typed}), spec_parameters=params)
        assert form.is_valid(), form.errors
        assert form.parameters() == {"flag": expected}
    with pytest.raises(ValueError, match="'flag': 'maybe'"):
        cli_form_data(params, {"flag": "maybe"})


@pytest.mark.parametrize("typed", ["maybe", "", "y", "2", "nope"])
def test_cli_boolean_refuses_other_words_naming_the_parameter(typed):
    with pytest.raises(ValueError) as exc:
        cli_form_data([{"name": "flag", "type": "boolean"}], {"flag": typed})
    assert str(exc.value) == (f"parameter 'flag': '{typed}' is not a yes/no value "
                              "(accepted: true/false, yes/no, 1/0, on/off)")


# Issue 12: an error quotes at most the start of a long value; string parameters have a length limit.

LONG = "x" * 10_000
SHORT_LONG = "x" * 60 + "… (10,000 characters)"


@pytest.mark.parametrize("param, data, field", [
    ({"name": "p", "type": "choice", "choices": ["A", "B"]}, {"p": LONG}, "p"),
    ({"name": "p", "type": "multichoice", "choices": ["A", "B"]}, {"p": ["A", LONG]}, "p"),
    ({"name": "p", "type": "date_range"}, {"p_preset": LONG}, "p_preset"),
    ({"name": "p", "type": "email_list"}, {"p": "a@example.com, " + LONG}, "p"),
])
def test_errors_quote_a_long_value_shortened(param, data, field):
    form = form_for([param], data)
    assert not form.is_valid()
    message = form.errors[field][0]
    assert SHORT_LONG in message
    assert LONG not in message and len(message) < 200


def test_cli_errors_quote_a_long_value_shortened():
    with pytest.raises(ValueError) as exc:
        cli_form_data([{"name": "flag", "type": "boolean"}], {"flag": LONG})
    assert SHORT_LONG in str(exc.value) and len(str(exc.value)) < 200
    with pytest.raises(ValueError) as exc:
        cli_form_data([{"name": "a"}], {LONG: "1"})
    assert SHORT_LONG in str(exc.value) and len(str(exc.value)) < 200


@pytest.mark.parametrize("ptype", ["string", "text"])
def test_string_parameters_without_max_length_take_at_most_the_setting(ptype):
    params = [{"name": "p", "type": ptype}]
    assert form_for(params, {"p": "y" * 2000}).is_valid()
    too_long = form_for(params, {"p": "y" * 2001})
    assert error_codes(too_long) == {"p": ["max_length"]}
    assert too_long.errors["p"] == ["Ensure this value has at most 2000 characters (it has 2001)."]
    with override_settings(REPORTING_PARAMETER_MAX_LENGTH=10):
        assert error_codes(form_for(params, {"p": "y" * 11})) == {"p": ["max_length"]}
    # The template's own max_length wins.
    assert form_for([{"name": "p", "type": ptype, "max_length": 5000}], {"p": "y" * 4000}).is_valid()
