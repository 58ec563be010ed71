"""Read-only, parameterised SQL sources against a Django database alias.

Defence in depth, because the SQL text is written by admins but must never change data:
- only one statement, and it must be a SELECT (WITH ... SELECT included), checked with sqlparse;
- values are bound parameters (``%(start)s``), never formatted into the SQL;
- PostgreSQL: a READ ONLY transaction with ``SET LOCAL statement_timeout``;
- SQLite: ``PRAGMA query_only`` for the duration of the query and a progress handler that
  aborts the query when its time is up.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as dt_time
from decimal import Decimal
from uuid import UUID
from typing import Any

import sqlparse

from .config import SourceConfig
from .errors import SourceConfigError, SourceError
from .placeholders import resolve_placeholders


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
    ensure_single_select(config.name, config.sql)
    bound = resolve_placeholders(dict(config.query_params or {}), parameters=parameters, source=config.name)
    bound.update(resolve_placeholders(dict(params or {}), parameters=parameters, source=config.name))
    return SqlRequestPlan(
        alias=config.database_alias or "default",
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
    from django.db import DatabaseError, connections

    timeout_s = float(config.read_timeout_s)
    if deadline is not None:
        timeout_s = min(timeout_s, max(0.0, deadline - time.monotonic()))
        if timeout_s <= 0:
            raise SourceError(config.name, "stage deadline reached before the query could start")
    try:
        connection = connections[plan.alias]
    except Exception:  # ConnectionDoesNotExist: an admin typo, not a transient failure
        raise SourceConfigError(config.name, f"unknown database alias '{plan.alias}'") from None
    try:
        if connection.vendor == "postgresql":
            rows = _run_postgresql(connection, plan, timeout_s)
        elif connection.vendor == "sqlite":
            rows = _run_sqlite(connection, plan, timeout_s)
        else:
            raise SourceConfigError(config.name, f"SQL sources support PostgreSQL and SQLite, not {connection.vendor}")
    except SourceError:
        raise
    except DatabaseError as exc:
        message = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        if "statement timeout" in message or "interrupted" in message:
            raise SourceError(config.name, f"query timed out after {timeout_s:g} s", retryable=False) from None
        raise SourceError(config.name, f"query failed: {message}") from None
    except (KeyError, TypeError, ValueError) as exc:  # a %(name)s the parameters do not provide
        raise SourceConfigError(config.name, f"query parameters do not match the SQL ({exc!r})") from None
    if len(rows) > plan.row_limit:
        raise SourceError(config.name, f"query returned more than the row limit of {plan.row_limit} rows")
    size = sum(len(repr(row)) for row in rows)
    return SqlFetched(payload=rows, bytes=size)


def _run_postgresql(connection, plan: SqlRequestPlan, timeout_s: float) -> list[dict[str, Any]]:
    from django.db import transaction

    with transaction.atomic(using=plan.alias), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION READ ONLY")
        cursor.execute("SELECT set_config('statement_timeout', %s, true)", [str(max(1, int(timeout_s * 1000)))])
        cursor.execute(plan.sql, plan.params)
        return _rows(cursor, plan.row_limit)


def _run_sqlite(connection, plan: SqlRequestPlan, timeout_s: float) -> list[dict[str, Any]]:
    connection.ensure_connection()
    raw = connection.connection
    give_up_at = time.monotonic() + timeout_s
    # Returning non-zero from the handler interrupts the running statement.
    raw.set_progress_handler(lambda: int(time.monotonic() > give_up_at), 10_000)
    try:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA query_only = ON")
            try:
                cursor.execute(plan.sql, plan.params)
                return _rows(cursor, plan.row_limit)
            finally:
                cursor.execute("PRAGMA query_only = OFF")
    finally:
        raw.set_progress_handler(None, 0)


def _rows(cursor, row_limit: int) -> list[dict[str, Any]]:
    columns = [column[0] for column in cursor.description or []]
    # One row past the limit tells "exactly at the limit" from "cut off".
    return [
        {column: _json_value(value) for column, value in zip(columns, row)}
        for row in cursor.fetchmany(row_limit + 1)
    ]


def _json_value(value: Any) -> Any:
    """Rows look like an HTTP source's JSON: numbers, text, ISO dates (no Decimal/date objects)."""
    if isinstance(value, Decimal):
        if not value.is_finite():  # PostgreSQL numeric NaN/Infinity: no JSON number, no measurement
            return None
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (date, datetime, dt_time)):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    return value
