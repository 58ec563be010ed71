"""Static sources: inline JSON stored with the source, optionally narrowed by response_path."""
from __future__ import annotations

import copy
import json
from typing import Any

from reporting.pipeline.datapath import DataPathError, resolve_path

from .config import SourceConfig
from .errors import SourceError


def fetch_static(config: SourceConfig) -> tuple[Any, int]:
    # A copy, so a processor that mutates its input cannot change the stored configuration.
    payload = copy.deepcopy(config.static_data)
    if config.response_path:
        try:
            payload = resolve_path(payload, config.response_path)
        except DataPathError as exc:
            raise SourceError(
                config.name, f"static data has no '{exc.failed_at}' at response path '{config.response_path}'"
            ) from None
    return payload, len(json.dumps(payload, default=str))
