"""Analytics connections for SQL sources: named in the environment, read-only, never the app's database.

A SQL source names a connection from ``settings.REPORTING_SQL_DATABASES`` (filled from
``REPORTING_SQL_DB_<NAME>`` variables). These are opened here with the database driver itself, not
through Django's connection handler, so no template can ever reach the ``default`` alias.

What the server enforces, beyond the friendly sqlparse check in ``sql_source``:
- PostgreSQL: the role must not be a superuser, must not hold the server-file roles and must not
  be able to write to, create in or own any table or schema it can see (checked once per
  connection, before the query); the query runs in ``BEGIN READ ONLY`` with a
  ``statement_timeout``, through the extended protocol, which refuses more than one command.
- SQLite: the file is opened ``mode=ro``; an authorizer allows reading only (no ATTACH, no PRAGMA,
  no writes), and values longer than the byte limit are refused by SQLite itself.
- Both: a database that holds this application's tables is refused, whatever its name.
"""
from __future__ import annotations

import functools
import ipaddress
import os
import socket
import sqlite3
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from .config import reporting_setting
from .errors import SourceConfigError, SourceError

POSTGRESQL = "postgresql"
SQLITE = "sqlite"
# A table only this application's database has: its presence means "this is the app database".
APP_MARKER_TABLE = "reporting_reportjob"
HOW_TO_CONFIGURE = (
    "SQL sources run only on a read-only analytics connection: set REPORTING_SQL_DB_<NAME>=<database URL> "
    "in the environment (see the README's security section) and use <name> here"
)


@dataclass(frozen=True)
class AnalyticsDatabase:
    name: str
    vendor: str
    database: str  # file path (SQLite) or database name (PostgreSQL)
    user: str = ""
    password: str = ""
    host: str = ""
    port: str = ""


def analytics_connection_names() -> list[str]:
    return sorted(reporting_setting("REPORTING_SQL_DATABASES", {}) or {})


def analytics_connection_problem(name: str) -> str | None:
    """Why a SQL source may not use this connection name (None: it may). Opens no connection."""
    configured = reporting_setting("REPORTING_SQL_DATABASES", {}) or {}
    available = ", ".join(sorted(configured)) or "none is configured"
    if not name:
        return f"choose an analytics connection ({available}). {HOW_TO_CONFIGURE}"
    if name not in configured:
        app_aliases = _app_database_aliases()
        if name in app_aliases:
            return (f"'{name}' is the application's own database, which SQL sources may never use. "
                    f"{HOW_TO_CONFIGURE}")
        return f"no analytics connection is called '{name}' (configured: {available}). {HOW_TO_CONFIGURE}"
    try:
        database = analytics_database(name)
    except SourceConfigError as exc:
        return exc.what
    if _is_app_database(database):
        return (f"analytics connection '{name}' points at the application's own database, which SQL sources "
                f"may never use. {HOW_TO_CONFIGURE}")
    return None


def analytics_database(name: str) -> AnalyticsDatabase:
    import environ

    url = (reporting_setting("REPORTING_SQL_DATABASES", {}) or {}).get(name)
    if url is None:
        raise SourceConfigError(name, f"no analytics connection is called '{name}'")
    try:
        parsed = environ.Env.db_url_config(url)
    except Exception:  # an unknown scheme; never echo the URL, it may hold a password
        raise SourceConfigError(name, f"REPORTING_SQL_DB_{name.upper()} is not a PostgreSQL or SQLite URL") from None
    engine = parsed.get("ENGINE", "")
    if engine.endswith("postgresql"):
        vendor = POSTGRESQL
    elif engine.endswith("sqlite3"):
        vendor = SQLITE
    else:
        raise SourceConfigError(name, f"REPORTING_SQL_DB_{name.upper()}: SQL sources support PostgreSQL and SQLite")
    return AnalyticsDatabase(
        name=name, vendor=vendor, database=str(parsed.get("NAME") or ""), user=str(parsed.get("USER") or ""),
        password=str(parsed.get("PASSWORD") or ""), host=str(parsed.get("HOST") or ""),
        port=str(parsed.get("PORT") or ""),
    )


def _app_database_aliases() -> set[str]:
    from django.conf import settings

    return set(settings.DATABASES) if settings.configured else set()


def _is_app_database(database: AnalyticsDatabase) -> bool:
    """Same file, or same host, port and database name as one of Django's own databases."""
    from django.db import connections

    for alias in _app_database_aliases():
        app = connections[alias].settings_dict
        app_vendor = POSTGRESQL if app["ENGINE"].endswith("postgresql") else SQLITE if app["ENGINE"].endswith(
            "sqlite3") else ""
        if app_vendor != database.vendor:
            continue
        if database.vendor == SQLITE:
            if _same_file(str(app["NAME"]), database.database):
                return True
        elif (str(app.get("NAME") or "") == database.database
              and _host(str(app.get("HOST") or "")) == _host(database.host)
              and str(app.get("PORT") or "5432") == (database.port or "5432")):
            return True
    return False


@functools.lru_cache(maxsize=64)
def _host(host: str) -> str:
    """A host as the server sees it: every spelling of this machine ("", a socket, 127.1, ::1) is one."""
    host = host.strip().strip("[]").lower()
    if not host or host.startswith("/"):
        return "localhost"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        try:
            address = ipaddress.ip_address(socket.gethostbyname(host))
        except (OSError, ValueError, UnicodeError):
            return host
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.is_loopback or address.is_unspecified:
        return "localhost"
    return str(address)


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


# ----------------------------------------------------------------------------- opening


@contextmanager
def sqlite_read_only(database: AnalyticsDatabase, *, max_bytes: int) -> Iterator[sqlite3.Connection]:
    path = database.database
    if not os.path.isfile(path):
        raise SourceConfigError(database.name, f"analytics database file for '{database.name}' does not exist")
    uri = f"file:{urllib.parse.quote(os.path.abspath(path))}?mode=ro"
    try:
        raw = sqlite3.connect(uri, uri=True, check_same_thread=False)
    except sqlite3.Error as exc:
        raise SourceError(database.name, f"cannot open the analytics database: {exc}") from None
    try:
        raw.execute("PRAGMA query_only = ON")
        if raw.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                       [APP_MARKER_TABLE]).fetchone():
            raise SourceConfigError(database.name, f"analytics connection '{database.name}' is the application's "
                                                   "own database, which SQL sources may never use")
        # No row may be larger than the response limit: at most SQLITE_MAX_COLUMNS values of at most
        # max_bytes / SQLITE_MAX_COLUMNS each (SQLite refuses longer strings and blobs as it makes them).
        raw.setlimit(sqlite3.SQLITE_LIMIT_COLUMN, SQLITE_MAX_COLUMNS)
        raw.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, max(1000, int(max_bytes) // SQLITE_MAX_COLUMNS))
        raw.set_authorizer(_sqlite_read_only_authorizer)
        yield raw
    finally:
        raw.close()


SQLITE_MAX_COLUMNS = 100
_SQLITE_ALLOWED = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_RECURSIVE}
# Core SQL functions a report query may call; anything else (fts3_tokenizer, load_extension, ...) is
# refused by the authorizer.
SQLITE_FUNCTIONS = frozenset("""
abs avg char coalesce concat concat_ws count cume_dist date datetime dense_rank first_value format glob
group_concat hex ifnull iif instr json json_array json_array_length json_extract json_group_array
json_group_object json_object json_quote json_type json_valid julianday lag last_value lead length like
likelihood likely lower ltrim max min nth_value ntile nullif octet_length percent_rank printf quote rank
replace round row_number rtrim sign strftime string_agg substr substring sum time timediff total trim
typeof unhex unicode unixepoch unlikely upper
acos acosh asin asinh atan atan2 atanh ceil ceiling cos cosh degrees exp floor ln log log10 log2 mod pi
pow power radians sin sinh sqrt tan tanh trunc
""".split())


def _sqlite_read_only_authorizer(action: int, arg1, arg2, *_args) -> int:
    if action in _SQLITE_ALLOWED:
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_FUNCTION and str(arg2 or "").lower() in SQLITE_FUNCTIONS:
        return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


# A role that can change anything it can see, read the server's files, fill the WAL or switch to a
# role that can (membership counts even without INHERIT: SET ROLE is a SELECT away) is refused.
_PG_ROLE_CHECK = """
WITH mine AS (SELECT oid, rolname, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls
              FROM pg_roles WHERE pg_has_role(current_user, oid, 'MEMBER'))
SELECT bool_or(rolsuper), bool_or(rolcreaterole), bool_or(rolcreatedb), bool_or(rolreplication),
       bool_or(rolbypassrls),
       bool_or(rolname IN ('pg_read_server_files', 'pg_write_server_files', 'pg_execute_server_program',
                           'pg_write_all_data', 'pg_signal_backend', 'pg_checkpoint')),
       EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, mine m
               WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
                 AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%%'
                 AND (c.relowner = m.oid
                      OR (c.relkind <> 'S'
                          AND has_table_privilege(m.oid, c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER'))
                      OR (c.relkind = 'S' AND has_sequence_privilege(m.oid, c.oid, 'UPDATE')))),
       EXISTS (SELECT 1 FROM pg_namespace n, mine m
               WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_%%'
                 AND (n.nspowner = m.oid OR has_schema_privilege(m.oid, n.oid, 'CREATE'))),
       EXISTS (SELECT 1 FROM mine m WHERE has_database_privilege(m.oid, current_database(), 'CREATE')),
       EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'pg_logical_emit_message'
               AND has_function_privilege(oid, 'EXECUTE')),
       EXISTS (SELECT 1 FROM pg_class WHERE relname = %(marker)s AND relkind = 'r')
FROM mine
"""
_PG_ROLE_REASONS = (
    "is (or may become) a superuser", "may create roles", "may create databases", "is a replication role",
    "bypasses row security", "may read or write the server's files, write all data or signal other sessions",
    "may write to (or owns) tables or sequences", "may create objects in (or owns) a schema",
    "may create schemas in the database",
    "may call pg_logical_emit_message (writes to the WAL; REVOKE EXECUTE ON it FROM PUBLIC)",
)


@contextmanager
def postgresql_read_only(database: AnalyticsDatabase, *, connect_timeout_s: float) -> Iterator:
    import psycopg

    try:
        raw = psycopg.connect(
            dbname=database.database, user=database.user or None, password=database.password or None,
            host=database.host or None, port=database.port or None,
            connect_timeout=max(1, int(round(connect_timeout_s))), autocommit=True,
            application_name="qms-reporting-sql-source",
        )
    except psycopg.OperationalError as exc:
        first_line = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise SourceError(database.name, f"cannot connect to analytics connection '{database.name}': "
                                         f"{first_line}", retryable=True) from None
    try:
        _ensure_read_only_role(raw, database.name)
        yield raw
    finally:
        raw.close()


def _ensure_read_only_role(raw, name: str) -> None:
    row = raw.execute(_PG_ROLE_CHECK, {"marker": APP_MARKER_TABLE}).fetchone()
    if row is None:
        raise SourceConfigError(name, f"analytics connection '{name}': its role cannot be found in pg_roles")
    *privileges, is_app_database = row
    privileges = [bool(held) for held in privileges]
    if is_app_database:
        raise SourceConfigError(name, f"analytics connection '{name}' is the application's own database, which "
                                      "SQL sources may never use")
    found = [reason for reason, held in zip(_PG_ROLE_REASONS, privileges) if held]
    if found:
        raise SourceConfigError(
            name, f"analytics connection '{name}' refused: its role {', '.join(found)}. Connect as a role with "
                  "SELECT privileges only (see the README's security section)")
