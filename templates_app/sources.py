"""DataSource rows as the aggregation stage reads them (the aggregation package knows no models)."""
from __future__ import annotations

import dataclasses
from typing import Any

from reporting.pipeline.aggregation.collector import SourceRequest
from reporting.pipeline.aggregation.config import SourceConfig

from .models import DataSource

_CONFIG_FIELDS = tuple(f.name for f in dataclasses.fields(SourceConfig))


class SourceUnavailable(Exception):
    """A source the spec names does not exist or is inactive (the message says which)."""


def source_config_for(source: DataSource) -> SourceConfig:
    return SourceConfig(**{name: getattr(source, name) for name in _CONFIG_FIELDS if hasattr(source, name)})


def source_requests_for(spec: dict[str, Any]) -> list[SourceRequest]:
    """One request per source entry of the spec, in order; SourceUnavailable for a missing source."""
    refs = spec.get("sources", [])
    by_name = {s.name: s for s in DataSource.objects.filter(name__in=[r["source"] for r in refs])}
    requests = []
    for ref in refs:
        source = by_name.get(ref["source"])
        if source is None or not source.is_active:
            raise SourceUnavailable(f"Data source '{ref['source']}' does not exist or is inactive.")
        requests.append(SourceRequest(config=source_config_for(source), params=ref.get("params", {}),
                                      required=bool(ref.get("required", True))))
    return requests
