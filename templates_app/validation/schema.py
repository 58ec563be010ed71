"""The JSON Schema layer: structure, types and allowed values, as problems a person can read."""
from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from .problems import SpecProblem, pointer_for

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema" / "template_spec.schema.json"


@functools.cache
def spec_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@functools.cache
def _schema_validator():
    from jsonschema import Draft202012Validator

    schema = spec_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


_SPECIAL_ENUM_CODES = {
    ("sections", "*", "type"): "unknown_section_type",
    ("parameters", "*", "type"): "unknown_parameter_type",
    ("outputs", "*"): "unsupported_output",
}


def schema_problems(spec: dict[str, Any]) -> list[SpecProblem]:
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

