"""The sample-data layer: the processors run on a version's sample data, and every data section's
path and fields must resolve in what they produce."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..spec import DATA_SECTION_TYPES
from .problems import SpecProblem, json_objects, pointer_for


def processed_sample_data(spec: dict[str, Any], sample_data: Mapping[str, Any],
                          parameters: dict[str, Any] | None = None):
    """What the processors make of the sample data: the same call a job run makes."""
    from reporting.pipeline.engine import process_sources

    names = [n for n in spec.get("processors") or [] if isinstance(n, str)]
    sources = {name: payload for name, payload in dict(sample_data).items()}
    return process_sources(spec={"processors": names, "metrics": spec.get("metrics"), "scores": spec.get("scores")},
                           sources=sources, parameters=parameters or {})


def sample_data_problems(spec: dict[str, Any], sample_data: Any) -> list[SpecProblem]:
    if not isinstance(sample_data, Mapping):
        return [SpecProblem("", "bad_sample_data", "Sample data must be an object with one payload per source name.")]
    from reporting.pipeline.engine import registered_processors

    names = spec.get("processors") or []
    if not isinstance(names, list) or any(not isinstance(n, str) or n not in registered_processors() for n in names):
        return []  # already reported; running unknown processors says nothing new
    try:
        processed = processed_sample_data(spec, sample_data)
    except Exception as exc:  # processors are other people's code fed with arbitrary sample data
        return [SpecProblem("/processors", "processors_failed",
                            f"The processors failed on the sample data: {type(exc).__name__}: {exc}.")]
    return section_data_problems(spec, processed.data)


def section_data_problems(spec: dict[str, Any], data: dict[str, Any]) -> list[SpecProblem]:
    """Each data section's path and fields checked against processed data."""
    from reporting.pipeline.datapath import DataPathError, resolve_rows

    problems: list[SpecProblem] = []

    def add(path: list[Any], code: str, message: str) -> None:
        problems.append(SpecProblem(pointer_for(path), code, message))

    for i, section in json_objects(spec.get("sections")):
        path = section.get("data")
        if section.get("type") == "rules" and isinstance(path, str) and path:
            if not isinstance(data.get(path), list):
                add(["sections", i, "data"], "data_path_unresolved",
                    f"A rules section shows a list of sentences, but the processors give none at '{path}' "
                    "(the QMS processors write 'rules' and 'data_notes').")
            continue
        if section.get("type") not in DATA_SECTION_TYPES or not isinstance(path, str) or not path:
            continue
        try:
            rows = resolve_rows(data, path)
        except DataPathError as exc:
            if exc.failed_at.startswith(f"{path} ("):
                add(["sections", i, "data"], "data_not_rows",
                    f"Data path '{path}' gives a single value, not rows for a {section['type']}.")
            else:
                add(["sections", i, "data"], "data_path_unresolved",
                    f"Data path '{path}' does not resolve in the processed sample data (no '{exc.failed_at}'; "
                    f"top-level keys: {', '.join(sorted(map(str, data))) or 'none'}).")
            continue
        if not rows:
            continue  # no rows in the sample: fields cannot be checked (not an error in itself)
        fields = set().union(*(row.keys() for row in rows))

        def check_field(at: list[Any], name: Any, role: str) -> None:
            if isinstance(name, str) and name not in fields:
                add(["sections", i, *at], "unknown_field",
                    f"{role} '{name}' is not a field of the rows at '{path}' "
                    f"(fields: {', '.join(sorted(map(str, fields)))}).")

        if section.get("type") == "chart":
            check_field(["x"], section.get("x"), "The x field")
            y = section.get("y")
            if isinstance(y, str):
                check_field(["y"], y, "The y field")
            elif isinstance(y, list):
                for j, name in enumerate(y):
                    check_field(["y", j], name, "The y field")
        elif section.get("type") == "table":
            for j, column in json_objects(section.get("columns")):
                check_field(["columns", j, "field"], column.get("field"), "The column field")
            totals = section.get("totals")
            for j, name in enumerate(totals if isinstance(totals, list) else []):
                check_field(["totals", j], name, "The totals field")
    return problems
