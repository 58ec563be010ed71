"""No input crashes validation: random JSON and mutated demo specs always give a list of problems.

And validation finds what is wrong: generated valid specs give no problem, and each known-bad change
to one gives the problem (pointer and code) that names it.
"""
import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from templates_app.validation import SpecProblem, validate_spec
from tests.templates_app.conftest import DEMO_SOURCES, demo_template

DEMO = demo_template()
KEYS = ["title", "type", "data", "x", "y", "name", "default", "choices", "sections", "parameters", "sources",
        "processors", "outputs", "columns", "totals", "params", "source", "kind", "presets", "min", "max",
        "regex", "choices_from", "path", "field", "format", "labels", "level", "page"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                    st.text(max_size=12), st.sampled_from(["{period.start}", "{x.y.z}", "custom", "last_month",
                                                           "departments", "kpis", "([", "2026-02-30", "pdf"]))
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=6)), inner,
                                                 max_size=4)), max_leaves=20)


def paths_of(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths_of(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths_of(item, prefix + (index,))


ALL_PATHS = [p for p in paths_of(DEMO["spec"]) if p]


@st.composite
def mutated_specs(draw):
    spec = copy.deepcopy(DEMO["spec"])
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(ALL_PATHS))
        parent = spec
        try:
            for part in path[:-1]:
                parent = parent[part]
            action = draw(st.sampled_from(["replace", "delete"]))
            if action == "delete":
                del parent[path[-1]]
            else:
                parent[path[-1]] = draw(json_values)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced this path
    return spec


def check(spec, sample):
    problems = validate_spec(spec, known_sources=set(DEMO_SOURCES), sample_data=sample)
    assert isinstance(problems, list)
    assert all(isinstance(p, SpecProblem) and isinstance(p.message, str) and p.code for p in problems)
    assert all(p.pointer == "" or p.pointer.startswith("/") for p in problems)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_random_json_never_crashes(value):
    check(value, None)
    check(value, DEMO["sample_data"])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_specs(), st.booleans())
def test_mutated_demo_specs_never_crash(spec, with_sample):
    json.dumps(spec)  # still JSON: what an admin could type
    check(spec, DEMO["sample_data"] if with_sample else None)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from(list(DEMO["sample_data"]) + ["x"]), json_values, max_size=4))
def test_random_sample_data_never_crashes(sample):
    check(copy.deepcopy(DEMO["spec"]), sample)


# ---- known-bad changes: each must be reported with its pointer and code

BASES = [demo_template("monthly-quality.json"), demo_template("training-compliance.json")]


def _index_of(items, **match):
    return next(i for i, item in enumerate(items) if all(item.get(k) == v for k, v in match.items()))


def _first_data_path(spec):
    return next(s["data"] for s in spec["sections"] if s["type"] in ("table", "chart"))


@st.composite
def valid_specs(draw):
    """(spec, sample data): a demo template with another title, some of its sections (always its
    first table), its parameters in another order and some of its outputs: still valid."""
    base = draw(st.sampled_from(BASES))
    spec = copy.deepcopy(base["spec"])
    # No NUL: PostgreSQL's jsonb cannot store \u0000, so validation refuses it (bad_character).
    spec["title"] = draw(st.text(st.characters(blacklist_characters="\x00"), min_size=1, max_size=30).filter(str.strip))
    keep = set(draw(st.lists(st.integers(0, len(spec["sections"]) - 1), min_size=2, unique=True)))
    keep.add(_index_of(spec["sections"], type="table"))
    spec["sections"] = [spec["sections"][i] for i in sorted(keep)]
    spec["parameters"] = draw(st.permutations(spec["parameters"]))
    spec["outputs"] = draw(st.sampled_from([["pdf"], ["xlsx"], ["pdf", "xlsx"], ["xlsx", "pdf"]]))
    return spec, base["sample_data"]


# Each mutation: (spec, pick) -> (pointer, code) it must produce; pick(n) chooses an index below n.
# Those in NEEDS_SAMPLE are only found when the processors run on sample data.

def replace_in(list_key, key, value, code):
    """Mutation: one item of the spec's list ``list_key`` gets ``value`` under ``key``."""
    def mutation(spec, pick):
        i = pick(len(spec[list_key]))
        spec[list_key][i][key] = value
        return f"/{list_key}/{i}/{key}", code
    mutation.__name__ = f"{list_key}_{key}_{code}"
    return mutation


def repeat_in(list_key, key, code):
    """Mutation: one item of the spec's list ``list_key`` appears again at its end."""
    def mutation(spec, pick):
        spec[list_key].append(copy.deepcopy(spec[list_key][pick(len(spec[list_key]))]))
        return f"/{list_key}/{len(spec[list_key]) - 1}/{key}", code
    mutation.__name__ = f"{list_key}_{code}"
    return mutation


def drop_title(spec, pick):
    del spec["title"]
    return "/title", "required"


def blank_title(spec, pick):
    spec["title"] = " \t "
    return "/title", "bad_format"


def no_sections(spec, pick):
    spec["sections"] = []
    return "/sections", "empty_list"


def unknown_top_level_key(spec, pick):
    spec["colour"] = "red"
    return "/colour", "unknown_key"


def unsupported_output(spec, pick):
    spec["outputs"].append("docx")
    return f"/outputs/{len(spec['outputs']) - 1}", "unsupported_output"


def output_twice(spec, pick):
    spec["outputs"].append(spec["outputs"][pick(len(spec["outputs"]))])
    return "/outputs", "duplicate_item"


def unknown_processor(spec, pick):
    spec["processors"].insert(pick(len(spec["processors"]) + 1), "qms.nope")
    return f"/processors/{spec['processors'].index('qms.nope')}", "unknown_processor"


def placeholder_of_no_parameter(spec, pick):
    i = pick(len(spec["sources"]))
    spec["sources"][i]["params"] = {"since": "{nope.start}"}
    return f"/sources/{i}/params/since", "unknown_placeholder"


def placeholder_part_of_a_single_value(spec, pick):
    i = pick(len(spec["sources"]))
    spec["sources"][i]["params"] = {"dept": "{department.start}"}
    return f"/sources/{i}/params/dept", "bad_placeholder_part"


def date_range_default_not_a_preset(spec, pick):
    i = _index_of(spec["parameters"], type="date_range")
    spec["parameters"][i]["default"] = "next_year"
    return f"/parameters/{i}/default", "invalid_default"


def choice_default_not_a_choice(spec, pick):
    i = _index_of(spec["parameters"], type="choice")
    spec["parameters"][i]["default"] = "Nowhere"
    return f"/parameters/{i}/default", "invalid_default"


def choice_without_choices(spec, pick):
    i = _index_of(spec["parameters"], type="choice")
    del spec["parameters"][i]["choices"]
    return f"/parameters/{i}", "choices_missing"


def min_above_max(spec, pick):
    spec["parameters"].append({"name": "top", "type": "integer", "min": 5 + pick(10), "max": 4})
    return f"/parameters/{len(spec['parameters']) - 1}/min", "min_above_max"


def broken_regex(spec, pick):
    spec["parameters"].append({"name": "code", "type": "string", "regex": "(["})
    return f"/parameters/{len(spec['parameters']) - 1}/regex", "invalid_regex"


def section_name_twice(spec, pick):
    i = pick(len(spec["sections"]) - 1)
    j = i + 1 + pick(len(spec["sections"]) - i - 1)
    spec["sections"][i]["name"] = spec["sections"][j]["name"] = "same"
    return f"/sections/{j}/name", "duplicate_section_name"


def section_text_not_text(spec, pick):
    spec["sections"].insert(pick(len(spec["sections"]) + 1), {"type": "heading", "text": 5})
    i = next(i for i, s in enumerate(spec["sections"]) if s.get("text") == 5)
    return f"/sections/{i}/text", "wrong_type"


def table_column_of_no_field(spec, pick):
    spec["sections"].append({"type": "table", "data": _first_data_path(spec), "columns": [{"field": "nope"}]})
    return f"/sections/{len(spec['sections']) - 1}/columns/0/field", "unknown_field"


def chart_of_no_field(spec, pick):
    spec["sections"].append({"type": "chart", "kind": "bar", "data": _first_data_path(spec), "x": "nope", "y": "n"})
    return f"/sections/{len(spec['sections']) - 1}/x", "unknown_field"


def data_path_of_nothing(spec, pick):
    spec["sections"].insert(pick(len(spec["sections"]) + 1), {"type": "kpis", "data": "nowhere.at_all"})
    i = next(i for i, s in enumerate(spec["sections"]) if s.get("data") == "nowhere.at_all")
    return f"/sections/{i}/data", "data_path_unresolved"


MUTATIONS = [
    drop_title, blank_title, no_sections, unknown_top_level_key,
    replace_in("parameters", "type", "colour", "unknown_parameter_type"),
    replace_in("sections", "type", "map", "unknown_section_type"),
    unsupported_output, output_twice, repeat_in("parameters", "name", "duplicate_name"),
    replace_in("parameters", "name", "2nd period", "bad_format"),
    replace_in("sources", "source", "nowhere", "unknown_source"), repeat_in("sources", "source", "duplicate_source"),
    unknown_processor, placeholder_of_no_parameter, placeholder_part_of_a_single_value,
    date_range_default_not_a_preset, choice_default_not_a_choice, choice_without_choices, min_above_max,
    broken_regex, section_name_twice, section_text_not_text, table_column_of_no_field, chart_of_no_field,
    data_path_of_nothing,
]
NEEDS_SAMPLE = {table_column_of_no_field, chart_of_no_field, data_path_of_nothing}


def assert_reported(spec, sample, mutation, pick):
    pointer, code = mutation(spec, pick)
    problems = validate_spec(spec, known_sources=set(DEMO_SOURCES), sample_data=sample)
    check(spec, sample)
    found = {(p.pointer, p.code) for p in problems}
    assert (pointer, code) in found, f"{mutation.__name__}: expected {pointer} [{code}], got {sorted(found)}"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_specs(), st.booleans())
def test_generated_valid_specs_have_no_problems(base, with_sample):
    spec, sample = base
    assert validate_spec(spec, known_sources=set(DEMO_SOURCES), sample_data=sample if with_sample else None) == []


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_specs(), st.sampled_from(MUTATIONS), st.booleans(), st.data())
def test_each_known_bad_change_to_a_valid_spec_is_reported(base, mutation, with_sample, data):
    spec, sample = copy.deepcopy(base[0]), base[1]
    with_sample = with_sample or mutation in NEEDS_SAMPLE
    assert_reported(spec, sample if with_sample else None, mutation,
                    lambda n: data.draw(st.integers(0, n - 1), label="index"))


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("base", BASES, ids=["monthly", "training"])
def test_each_known_bad_change_to_each_demo_template_is_reported(base, mutation):
    # Every mutation at least once per run (hypothesis samples them), at the first and the last index.
    for pick in (lambda n: 0, lambda n: n - 1):
        assert_reported(copy.deepcopy(base["spec"]), base["sample_data"] if mutation in NEEDS_SAMPLE else None,
                        mutation, pick)


def test_a_spec_that_is_not_an_object_is_reported():
    for value in ([], "spec", 3, None):
        assert [(p.pointer, p.code) for p in validate_spec(value)] == [("", "not_an_object")]
