"""No input crashes validation: random JSON and mutated demo specs always give a list of problems."""
import copy
import json

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
