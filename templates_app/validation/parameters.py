"""One parameter's constraints and default, checked against its type."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from ..presets import PRESETS
from ..spec import PARAMETER_TYPES


class Checks(Protocol):
    """What a parameter's checks need from the whole spec's (semantic.SemanticChecks)."""

    def add(self, path: list[Any], code: str, message: str) -> None: ...

    def check_source_exists(self, path: list[Any], name: str) -> None: ...


class ParameterChecks:
    """Constraints and default of one parameter, checked against its type."""

    def __init__(self, checks: Checks, index: int, param: dict[str, Any]):
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
        choices = self.param.get("choices")
        for choice in choices if isinstance(choices, list) else []:  # anything else: the schema says so
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

