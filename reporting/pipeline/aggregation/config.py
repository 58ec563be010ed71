"""What the aggregation stage needs to know about one data source (no Django models here).

templates_app.sources turns a ``DataSource`` row into a :class:`SourceConfig`, so this
package never imports models and can be exercised without a database.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

SourceKind = Literal["http", "sql", "static"]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_CONCURRENCY = 8
DEFAULT_MAX_REDIRECTS = 3
DEFAULT_RETRY_AFTER_CAP_S = 30.0
DEFAULT_BACKOFF_BASE_S = 0.5
DEFAULT_BACKOFF_CAP_S = 8.0
DEFAULT_LOCK_WAIT_S = 30.0


@dataclass(frozen=True)
class SourceConfig:
    name: str
    kind: SourceKind
    base_url: str = ""
    endpoint: str = ""
    method: str = "GET"
    query_params: dict[str, Any] = field(default_factory=dict)
    body: dict[str, Any] | None = None
    # Values may contain ${env:NAME}; they are resolved per request and never stored or logged.
    headers: dict[str, str] = field(default_factory=dict)
    response_path: str = ""
    connect_timeout_s: float = 3.0
    read_timeout_s: float = 10.0
    max_attempts: int = 3
    cache_ttl_s: int = 300  # 0 = never cache
    version: int = 1
    database_alias: str = ""  # an analytics connection name (REPORTING_SQL_DB_<NAME>), never "default"
    sql: str = ""
    row_limit: int = 10_000
    static_data: Any = None
    is_active: bool = True


def reporting_setting(name: str, default: Any) -> Any:
    """A Django setting when settings are configured, else the default (keeps pure tests simple)."""
    from django.conf import settings

    if not settings.configured:
        return default
    return getattr(settings, name, default)
