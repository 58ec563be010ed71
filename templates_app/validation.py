"""Spec validation: every problem with a JSON pointer, a stable code and a readable sentence.

Two layers:
1. the JSON Schema in ``schema/template_spec.schema.json`` (structure, types, allowed values);
2. semantic checks the schema cannot express: unique names, known and active sources, registered
   processors, placeholders naming declared parameters, defaults valid for their type, and — when
   sample data is given — every section's data path and fields resolving against what the
   processors really produce from that sample data.

``validate_spec`` is pure (no database); ``templates_app.selectors.template_spec_problems`` feeds it
the data sources from the database.
"""
from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .parameters import PARAMETER_TYPES
from .presets import PRESETS

SECTION_TYPES = ("heading", "text", "kpis", "chart", "table", "page_break")
DATA_SECTION_TYPES = ("kpis", "chart", "table")
OUTPUTS = ("pdf", "xlsx")
SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "template_spec.schema.json"
# Same grammar as reporting.pipeline.aggregation.placeholders (which resolves them at run time).
PLACEHOLDER = re.compile(r"\{([A-Za-z_]\w*(?:\.\w+)*)\}")
DATE_RANGE_PARTS = ("start", "end", "preset")


@dataclass(frozen=True)
class SpecProblem:
    pointer: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.pointer or '/'}: {self.message} [{self.code}]"


@dataclass(frozen=True)
class SourceInfo:
    """What validation needs to know about a DataSource (so validation itself needs no database)."""

    name: str
    is_active: bool = True
    query_params: Any = field(default_factory=dict)
    body: Any = None
    # What the source itself may not do (unknown analytics connection, disallowed secret, ...).
    problems: tuple[str, ...] = ()


def pointer_for(parts: Iterable[Any]) -> str:
    """RFC 6901 JSON pointer for a path of keys and indexes."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


@functools.cache
def spec_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@functools.cache
def _schema_validator():
    from jsonschema import Draft202012Validator

    schema = spec_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


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
    problems = _schema_problems(spec)
    catalogue = _catalogue(known_sources)
    checks = _SemanticChecks(spec, catalogue)
    problems += checks.run()
    if sample_data is not None:
        problems += _data_problems(spec, sample_data)
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


# ----------------------------------------------------------------------------- JSON Schema layer

_SPECIAL_ENUM_CODES = {
    ("sections", "*", "type"): "unknown_section_type",
    ("parameters", "*", "type"): "unknown_parameter_type",
    ("outputs", "*"): "unsupported_output",
}


def _schema_problems(spec: dict[str, Any]) -> list[SpecProblem]:
    try:
        errors = list(_schema_validator().iter_errors(spec))
    except RecursionError:  # absurdly deep nesting: say so instead of crashing
        return [SpecProblem("", "too_deep", "The spec is nested too deeply to be checked.")]
    problems: list[SpecProblem] = []
    for error in errors:
        problems.extend(_from_schema_error(spec, error))
    return problems


def _from_schema_error(spec: dict[str, Any], error) -> list[SpecProblem]:
    path = list(error.absolute_path)
    where = _describe(spec, path)
    keyword = error.validator
    schema = error.schema if isinstance(error.schema, dict) else {}
    if keyword == "required":
        present = error.instance if isinstance(error.instance, dict) else {}
        return [SpecProblem(pointer_for(path + [name]), "required", f"{where} needs \"{name}\".")
                for name in error.validator_value if name not in present]
    if keyword in ("additionalProperties", "unevaluatedProperties"):
        allowed = sorted(schema.get("properties", {}))
        extra = [k for k in (error.instance or {}) if k not in allowed]
        return [SpecProblem(pointer_for(path + [key]), "unknown_key",
                            f"{where} has an unknown key \"{key}\" (allowed: {', '.join(allowed)}).")
                for key in extra]
    pointer = pointer_for(path)
    if keyword == "type":
        expected = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        return [SpecProblem(pointer, "wrong_type",
                            f"{where} must be {' or '.join(_TYPE_WORDS.get(t, t) for t in expected)}, "
                            f"not {_json_type(error.instance)}.")]
    if keyword in ("enum", "const"):
        allowed = error.validator_value if keyword == "enum" else [error.validator_value]
        code = _enum_code(path)
        return [SpecProblem(pointer, code, f"{where} is {_short(error.instance)}; allowed: "
                                           f"{', '.join(str(a) for a in allowed)}.")]
    if keyword == "minItems":
        return [SpecProblem(pointer, "empty_list", f"{where} must list at least {error.validator_value} item(s).")]
    if keyword == "uniqueItems":
        return [SpecProblem(pointer, "duplicate_item", f"{where} lists the same value twice.")]
    if keyword == "minLength":
        return [SpecProblem(pointer, "empty_text", f"{where} must not be empty.")]
    if keyword == "minimum":
        return [SpecProblem(pointer, "too_small", f"{where} must be at least {error.validator_value}.")]
    if keyword in ("pattern", "oneOf", "anyOf", "false"):
        description = schema.get("description", "has a form that is not allowed here")
        return [SpecProblem(pointer, "bad_format", f"{where} {description}.")]
    return [SpecProblem(pointer, f"schema_{keyword}", f"{where}: {error.message}.")]


_TYPE_WORDS = {"object": "an object", "array": "a list", "string": "text", "number": "a number",
               "integer": "a whole number", "boolean": "true or false", "null": "null"}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str) if not isinstance(value, str) else f"\"{value}\""
    return text if len(text) <= 60 else text[:57] + "…"


def _enum_code(path: list[Any]) -> str:
    for pattern, code in _SPECIAL_ENUM_CODES.items():
        if len(path) == len(pattern) and all(p == "*" or p == q for p, q in zip(pattern, path)):
            return code
    return "not_allowed"


def _describe(spec: Any, path: list[Any]) -> str:
    """Where in the spec, as a person says it: 'Section 4 (chart) "y"'."""
    if not path:
        return "The spec"
    head = path[0]
    rest = path[1:]
    if head in ("parameters", "sections", "sources", "outputs", "processors") and rest and isinstance(rest[0], int):
        index = rest[0]
        item = _at(spec, [head, index])
        noun = {"parameters": "Parameter", "sections": "Section", "sources": "Source entry",
                "outputs": "Output", "processors": "Processor"}[head]
        label = f"{noun} {index + 1}"
        if head == "parameters" and isinstance(item, dict) and isinstance(item.get("name"), str):
            label += f" ('{item['name']}')"
        if head == "sections" and isinstance(item, dict) and isinstance(item.get("type"), str):
            label += f" ({item['type']})"
        tail = rest[1:]
        if len(tail) >= 2 and tail[0] == "columns" and isinstance(tail[1], int):
            label = f"Column {tail[1] + 1} of {label[0].lower()}{label[1:]}"
            tail = tail[2:]
        return label + "".join(f" \"{p}\"" if isinstance(p, str) else f" item {p + 1}" for p in tail)
    if len(path) == 1:
        return f"The \"{head}\""
    return f"\"{pointer_for(path)}\""


def _at(value: Any, path: list[Any]) -> Any:
    for part in path:
        if isinstance(value, dict) and isinstance(part, str):
            value = value.get(part)
        elif isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value):
            value = value[part]
        else:
            return None
    return value


# ----------------------------------------------------------------------------- semantic layer

def _items(value: Any) -> list[tuple[int, dict[str, Any]]]:
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)] if isinstance(value, list) else []


class _SemanticChecks:
    def __init__(self, spec: dict[str, Any], catalogue: dict[str, SourceInfo] | None):
        self.spec = spec
        self.catalogue = catalogue
        self.problems: list[SpecProblem] = []
        self.parameters = {p["name"]: p for _, p in _items(spec.get("parameters")) if isinstance(p.get("name"), str)}

    def add(self, path: list[Any], code: str, message: str) -> None:
        self.problems.append(SpecProblem(pointer_for(path), code, message))

    def run(self) -> list[SpecProblem]:
        self.unique_parameter_names()
        self.unique_section_names()
        for i, param in _items(self.spec.get("parameters")):
            ParameterChecks(self, i, param).run()
        self.source_references()
        self.processors()
        self.outputs()
        return self.problems

    def unique_parameter_names(self) -> None:
        seen: set[str] = set()
        for i, param in _items(self.spec.get("parameters")):
            name = param.get("name")
            if not isinstance(name, str):
                continue
            if name in seen:
                self.add(["parameters", i, "name"], "duplicate_name", f"Parameter name '{name}' is used twice.")
            seen.add(name)

    def unique_section_names(self) -> None:
        seen: set[str] = set()
        for i, section in _items(self.spec.get("sections")):
            for key in ("name", "id"):
                value = section.get(key)
                if not isinstance(value, str):
                    continue
                if value in seen:
                    self.add(["sections", i, key], "duplicate_section_name",
                             f"Section name '{value}' is used by another section.")
                seen.add(value)

    def source_references(self) -> None:
        seen: set[str] = set()
        for i, ref in _items(self.spec.get("sources")):
            name = ref.get("source")
            if not isinstance(name, str):
                continue
            if name in seen:
                self.add(["sources", i, "source"], "duplicate_source", f"Data source '{name}' is listed twice.")
            seen.add(name)
            self.check_source_exists(["sources", i, "source"], name)
            self.placeholders(ref.get("params"), ["sources", i, "params"], where="this source entry's params")
            info = (self.catalogue or {}).get(name)
            if info is not None:
                for attr in ("query_params", "body"):
                    for placeholder, problem in self.placeholder_problems(getattr(info, attr)):
                        self.add(["sources", i, "source"], problem,
                                 f"Data source '{name}' uses {{{placeholder}}} in its {attr.replace('_', ' ')}, "
                                 f"but {self.placeholder_reason(placeholder)}.")

    def check_source_exists(self, path: list[Any], name: str) -> None:
        if self.catalogue is None:
            return
        info = self.catalogue.get(name)
        if info is None:
            self.add(path, "unknown_source", f"No active data source is called '{name}'.")
        elif not info.is_active:
            self.add(path, "inactive_source", f"Data source '{name}' is inactive.")
        for problem in info.problems if info is not None else ():
            self.add(path, "source_misconfigured", f"Data source '{name}' cannot be used: {problem}.")

    def placeholders(self, value: Any, path: list[Any], *, where: str) -> None:
        for sub_path, text in _strings(value, path):
            for placeholder, code in self.placeholder_problems(text):
                self.add(sub_path, code, f"{{{placeholder}}} in {where} does not work: "
                                         f"{self.placeholder_reason(placeholder)}.")

    def placeholder_problems(self, value: Any) -> list[tuple[str, str]]:
        found = []
        for _, text in _strings(value, []):
            for match in PLACEHOLDER.finditer(text):
                placeholder = match.group(1)
                name, *parts = placeholder.split(".")
                param = self.parameters.get(name)
                if param is None:
                    found.append((placeholder, "unknown_placeholder"))
                elif parts and not (param.get("type") == "date_range" and len(parts) == 1
                                    and parts[0] in DATE_RANGE_PARTS):
                    found.append((placeholder, "bad_placeholder_part"))
        return found

    def placeholder_reason(self, placeholder: str) -> str:
        name, *parts = placeholder.split(".")
        param = self.parameters.get(name)
        if param is None:
            return f"the template declares no parameter '{name}'"
        if param.get("type") == "date_range":
            return f"a date range parameter only has .start, .end and .preset, not .{'.'.join(parts)}"
        return f"parameter '{name}' is a single value and has no .{'.'.join(parts)}"

    def processors(self) -> None:
        names = self.spec.get("processors")
        if not isinstance(names, list):
            return
        from reporting.pipeline.processors.registry import registered_processors

        registered = registered_processors()
        for i, name in enumerate(names):
            if isinstance(name, str) and name not in registered:
                self.add(["processors", i], "unknown_processor",
                         f"No processor is registered as '{name}' (known: {', '.join(registered)}).")

    def outputs(self) -> None:
        outputs = self.spec.get("outputs")
        if not isinstance(outputs, list):
            return
        from reporting.pipeline.rendering.base import available_formats

        available = available_formats()
        for i, fmt in enumerate(outputs):
            if isinstance(fmt, str) and fmt in OUTPUTS and fmt not in available:
                self.add(["outputs", i], "unsupported_output", f"No renderer is installed for '{fmt}'.")


def _strings(value: Any, path: list[Any]) -> list[tuple[list[Any], str]]:
    """Every string inside a JSON value, with its path (iterative: no recursion limit to hit)."""
    found, stack = [], [(path, value)]
    while stack:
        here, item = stack.pop()
        if isinstance(item, str):
            found.append((here, item))
        elif isinstance(item, dict):
            stack.extend((here + [k], v) for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((here + [i], v) for i, v in enumerate(item))
    found.reverse()
    return found


class ParameterChecks:
    """Constraints and default of one parameter, checked against its type."""

    def __init__(self, checks: _SemanticChecks, index: int, param: dict[str, Any]):
        self.checks, self.index, self.param = checks, index, param
        self.ptype = param.get("type", "string")
        self.name = param.get("name", f"#{index + 1}")

    def add(self, key: str | list[Any], code: str, message: str) -> None:
        keys = key if isinstance(key, list) else [key]
        self.checks.add(["parameters", self.index, *keys], code, message)

    def run(self) -> None:
        if self.ptype not in PARAMETER_TYPES:
            return  # the schema already reported it
        regex = self.constraint_regex()
        self.min_max()
        self.choices()
        if "default" in self.param and self.param["default"] is not None:
            reason = self.default_problem(self.param["default"], regex)
            if reason:
                self.add("default", "invalid_default", f"The default of parameter '{self.name}' {reason}.")

    def constraint_regex(self) -> re.Pattern[str] | None:
        pattern = self.param.get("regex")
        if not isinstance(pattern, str):
            return None
        try:
            return re.compile(pattern)
        except (re.error, RecursionError, OverflowError) as exc:
            self.add("regex", "invalid_regex", f"The regex of parameter '{self.name}' is not a valid pattern: {exc}.")
            return None

    def min_max(self) -> None:
        lo, hi = self.param.get("min"), self.param.get("max")
        lo_v, hi_v = self.bound("min", lo), self.bound("max", hi)
        if lo_v is not None and hi_v is not None and lo_v > hi_v:
            self.add("min", "min_above_max", f"Parameter '{self.name}' has min {lo} above max {hi}.")
        lo_len, hi_len = self.param.get("min_length"), self.param.get("max_length")
        if (isinstance(lo_len, int) and isinstance(hi_len, int) and not isinstance(lo_len, bool)
                and not isinstance(hi_len, bool) and lo_len > hi_len):
            self.add("min_length", "min_above_max",
                     f"Parameter '{self.name}' has min_length {lo_len} above max_length {hi_len}.")

    def bound(self, key: str, value: Any) -> Any:
        if value is None:
            return None
        if self.ptype in ("integer", "decimal") and not isinstance(value, bool) and isinstance(value, (int, float)):
            if isinstance(value, float) and value != value:
                return None
            return value
        if self.ptype == "date" and isinstance(value, str) and _iso_date(value):
            return _iso_date(value)
        self.add(key, "invalid_bound", f"{key} of a {self.ptype} parameter must be "
                                       f"{'an ISO date (YYYY-MM-DD)' if self.ptype == 'date' else 'a number'}"
                                       if self.ptype in ("integer", "decimal", "date")
                                       else f"{key} does not apply to a {self.ptype} parameter")
        return None

    def choices(self) -> None:
        if self.ptype not in ("choice", "multichoice"):
            return
        has_static = isinstance(self.param.get("choices"), list) and bool(self.param.get("choices"))
        source_ref = self.param.get("choices_from")
        if not has_static and not isinstance(source_ref, dict):
            self.add([], "choices_missing", f"Parameter '{self.name}' needs \"choices\" or \"choices_from\".")
        if isinstance(source_ref, dict) and isinstance(source_ref.get("source"), str):
            self.checks.check_source_exists(["parameters", self.index, "choices_from", "source"],
                                            source_ref["source"])

    def static_choice_values(self) -> list[str] | None:
        if isinstance(self.param.get("choices_from"), dict):
            return None  # only known at run time
        values = []
        for choice in self.param.get("choices") or []:
            value = choice.get("value") if isinstance(choice, dict) else choice
            values.append(str(value))
        return values

    def default_problem(self, default: Any, regex: re.Pattern[str] | None) -> str | None:
        """Why the default does not fit the parameter, or None."""
        p, t = self.param, self.ptype
        if t in ("string", "text"):
            if not isinstance(default, str):
                return "must be text"
            max_length = p.get("max_length")
            if isinstance(max_length, int) and not isinstance(max_length, bool) and len(default) > max_length:
                return f"is longer than max_length {max_length}"
            if regex is not None and not regex.search(default):
                return f"does not match the regex {p['regex']}"
            return None
        if t == "integer":
            if isinstance(default, bool) or not isinstance(default, int):
                return "must be a whole number"
            return self.range_problem(default)
        if t == "decimal":
            try:
                value = Decimal(str(default)) if not isinstance(default, bool) else None
            except (InvalidOperation, ValueError):
                value = None
            if value is None or not value.is_finite():
                return "must be a number"
            return self.range_problem(value)
        if t == "boolean":
            return None if isinstance(default, bool) else "must be true or false"
        if t == "date":
            return None if isinstance(default, str) and _iso_date(default) else "must be a date as YYYY-MM-DD"
        if t == "date_range":
            return self.date_range_default_problem(default)
        if t in ("choice", "multichoice"):
            allowed = self.static_choice_values()
            chosen = default if t == "multichoice" else [default]
            if t == "multichoice" and not isinstance(default, list):
                return "must be a list of choices"
            if any(isinstance(c, (dict, list)) for c in chosen):
                return "must be a choice value"
            if allowed is not None:
                outside = [str(c) for c in chosen if str(c) not in allowed]
                if outside:
                    return f"is not among the choices ({', '.join(outside)})"
            return None
        if t == "email_list":
            from django.core.exceptions import ValidationError
            from django.core.validators import validate_email

            addresses = default if isinstance(default, list) else (
                [a.strip() for a in re.split(r"[,;\n]", default) if a.strip()] if isinstance(default, str) else None)
            if addresses is None or not all(isinstance(a, str) for a in addresses):
                return "must be a list of email addresses"
            for address in addresses:
                try:
                    validate_email(address)
                except ValidationError:
                    return f"contains '{address}', which is not an email address"
            return None
        return None

    def range_problem(self, value: Any) -> str | None:
        lo, hi = self.param.get("min"), self.param.get("max")
        try:
            if _is_number(lo) and value < Decimal(str(lo)):
                return f"is below the minimum {lo}"
            if _is_number(hi) and value > Decimal(str(hi)):
                return f"is above the maximum {hi}"
        except (InvalidOperation, ValueError):
            return None
        return None

    def date_range_default_problem(self, default: Any) -> str | None:
        allowed = self.param.get("presets") if isinstance(self.param.get("presets"), list) else list(PRESETS)
        if isinstance(default, str):
            if default == "custom" or default not in PRESETS:
                names = ", ".join(p for p in PRESETS if p != "custom")
                return f"must be a preset name ({names}) or {{\"start\", \"end\"}}"
            if default not in allowed:
                return f"uses preset '{default}', which is not in this parameter's presets"
            return None
        if isinstance(default, dict):
            start, end = _iso_date(default.get("start")), _iso_date(default.get("end"))
            if not start or not end or set(default) - {"start", "end"}:
                return "must have exactly \"start\" and \"end\" dates as YYYY-MM-DD"
            if start > end:
                return "ends before it starts"
            if "custom" not in allowed:
                return "is a custom range, but 'custom' is not in this parameter's presets"
            return None
        return "must be a preset name or {\"start\", \"end\"}"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value


def _iso_date(value: Any) -> date | None:
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


# ----------------------------------------------------------------------------- data layer (sample data)

def processed_sample_data(spec: dict[str, Any], sample_data: Mapping[str, Any],
                          parameters: dict[str, Any] | None = None):
    """What the processors make of the sample data: the same call the orchestrator makes."""
    from reporting.pipeline.orchestrator import process_sources

    names = [n for n in spec.get("processors") or [] if isinstance(n, str)]
    sources = {name: payload for name, payload in dict(sample_data).items()}
    return process_sources(spec={"processors": names}, sources=sources, parameters=parameters or {})


def _data_problems(spec: dict[str, Any], sample_data: Any) -> list[SpecProblem]:
    if not isinstance(sample_data, Mapping):
        return [SpecProblem("", "bad_sample_data", "Sample data must be an object with one payload per source name.")]
    from reporting.pipeline.processors.registry import registered_processors

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

    for i, section in _items(spec.get("sections")):
        path = section.get("data")
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
            for j, column in _items(section.get("columns")):
                check_field(["columns", j, "field"], column.get("field"), "The column field")
            totals = section.get("totals")
            for j, name in enumerate(totals if isinstance(totals, list) else []):
                check_field(["totals", j], name, "The totals field")
    return problems
