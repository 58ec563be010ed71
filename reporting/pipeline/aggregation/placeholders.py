"""Template parameters in source params/bodies ("{period.start}") and secrets in headers (${env:X})."""
from __future__ import annotations

import os
import re
from datetime import date, datetime
from typing import Any

from .config import reporting_setting
from .errors import SourceConfigError

_PARAM_PATTERN = re.compile(r"\{([A-Za-z_][\w]*(?:\.[\w]+)*)\}")
_ENV_PATTERN = re.compile(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}")
_MISSING = object()


def resolve_placeholders(value: Any, *, parameters: dict[str, Any], source: str) -> Any:
    """Replace ``{name}`` / ``{name.part}`` with template parameter values, recursively.

    A string that is exactly one placeholder takes the parameter's value as is (so numbers and
    lists keep their type); placeholders inside longer strings are formatted as text.
    """
    if isinstance(value, dict):
        return {k: resolve_placeholders(v, parameters=parameters, source=source) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_placeholders(v, parameters=parameters, source=source) for v in value]
    if not isinstance(value, str):
        return value
    whole = _PARAM_PATTERN.fullmatch(value)
    if whole:
        return _jsonable(_lookup(parameters, whole.group(1), source))
    return _PARAM_PATTERN.sub(
        lambda m: _as_text(_lookup(parameters, m.group(1), source)), value
    )


def allowed_secret_names() -> set[str]:
    """Environment variables a header may reference (REPORTING_SOURCE_SECRET_ENV)."""
    return {name.strip() for name in reporting_setting("REPORTING_SOURCE_SECRET_ENV", ["DEMO_API_TOKEN"]) if name}


def env_references(value: Any) -> list[str]:
    """Every ``${env:NAME}`` name in a string or in the strings of a JSON value, in order."""
    if isinstance(value, dict):
        return [name for key, item in value.items() for name in env_references(key) + env_references(item)]
    if isinstance(value, list):
        return [name for item in value for name in env_references(item)]
    return _ENV_PATTERN.findall(value) if isinstance(value, str) else []


def secret_not_allowed_message(env_name: str) -> str:
    return (f"${{env:{env_name}}} is not an allowed secret: only the environment variables listed in "
            f"REPORTING_SOURCE_SECRET_ENV may be sent to a source")


def resolve_env_headers(headers: dict[str, str], *, source: str) -> dict[str, str]:
    """Headers with ``${env:NAME}`` replaced from the environment (at run time, never cached).

    Only allow-listed names are read: any other name fails the source without being resolved.
    """
    allowed = allowed_secret_names()

    def replace(match: re.Match[str]) -> str:
        env_name = match.group(1)
        if env_name not in allowed:
            raise SourceConfigError(source, f"header {secret_not_allowed_message(env_name)}")
        found = os.environ.get(env_name)
        if found is None:
            # Name the variable, never a value.
            raise SourceConfigError(source, f"header refers to unset environment variable {env_name}")
        return found

    return {str(k): _ENV_PATTERN.sub(replace, str(v)) for k, v in headers.items()}


def secret_values(headers: dict[str, str]) -> list[str]:
    """Values that came from the environment, to scrub from any text we produce."""
    found = []
    allowed = allowed_secret_names()
    for raw in headers.values():
        for env_name in _ENV_PATTERN.findall(str(raw)):
            secret = os.environ.get(env_name) if env_name in allowed else None
            if secret and len(secret) >= 3:
                found.append(secret)
    return found


def _lookup(parameters: dict[str, Any], dotted: str, source: str) -> Any:
    current: Any = parameters
    for part in dotted.split("."):
        current = current.get(part, _MISSING) if isinstance(current, dict) else _MISSING
        if current is _MISSING:
            raise SourceConfigError(
                source, f"placeholder {{{dotted}}} names no template parameter"
            )
    return current


def _jsonable(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _as_text(value: Any) -> str:
    value = _jsonable(value)
    if value is None:
        return ""
    return str(value)
