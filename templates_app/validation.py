"""Spec validation: every problem with a JSON pointer, a stable code and a readable sentence."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .parameters import PARAMETER_TYPES

SECTION_TYPES = ("heading", "text", "kpis", "chart", "table", "page_break")
OUTPUTS = ("pdf", "xlsx")


@dataclass(frozen=True)
class SpecProblem:
    pointer: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.pointer or '/'}: {self.message} [{self.code}]"


def validate_spec(spec: Any, *, known_sources: set[str] | None = None) -> list[SpecProblem]:
    """All problems found in ``spec`` (empty list: valid). Never raises for any input."""
    problems: list[SpecProblem] = []
    if not isinstance(spec, dict):
        return [SpecProblem("", "not_an_object", "The spec must be a JSON object.")]
    if not isinstance(spec.get("title"), str) or not spec.get("title", "").strip():
        problems.append(SpecProblem("/title", "required", "The spec needs a non-empty title."))

    params = spec.get("parameters", [])
    if not isinstance(params, list):
        problems.append(SpecProblem("/parameters", "type", "parameters must be a list."))
        params = []
    seen: set[str] = set()
    for i, param in enumerate(params):
        if not isinstance(param, dict) or not isinstance(param.get("name"), str):
            problems.append(SpecProblem(f"/parameters/{i}", "required", "Each parameter needs a name."))
            continue
        if param["name"] in seen:
            problems.append(SpecProblem(f"/parameters/{i}/name", "duplicate_name",
                                        f"Parameter name '{param['name']}' is used twice."))
        seen.add(param["name"])
        if param.get("type", "string") not in PARAMETER_TYPES:
            problems.append(SpecProblem(f"/parameters/{i}/type", "unknown_parameter_type",
                                        f"Unknown parameter type '{param.get('type')}'."))

    sources = spec.get("sources", [])
    if not isinstance(sources, list):
        problems.append(SpecProblem("/sources", "type", "sources must be a list."))
        sources = []
    for i, ref in enumerate(sources):
        name = ref.get("source") if isinstance(ref, dict) else None
        if not isinstance(name, str):
            problems.append(SpecProblem(f"/sources/{i}/source", "required", "Each source entry names a source."))
        elif known_sources is not None and name not in known_sources:
            problems.append(SpecProblem(f"/sources/{i}/source", "unknown_source",
                                        f"No active data source is called '{name}'."))

    processors = spec.get("processors", [])
    if not isinstance(processors, list):
        problems.append(SpecProblem("/processors", "type", "processors must be a list."))
        processors = []
    from reporting.pipeline.processors.registry import registered_processors

    registered = set(registered_processors())
    for i, name in enumerate(processors):
        if name not in registered:
            problems.append(SpecProblem(f"/processors/{i}", "unknown_processor",
                                        f"No processor is registered as '{name}'."))

    sections = spec.get("sections", [])
    if not isinstance(sections, list) or not sections:
        problems.append(SpecProblem("/sections", "required", "The spec needs a non-empty list of sections."))
        sections = []
    for i, section in enumerate(sections):
        if not isinstance(section, dict) or section.get("type") not in SECTION_TYPES:
            problems.append(SpecProblem(f"/sections/{i}/type", "unknown_section_type",
                                        f"Section type must be one of {', '.join(SECTION_TYPES)}."))
            continue
        if section["type"] in ("kpis", "chart", "table") and not isinstance(section.get("data"), str):
            problems.append(SpecProblem(f"/sections/{i}/data", "required", "This section needs a data path."))
        if section["type"] == "chart" and (not section.get("x") or not section.get("y")):
            problems.append(SpecProblem(f"/sections/{i}", "chart_fields", "A chart needs x and y fields."))
        if section["type"] == "table" and not isinstance(section.get("columns"), list):
            problems.append(SpecProblem(f"/sections/{i}/columns", "required", "A table needs columns."))

    outputs = spec.get("outputs", list(OUTPUTS))
    if not isinstance(outputs, list) or not outputs:
        problems.append(SpecProblem("/outputs", "required", "outputs must list at least one format."))
    else:
        for i, fmt in enumerate(outputs):
            if fmt not in OUTPUTS:
                problems.append(SpecProblem(f"/outputs/{i}", "unsupported_output",
                                            f"Output '{fmt}' is not supported (pdf, xlsx)."))
    return problems
