"""Read-only, parameterised SQL sources on a named analytics connection (never the app database).

Layers, because the SQL text is written by template authors and must never change data or reach
the application's own tables:
- sqlparse, as a friendly first check: one statement, and it must be a SELECT (or WITH ... SELECT);
- values are bound parameters (``%(start)s``), never formatted into the SQL;
- the connection is one of ``REPORTING_SQL_DB_<NAME>`` and is checked and opened read-only by
  ``sql_connections`` (role without write privileges, READ ONLY transaction, statement timeout,
  one command only; SQLite opened ``mode=ro`` with a read-only authorizer);
- rows are capped by the row limit and by the same byte limit as HTTP responses.
"""
from __future__ import annotations

import json
import math
import re
import sqlite3
import time
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as dt_time
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlparse

from .config import DEFAULT_MAX_BYTES, SourceConfig, reporting_setting
from .errors import SourceConfigError, SourceError
from .placeholders import resolve_placeholders
from .sql_connections import (
    POSTGRESQL, AnalyticsDatabase, analytics_connection_problem, analytics_database, postgresql_read_only,
    sqlite_read_only,
)

_PYFORMAT = re.compile(r"%\((\w+)\)s|%%")
_MAX_ROW_BYTES = "qms_max_row_bytes"
_ROW_TOO_BIG = "qms_row_larger_than_the_limit"
FETCH_BATCH = 500


@dataclass(frozen=True)
class SqlRequestPlan:
    alias: str
    sql: str
    params: dict[str, Any]
    row_limit: int

    def canonical(self) -> dict[str, Any]:
        return {"alias": self.alias, "sql": self.sql, "params": self.params, "row_limit": self.row_limit}


@dataclass(frozen=True)
class SqlFetched:
    payload: list[dict[str, Any]]
    bytes: int
    attempts: int = 1


def plan_sql_request(config: SourceConfig, params: dict[str, Any], parameters: dict[str, Any]) -> SqlRequestPlan:
    problem = analytics_connection_problem(config.database_alias)
    if problem:
        raise SourceConfigError(config.name, problem)
    ensure_single_select(config.name, config.sql)
    bound = resolve_placeholders(dict(config.query_params or {}), parameters=parameters, source=config.name)
    bound.update(resolve_placeholders(dict(params or {}), parameters=parameters, source=config.name))
    unbound = sorted({m.group(1) for m in _PYFORMAT.finditer(config.sql or "") if m.group(1)} - set(bound))
    if unbound:
        raise SourceConfigError(config.name, "query parameters do not match the SQL: no value for "
                                             + ", ".join(f"%({name})s" for name in unbound))
    return SqlRequestPlan(
        alias=config.database_alias,
        sql=config.sql.strip().rstrip(";").strip(),
        params=bound,
        row_limit=max(1, int(config.row_limit)),
    )


def ensure_single_select(source: str, sql: str) -> None:
    statements = [s for s in sqlparse.parse(sql or "") if s.token_first(skip_cm=True, skip_ws=True) is not None]
    if len(statements) != 1:
        raise SourceConfigError(source, f"SQL must be exactly one statement (found {len(statements)})")
    kind = statements[0].get_type()
    if kind != "SELECT":
        raise SourceConfigError(source, f"SQL must be a single SELECT or WITH ... SELECT (found {kind})")


def fetch_sql(config: SourceConfig, plan: SqlRequestPlan, *, deadline: float | None) -> SqlFetched:
    timeout_s = float(config.read_timeout_s)
    if deadline is not None:
        timeout_s = min(timeout_s, max(0.0, deadline - time.monotonic()))
        if timeout_s <= 0:
            raise SourceError(config.name, "stage deadline reached before the query could start")
    database = analytics_database(plan.alias)
    limits = _Limits(rows=plan.row_limit, bytes=int(reporting_setting("REPORTING_SOURCE_MAX_BYTES", DEFAULT_MAX_BYTES)))
    try:
        if database.vendor == POSTGRESQL:
            return _run_postgresql(config, database, plan, timeout_s, limits)
        return _run_sqlite(config, database, plan, timeout_s, limits)
    except SourceError as exc:
        exc.source = config.name
        raise
    except (KeyError, TypeError, ValueError) as exc:  # a %(name)s the parameters do not provide
        raise SourceConfigError(config.name, f"query parameters do not match the SQL ({exc!r})") from None


@dataclass(frozen=True)
class _Limits:
    rows: int
    bytes: int


class _RowCollector:
    """Rows as JSON-like dicts, refusing the result once it passes the row or byte limit."""

    def __init__(self, source: str, columns: list[str], limits: _Limits):
        self.source, self.columns, self.limits = source, columns, limits
        self.rows: list[dict[str, Any]] = []
        self.size = 2

    def add(self, row) -> None:
        if len(self.rows) >= self.limits.rows:
            raise SourceError(self.source, f"query returned more than the row limit of {self.limits.rows} rows")
        record = {column: _json_value(value) for column, value in zip(self.columns, row)}
        self.size += len(json.dumps(record, default=str, ensure_ascii=False).encode("utf-8")) + 1
        if self.size > self.limits.bytes:
            raise SourceError(self.source, f"query result is larger than the limit of {self.limits.bytes:,} bytes")
        self.rows.append(record)

    def fetched(self) -> SqlFetched:
        return SqlFetched(payload=self.rows, bytes=self.size)


def _run_postgresql(config: SourceConfig, database: AnalyticsDatabase, plan: SqlRequestPlan, timeout_s: float,
                    limits: _Limits) -> SqlFetched:
    import psycopg

    with postgresql_read_only(database, connect_timeout_s=config.connect_timeout_s) as raw:
        try:
            raw.execute("BEGIN READ ONLY")
            raw.execute("SELECT set_config('statement_timeout', %s, true)", [str(max(1, int(timeout_s * 1000)))])
            with raw.cursor() as cursor:
                # stream() sends the query through the extended protocol (as execute(prepare=True)
                # does), which refuses more than one command, and reads rows one by one, so an
                # oversized result is cut off instead of loaded whole.
                collector: _RowCollector | None = None
                guarded_params = {**plan.params, _MAX_ROW_BYTES: limits.bytes}
                for row in cursor.stream(_postgresql_size_guarded(plan.sql), guarded_params):
                    if collector is None:
                        collector = _RowCollector(config.name, [c.name for c in cursor.description or []], limits)
                    collector.add(row)
                return (collector or _RowCollector(config.name, [], limits)).fetched()
        except psycopg.errors.QueryCanceled:
            raise SourceError(config.name, f"query timed out after {timeout_s:g} s", retryable=False) from None
        except psycopg.Error as exc:
            if _ROW_TOO_BIG in str(exc):
                raise SourceError(config.name, f"query result is larger than the limit of {limits.bytes:,} bytes "
                                               "(one row alone)") from None
            raise SourceError(config.name, f"query failed: {_first_line(exc)}") from None


def _postgresql_size_guarded(sql: str) -> str:
    """The query wrapped so that the server itself refuses a row larger than the byte limit: such a
    row never leaves the database, so it never fills this process's memory. The failing cast's
    text is how the refusal is told apart from the query's own errors. The row count is still cut by
    the row limit as the rows stream in."""
    # The cast depends on the row, so the planner cannot fold it into an error up front.
    return (f"SELECT q.* FROM (\n{sql}\n) AS q WHERE CASE WHEN pg_column_size(q.*) > %({_MAX_ROW_BYTES})s "
            f"THEN CAST(pg_column_size(q.*)::text || ' {_ROW_TOO_BIG}' AS integer) ELSE 1 END = 1")


def _run_sqlite(config: SourceConfig, database: AnalyticsDatabase, plan: SqlRequestPlan, timeout_s: float,
                limits: _Limits) -> SqlFetched:
    with sqlite_read_only(database, max_bytes=limits.bytes) as raw:
        give_up_at = time.monotonic() + timeout_s
        # Returning non-zero from the handler interrupts the running statement.
        raw.set_progress_handler(lambda: int(time.monotonic() > give_up_at), 10_000)
        try:
            cursor = raw.execute(_sqlite_named_params(plan.sql), plan.params)
            collector = _RowCollector(config.name, [c[0] for c in cursor.description or []], limits)
            while batch := cursor.fetchmany(FETCH_BATCH):
                for row in batch:
                    collector.add(row)
            return collector.fetched()
        except sqlite3.ProgrammingError as exc:
            if "binding" in str(exc):
                raise SourceConfigError(config.name, f"query parameters do not match the SQL ({exc})") from None
            raise SourceError(config.name, f"query failed: {_first_line(exc)}") from None
        except sqlite3.Error as exc:
            message = _first_line(exc)
            if "interrupted" in message:
                raise SourceError(config.name, f"query timed out after {timeout_s:g} s", retryable=False) from None
            if "not authorized to use function" in message:
                message += " (SQL sources may call SQLite's core SQL functions only)"
            elif "not authorized" in message:
                message += " (SQL sources may only read)"
            raise SourceError(config.name, f"query failed: {message}") from None


def _sqlite_named_params(sql: str) -> str:
    """``%(name)s`` (the style sources are written in, as for PostgreSQL) to SQLite's ``:name``."""
    return _PYFORMAT.sub(lambda m: f":{m.group(1)}" if m.group(1) else "%", sql)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__


def _json_value(value: Any) -> Any:
    """Rows look like an HTTP source's JSON: numbers, text, ISO dates (no Decimal/date objects)."""
    if isinstance(value, Decimal):
        if not value.is_finite():  # PostgreSQL numeric NaN/Infinity: no JSON number, no measurement
            return None
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (date, datetime, dt_time)):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    return value
