"""Choices of a choice/multichoice parameter read from a data source (choices_from)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from ..presets import PRESETS, resolve_preset
from ..spec import ChoicesFrom, ParameterSpec, parameter_specs

# Bound on loading choices from a source while building the run form (the page must not hang).
CHOICES_DEADLINE_S = 10.0


class ChoicesUnavailable(Exception):
    """Choices could not be loaded from a data source (the message says why, for the person)."""


def placeholder_defaults(spec_parameters: Iterable[ParameterSpec | Mapping[str, Any]], *,
                         today: date) -> dict[str, Any]:
    """Parameter values from the defaults alone (presets resolved), to fill a source's placeholders
    when its answer is needed before the user has chosen anything (choices_from)."""
    values: dict[str, Any] = {}
    for param in parameter_specs(spec_parameters):
        default = param.default
        if param.type == "date_range":
            if isinstance(default, str) and default in PRESETS and default != "custom":
                start, end = resolve_preset(default, today=today)
                default = {"start": start.isoformat(), "end": end.isoformat(), "preset": default}
            elif isinstance(default, dict):
                default = {**default, "preset": "custom"}
            else:
                default = None
        values[param.name] = default
    return values


def load_source_choices(choices_from: ChoicesFrom, *, parameters: dict[str, Any]) -> list[tuple[str, str]]:
    """(value, label) pairs read from a data source's answer, via the aggregation collector (cached).

    ``path`` points at a list in the source's payload; items are objects (``value``/``label`` name
    their fields) or plain values.
    """
    from reporting.pipeline.aggregation.collector import SourceRequest, collect_sources
    from reporting.pipeline.datapath import DataPathError, resolve_path

    from ..models import DataSource
    from ..sources import source_config_for

    name, path = choices_from.source, choices_from.path
    source = DataSource.objects.filter(name=name, is_active=True).first()
    if source is None:
        raise ChoicesUnavailable(f"data source '{name}' does not exist or is inactive")
    result = collect_sources(requests=[SourceRequest(config=source_config_for(source), required=True)],
                             parameters=parameters, use_cache=True, deadline_s=CHOICES_DEADLINE_S)
    if result.failures:
        raise ChoicesUnavailable(f"data source '{name}' failed: {result.failures[0].reason}")
    try:
        items = resolve_path(result.data.get(name), path)
    except DataPathError as exc:
        raise ChoicesUnavailable(f"data source '{name}' has nothing at '{exc.path}' (no '{exc.failed_at}')") from None
    if not isinstance(items, list):
        raise ChoicesUnavailable(f"'{path}' in data source '{name}' is not a list")
    value_key = choices_from.value
    label_key = choices_from.label or value_key
    choices: list[tuple[str, str]] = []
    for item in items:
        if isinstance(item, dict):
            if value_key is None or item.get(value_key) is None:
                raise ChoicesUnavailable(f"items at '{path}' have no field '{value_key}'")
            value, label = item[value_key], item.get(label_key, item[value_key])
        else:
            value = label = item
        if (str(value), str(label)) not in choices:
            choices.append((str(value), str(label)))
    return choices
