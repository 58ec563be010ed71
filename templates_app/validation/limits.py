"""The limits layer: size, nesting depth, text length and finite numbers, checked before anything else.

Every later layer (JSON Schema, the semantic checks, the processors, the renderers, the database's
JSON column) walks a spec recursively or stores it as strict JSON, so a spec nested thousands of
levels deep, several megabytes large or holding NaN/Infinity (which Python's ``json`` parses but
strict JSON, SQLite's JSON_VALID and PostgreSQL's jsonb refuse) must be refused here, with a
pointer, and never reach them. The walk below is iterative for the same reason.

The limits are settings (``REPORTING_SPEC_MAX_BYTES``, ``REPORTING_SPEC_MAX_DEPTH``,
``REPORTING_SPEC_MAX_TEXT``, ``REPORTING_SPEC_MAX_LABEL``, ``REPORTING_SAMPLE_DATA_MAX_BYTES``) and
every message names the one it is about, so the person who hits a limit knows what to raise.
"""
from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from ..spec import SpecInvalid
from .problems import SpecProblem, json_objects, pointer_for

# Defaults when a setting is absent (config/settings/base.py sets them from the environment).
DEFAULT_SPEC_MAX_BYTES = 1024 * 1024
DEFAULT_SPEC_MAX_DEPTH = 50
DEFAULT_SPEC_MAX_TEXT = 100_000
DEFAULT_SPEC_MAX_LABEL = 1_000
DEFAULT_SAMPLE_DATA_MAX_BYTES = 10 * 1024 * 1024
# A value with thousands of NaNs or long texts says the same thing thousands of times: stop there.
MAX_PROBLEMS = 20


@dataclass(frozen=True)
class Limits:
    spec_max_bytes: int
    max_depth: int
    max_text: int
    max_label: int
    sample_data_max_bytes: int


def current_limits() -> Limits:
    """The limits in force (read on every call, so tests and operators can change them)."""
    return Limits(
        spec_max_bytes=getattr(settings, "REPORTING_SPEC_MAX_BYTES", DEFAULT_SPEC_MAX_BYTES),
        max_depth=getattr(settings, "REPORTING_SPEC_MAX_DEPTH", DEFAULT_SPEC_MAX_DEPTH),
        max_text=getattr(settings, "REPORTING_SPEC_MAX_TEXT", DEFAULT_SPEC_MAX_TEXT),
        max_label=getattr(settings, "REPORTING_SPEC_MAX_LABEL", DEFAULT_SPEC_MAX_LABEL),
        sample_data_max_bytes=getattr(settings, "REPORTING_SAMPLE_DATA_MAX_BYTES", DEFAULT_SAMPLE_DATA_MAX_BYTES),
    )


class JsonRefused(ValueError):
    """JSON text that cannot be read (the message is for the person; ``code`` for tests and callers)."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


def json_parse(text: str | bytes, *, what: str) -> Any:
    """The value of JSON ``text``, or JsonRefused saying why not. ``what`` starts the sentence as given:
    'The spec', 'bundle.json'.

    Python's parser recurses once per nesting level and raises RecursionError near 1,000 levels,
    and refuses integers of more than 4,300 digits with a plain ValueError: both are refusals of
    the input, not faults of ours, and are worded as such.
    """
    subject = what
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise JsonRefused("invalid_json", f"{subject} is not valid JSON: line {exc.lineno}, column {exc.colno}: "
                                          f"{exc.msg}.") from None
    except RecursionError:
        raise JsonRefused("too_deep", f"{subject} is nested deeper than {current_limits().max_depth} levels "
                                      "(REPORTING_SPEC_MAX_DEPTH).") from None
    except UnicodeDecodeError:
        raise JsonRefused("invalid_json", f"{subject} is not UTF-8 text.") from None
    except ValueError:  # "Exceeds the limit (4300 digits) for integer string conversion"
        raise JsonRefused("number_too_large", f"{subject} holds a number of more than "
                                              f"{sys.get_int_max_str_digits()} digits.") from None


def spec_limit_problems(spec: Any) -> list[SpecProblem]:
    """Limit problems of a spec, pointers into the spec. Depth or size problems come alone: the
    other layers must not see such a spec at all."""
    limits = current_limits()
    long_texts = _long_text_paths(spec)

    def text_limit(path: tuple[Any, ...], *, key: bool = False) -> tuple[int, str]:
        if not key and path in long_texts:
            return limits.max_text, "REPORTING_SPEC_MAX_TEXT"
        return limits.max_label, "REPORTING_SPEC_MAX_LABEL"

    problems, deep = _walk(spec, what="spec", max_depth=limits.max_depth, text_limit=text_limit)
    if deep:
        return deep
    too_large = _size_problem(spec, what="spec", max_bytes=limits.spec_max_bytes, setting="REPORTING_SPEC_MAX_BYTES")
    return [too_large] if too_large else problems


def json_value_problems(value: Any, *, what: str, max_bytes: int | None = None,
                        setting: str = "REPORTING_SAMPLE_DATA_MAX_BYTES") -> list[SpecProblem]:
    """Limit problems of a JSON payload that is not a spec (sample data, a data source's static
    data, query params, body): depth, finite numbers and, with ``max_bytes``, size. Text length is
    not limited: such values are data, not what a template author writes."""
    limits = current_limits()
    problems, deep = _walk(value, what=what, max_depth=limits.max_depth, text_limit=None)
    if deep:
        return deep
    too_large = _size_problem(value, what=what, max_bytes=max_bytes, setting=setting) if max_bytes else None
    return [too_large] if too_large else problems


def sample_data_limit_problems(sample_data: Any) -> list[SpecProblem]:
    """Limit problems of a version's sample data, pointers into the sample data."""
    return json_value_problems(sample_data, what="sample data", max_bytes=current_limits().sample_data_max_bytes)


def spec_limits_check(spec: Any) -> None:
    """SpecInvalid for the first limit problem of a stored spec (one saved before the limits, or
    written to the database directly): a job must fail with that reason, not crash on it."""
    problems = spec_limit_problems(spec)
    if problems:
        raise SpecInvalid(problems[0].pointer, f"{problems[0].message} [{problems[0].code}]")


# ---- the walk


def _long_text_paths(spec: Any) -> set[tuple[Any, ...]]:
    """Where an author writes prose (REPORTING_SPEC_MAX_TEXT); every other string is a title, label,
    name, path or value (REPORTING_SPEC_MAX_LABEL)."""
    if not isinstance(spec, dict):
        return set()
    paths: set[tuple[Any, ...]] = {("description",)}
    paths.update(("sections", i, "text") for i, s in json_objects(spec.get("sections")) if s.get("type") == "text")
    paths.update(("parameters", i, "default") for i, p in json_objects(spec.get("parameters"))
                 if p.get("type") == "text")
    return paths


def _walk(value: Any, *, what: str, max_depth: int, text_limit) -> tuple[list[SpecProblem], list[SpecProblem]]:
    """(problems, depth problem): one pass over the value without recursion."""
    problems: list[SpecProblem] = []
    stack: list[tuple[Any, tuple[Any, ...], int]] = [(value, (), 0)]
    while stack and len(problems) < MAX_PROBLEMS:
        item, path, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth + 1 > max_depth:
                return [], [SpecProblem(pointer_for(path), "too_deep",
                                        f"The {what} is nested deeper than {max_depth} levels here "
                                        "(REPORTING_SPEC_MAX_DEPTH).")]
            children = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in reversed(list(children)):
                if isinstance(key, str):
                    _check_text(problems, path + (key,), key, text_limit and text_limit(path + (key,), key=True),
                                noun="key")
                stack.append((child, path + (key,), depth + 1))
        elif isinstance(item, str):
            _check_text(problems, path, item, text_limit and text_limit(path), noun="text")
        elif isinstance(item, float) and not math.isfinite(item):
            word = "NaN" if math.isnan(item) else ("Infinity" if item > 0 else "-Infinity")
            problems.append(SpecProblem(pointer_for(path), "number_not_finite",
                                        f"{word} is not a number JSON can store; use a finite number."))
        elif isinstance(item, int) and not isinstance(item, bool) and abs(item) > sys.float_info.max:
            # Beyond a float's range: every sum, average or chart axis of it would be infinite.
            problems.append(SpecProblem(pointer_for(path), "number_too_large",
                                        "This number is too large to compute with (more than 1.8e308)."))
    return problems, []


def _check_text(problems: list[SpecProblem], path: tuple[Any, ...], text: str, limit: tuple[int, str] | None, *,
                noun: str) -> None:
    if "\x00" in text or _has_lone_surrogate(text):
        # Valid for Python's json, refused by PostgreSQL's jsonb (\u0000, unpaired \ud800): never stored.
        problems.append(SpecProblem(pointer_for(path), "bad_character",
                                    f"This {noun} holds a NUL character or an unpaired surrogate (\\u0000, "
                                    "\\ud800-\\udfff), which cannot be stored; remove it."))
        return
    if limit is None:
        return
    maximum, setting = limit
    if len(text) > maximum:
        problems.append(SpecProblem(pointer_for(path), "text_too_long",
                                    f"This {noun} is {len(text):,} characters long; the limit is {maximum:,} "
                                    f"({setting})."))


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _size_problem(value: Any, *, what: str, max_bytes: int, setting: str) -> SpecProblem | None:
    # Compact JSON: what is stored, whatever indentation the author typed.
    size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8",
                                                                                               "surrogatepass"))
    if size <= max_bytes:
        return None
    return SpecProblem("", "too_large", f"The {what} is {size:,} bytes as JSON; the limit is {max_bytes:,} bytes "
                                        f"({setting}).")
