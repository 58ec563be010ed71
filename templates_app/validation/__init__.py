"""Spec validation: every problem with a JSON pointer, a stable code and a readable sentence.

Layers, one module each:
0. ``limits``: size, nesting depth, text length, finite numbers (settings ``REPORTING_SPEC_MAX_*``),
   before anything else walks the spec;
1. ``schema``: the JSON Schema in ``templates_app/schema/template_spec.schema.json`` (structure,
   types, allowed values);
2. ``semantic`` and ``parameters``: what the schema cannot express: unique names, known and active
   sources, registered processors, placeholders naming declared parameters, defaults valid for
   their type;
3. ``sample_data``: when sample data is given, every section's data path and fields resolving
   against what the processors really produce from it.

``validate_spec`` is pure (no database); ``templates_app.selectors.template_spec_problems`` feeds it
the data sources from the database. A spec it finds no problem in can be read with
``templates_app.spec.parse_spec``.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .limits import (
    JsonRefused, json_parse, json_value_problems, sample_data_limit_problems, spec_limit_problems, spec_limits_check,
)
from .problems import SourceInfo, SpecProblem, pointer_for
from .sample_data import processed_sample_data, sample_data_problems, section_data_problems
from .schema import SCHEMA_PATH, schema_problems, spec_schema
from .semantic import SemanticChecks

__all__ = ["SCHEMA_PATH", "JsonRefused", "SourceInfo", "SpecProblem", "json_parse", "json_value_problems",
           "pointer_for", "processed_sample_data", "sample_data_limit_problems", "section_data_problems",
           "spec_limit_problems", "spec_limits_check", "spec_schema", "validate_spec"]


def validate_spec(spec: Any, *, known_sources: set[str] | Mapping[str, SourceInfo] | None = None,
                  sample_data: Mapping[str, Any] | None = None) -> list[SpecProblem]:
    """All problems found in ``spec`` (empty list: valid). Never raises for any input.

    ``known_sources``: the data sources a template may use — a set of active names, or SourceInfo by
    name (then inactive sources and placeholders in the source's own query params/body are checked
    too). ``None`` skips source checks. ``sample_data``: sample payload per source name; when
    given, the processors run on it and every section's data path and fields must resolve.
    """
    if not isinstance(spec, dict):
        return [SpecProblem("", "not_an_object", "The spec must be a JSON object (in curly braces).")]
    problems = spec_limit_problems(spec)
    if any(p.code in ("too_deep", "too_large") for p in problems):
        return problems  # every later layer recurses or works per section: it must not see this spec
    problems += schema_problems(spec)
    catalogue = _catalogue(known_sources)
    checks = SemanticChecks(spec, catalogue)
    problems += checks.run()
    if sample_data is not None:
        sample_limits = sample_data_limit_problems(sample_data)
        # Pointers of a SpecProblem are into the spec: the sample data's own pointer goes in the message.
        problems += [SpecProblem("", p.code, f"Sample data at {p.pointer or '/'}: {p.message}") for p in sample_limits]
        if not sample_limits:
            problems += sample_data_problems(spec, sample_data)
    return _unique(problems)


def _unique(problems: list[SpecProblem]) -> list[SpecProblem]:
    seen: set[SpecProblem] = set()
    out = []
    for problem in problems:
        if problem not in seen:
            seen.add(problem)
            out.append(problem)
    return out


def _catalogue(known: set[str] | Mapping[str, SourceInfo] | None) -> dict[str, SourceInfo] | None:
    if known is None:
        return None
    if isinstance(known, Mapping):
        return dict(known)
    return {name: SourceInfo(name=name) for name in known}
