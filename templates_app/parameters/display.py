"""Parameter values as a person reads them: the report's title block and the job page."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from ..presets import PRESETS
from ..spec import CHOICE_TYPES, ParameterSpec, parameter_specs
from ..recipients import stored_addresses

# Recipients listed in a report's title block and on the job page.
MAX_ADDRESSES_SHOWN = 20
# Characters of a typed value quoted back in an error message (form or command line).
QUOTED_VALUE_CHARS = 60


def quoted_value(value: Any) -> str:
    """A typed value as an error message quotes it: in full up to QUOTED_VALUE_CHARS characters,
    else its start and its length ("abc… (10,000 characters)")."""
    text = str(value)
    if len(text) <= QUOTED_VALUE_CHARS:
        return text
    return f"{text[:QUOTED_VALUE_CHARS]}… ({len(text):,} characters)"


def parameter_lines(spec_parameters: Iterable[ParameterSpec | Mapping[str, Any]],
                    values: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value as a person reads it) for the report's title block. An email list left empty
    is left out: "Email to —" on a cover says nothing about the report."""
    return [(param.label, display_value(param, values.get(param.name))) for param in parameter_specs(spec_parameters)
            if not (param.type == "email_list" and not stored_addresses(values.get(param.name)))]


def iso_date(value: Any) -> date | None:
    """The date an ISO string names; None for anything else (a value stored by other means)."""
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _human_date(iso: Any) -> str:
    """'1 Nov 2026' for an ISO date; anything else as it is."""
    day = iso_date(iso)
    return f"{day.day} {day:%b %Y}" if day else quoted_value(iso)


def display_value(param: ParameterSpec | Mapping[str, Any], value: Any) -> str:
    """One value as a person reads it; ``param`` is parsed or a parameter object (only its type and
    choices matter here, so a name may be left out)."""
    if not isinstance(param, ParameterSpec):
        (param,) = parameter_specs([{"name": "value", **param}])
    ptype = param.type
    if value in (None, "", []):
        return "—"
    if ptype == "date_range" and isinstance(value, dict):
        text = f"{_human_date(value.get('start'))} – {_human_date(value.get('end'))}"
        preset = value.get("preset")
        if preset and preset != "custom":
            text += f" ({PRESETS.get(preset, preset)})"
        return text
    if ptype == "date":
        return _human_date(value)
    if ptype == "boolean":
        return "Yes" if value else "No"
    if ptype == "email_list":
        addresses = stored_addresses(value)
        # A job stored with thousands of addresses (from before the recipient limit) would make the
        # report's title block taller than a page: show the first ones and how many more.
        shown = ", ".join(addresses[:MAX_ADDRESSES_SHOWN])
        more = len(addresses) - MAX_ADDRESSES_SHOWN
        return f"{shown} and {more:,} more" if more > 0 else shown
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if ptype in CHOICE_TYPES:
        return param.choice_label(value)
    return str(value)
