"""'Test connection' for a data source: run it once, uncached, with sample parameters, and say
what came back (status, time, bytes, the first rows) — the same collector code as a report run."""
from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from reporting.pipeline.aggregation.collector import SourceRequest, collect_sources
from reporting.pipeline.aggregation.placeholders import secret_values

from .models import DataSource, ReportTemplate
from .sources import source_config_for

FIRST_ROWS = 5
MAX_CELL_CHARS = 200


@dataclass(frozen=True)
class SourceTestResult:
    ok: bool
    duration_s: float
    bytes: int
    attempts: int
    error: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    row_count: int | None = None
    preview: str = ""  # the answer as JSON text when it holds no rows

    @property
    def parameters_text(self) -> str:
        return json.dumps(self.parameters, ensure_ascii=False)


def sample_parameters(*, source: DataSource) -> tuple[dict[str, Any], dict[str, Any]]:
    """(report parameters, the source's request params): last month as the period, and the params
    the first template that reads this source gives it."""
    today = timezone.localdate()
    end = today.replace(day=1) - datetime.timedelta(days=1)
    parameters: dict[str, Any] = {"period": {"start": end.replace(day=1).isoformat(), "end": end.isoformat(),
                                             "preset": "last_month"}}
    for template in ReportTemplate.objects.filter(published_version__isnull=False).select_related("published_version"):
        spec = template.published_version.spec or {}
        for ref in spec.get("sources", []) if isinstance(spec.get("sources"), list) else []:
            if isinstance(ref, dict) and ref.get("source") == source.name:
                for param in spec.get("parameters", []) if isinstance(spec.get("parameters"), list) else []:
                    if isinstance(param, dict) and param.get("name") not in parameters:
                        choices = param.get("choices") if isinstance(param.get("choices"), list) else []
                        first = choices[0].get("value") if choices and isinstance(choices[0], dict) else None
                        value = param.get("default", first)
                        if value is not None and param.get("type") != "date_range":
                            parameters[param["name"]] = value
                return parameters, dict(ref.get("params") or {})
    return parameters, {}


def data_source_test(*, source: DataSource) -> SourceTestResult:
    parameters, params = sample_parameters(source=source)
    config = source_config_for(source)
    request = SourceRequest(config=config, params=params, required=True)
    result = collect_sources(requests=[request], parameters=parameters, use_cache=False)
    # An upstream may echo the request's headers back (debug endpoints, error pages): the allowed
    # secrets a header carries are masked in what the page shows, as the collector does in errors.
    secrets = secret_values(dict(config.headers or {}))
    stat = result.stats.get(source.name)
    failure = next((f.reason for f in result.failures), "")
    common = {"duration_s": stat.duration_s if stat else 0.0, "bytes": stat.bytes if stat else 0,
              "attempts": stat.attempts if stat else 0, "parameters": parameters}
    if failure or source.name not in result.data:
        return SourceTestResult(ok=False, error=_masked(failure or (stat.error if stat else "no answer"), secrets),
                                **common)
    data = _masked(result.data[source.name], secrets)
    rows = _rows(data)
    if rows is None:
        return SourceTestResult(ok=True, preview=_cut(json.dumps(data, default=str, indent=2, ensure_ascii=False), 4000), **common)
    columns = list(dict.fromkeys(key for row in rows[:FIRST_ROWS] for key in row))
    shown = [[_cut(_text(row.get(c)), MAX_CELL_CHARS) for c in columns] for row in rows[:FIRST_ROWS]]
    return SourceTestResult(ok=True, columns=columns, rows=shown, row_count=len(rows), **common)


def _masked(value: Any, secrets: list[str]) -> Any:
    """``value`` with every secret in its strings (keys too) replaced by ***, before anything is cut."""
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, "***")
        return value
    if isinstance(value, dict):
        return {_masked(str(k), secrets): _masked(v, secrets) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_masked(item, secrets) for item in value]
    return value


def _rows(data: Any) -> list[dict] | None:
    if isinstance(data, list) and all(isinstance(r, dict) for r in data):
        return data
    if isinstance(data, dict):
        for value in data.values():
            if isinstance(value, list) and value and all(isinstance(r, dict) for r in value):
                return value
    return None


def _text(value: Any) -> str:
    return "" if value is None else value if isinstance(value, str) else json.dumps(value, default=str,
                                                                                      ensure_ascii=False)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"
