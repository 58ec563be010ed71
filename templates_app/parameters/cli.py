"""Command-line parameters (`--param name=value`) as form data, so the CLI validates exactly like the web form."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..spec import ParameterSpec, parameter_specs
from .display import quoted_value
from .fields import initial_values

# The words a boolean parameter accepts on the command line (case-insensitive).
BOOLEAN_WORDS = {"true": True, "yes": True, "1": True, "on": True,
                 "false": False, "no": False, "0": False, "off": False}


def cli_form_data(spec_parameters: Iterable[ParameterSpec | Mapping[str, Any]], raw: dict[str, str]) -> dict[str, Any]:
    """Map `--param name=value` strings to form data for ParameterForm.

    date_range accepts a preset ("last_month") or "YYYY-MM-DD..YYYY-MM-DD".
    multichoice and email_list accept comma-separated values; boolean accepts true/false, yes/no,
    1/0, on/off. Raises ValueError naming the parameter for anything else.
    """
    params = parameter_specs(spec_parameters)
    known = [p.name for p in params]
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise ValueError(f"unknown parameter(s): {', '.join(quoted_value(u) for u in unknown)} "
                         f"(known: {', '.join(known) or 'none'})")
    data: dict[str, Any] = {}
    for param in params:
        name, ptype = param.name, param.type
        if name not in raw:
            data.update(initial_values(param))
            if ptype == "boolean" and name not in data:
                data[name] = False
            continue
        value = raw[name]
        if ptype == "date_range":
            if ".." in value:
                start, _, end = value.partition("..")
                data.update({f"{name}_preset": "custom", f"{name}_start": start, f"{name}_end": end})
            else:
                data[f"{name}_preset"] = value
        elif ptype == "multichoice":
            data[name] = [v.strip() for v in value.split(",") if v.strip()]
        elif ptype == "boolean":
            word = value.strip().lower()
            if word not in BOOLEAN_WORDS:
                raise ValueError(f"parameter '{name}': '{quoted_value(value)}' is not a yes/no value "
                                 "(accepted: true/false, yes/no, 1/0, on/off)")
            data[name] = BOOLEAN_WORDS[word]
        else:
            data[name] = value
    return data
