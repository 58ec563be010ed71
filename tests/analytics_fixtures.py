"""Analytics databases for SQL-source tests, of the same vendor as the app database of the run.

SQLite leg: a file under the test's tmp_path. PostgreSQL leg: a separate database on the same
server, read through a role that holds SELECT only (and, for the attacks, a role that may write and
the app's own superuser role). The tables are created through an owner connection, never through
the analytics connection under test.
"""
from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection


@dataclass
class AnalyticsDb:
    vendor: str
    name: str  # the connection name a SQL DataSource uses
    urls: dict[str, str]  # every configured connection (name -> URL), for settings
    sqlite_path: Path | None = None
    pg_admin: dict | None = None

    def admin_execute(self, sql: str, params=None) -> list[tuple]:
        """Run SQL as the database's owner (setup and after-the-attack checks)."""
        if self.vendor == "sqlite":
            with sqlite3.connect(self.sqlite_path) as raw:
                cursor = raw.execute(sql, params or [])
                return cursor.fetchall()
        import psycopg

        with psycopg.connect(**self.pg_admin, autocommit=True) as raw:
            cursor = raw.execute(sql.replace("?", "%s"), params or None)
            return cursor.fetchall() if cursor.description else []

    def count(self, table: str) -> int:
        return self.admin_execute(f"SELECT COUNT(*) FROM {table}")[0][0]


def _pg_server() -> dict:
    db = connection.settings_dict
    return {"host": db.get("HOST") or "127.0.0.1", "port": int(db.get("PORT") or 5432),
            "user": db.get("USER") or "postgres", **({"password": db["PASSWORD"]} if db.get("PASSWORD") else {})}


def _pg_url(role: str, server: dict, dbname: str) -> str:
    return f"postgres://{role}@{server['host']}:{server['port']}/{dbname}"


@pytest.fixture(scope="session")
def pg_analytics_server(django_db_setup, django_db_blocker):
    """A PostgreSQL database and roles for analytics tests (PostgreSQL leg only)."""
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            yield None
            return
        import psycopg

        server = _pg_server()
        suffix = os.getpid()
        dbname, reader, writer = f"qms_analytics_{suffix}", f"qms_reader_{suffix}", f"qms_writer_{suffix}"
        with psycopg.connect(**server, dbname="postgres", autocommit=True) as raw:
            raw.execute(f"DROP DATABASE IF EXISTS {dbname}")
            for role in (reader, writer):
                raw.execute(f"DROP ROLE IF EXISTS {role}")
            raw.execute(f"CREATE DATABASE {dbname}")
            raw.execute(f"CREATE ROLE {reader} LOGIN")
            raw.execute(f"CREATE ROLE {writer} LOGIN")
        with psycopg.connect(**server, dbname=dbname, autocommit=True) as raw:
            raw.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
            # As the README's recipe says: a SELECT that writes to the WAL is refused otherwise.
            raw.execute("REVOKE EXECUTE ON FUNCTION pg_logical_emit_message(boolean, text, text) FROM PUBLIC")
            raw.execute("REVOKE EXECUTE ON FUNCTION pg_logical_emit_message(boolean, text, bytea) FROM PUBLIC")
            raw.execute(f"GRANT USAGE ON SCHEMA public TO {reader}, {writer}")
            raw.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {reader}")
            raw.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT ON TABLES TO {writer}")
        yield {"server": server, "dbname": dbname, "reader": reader, "writer": writer}
        with psycopg.connect(**server, dbname="postgres", autocommit=True) as raw:
            raw.execute(f"DROP DATABASE IF EXISTS {dbname} WITH (FORCE)")
            for role in (reader, writer):
                raw.execute(f"DROP ROLE IF EXISTS {role}")


@pytest.fixture
def analytics_db(settings, tmp_path, pg_analytics_server) -> AnalyticsDb:
    """Configures REPORTING_SQL_DATABASES with a read-only connection 'warehouse' (and, on
    PostgreSQL, 'warehouse_writer' and 'warehouse_superuser' for the attacks)."""
    if pg_analytics_server is None:
        path = tmp_path / "warehouse.sqlite3"
        sqlite3.connect(path).close()
        urls = {"warehouse": f"sqlite:///{path}"}
        db = AnalyticsDb(vendor="sqlite", name="warehouse", urls=urls, sqlite_path=path)
    else:
        info = pg_analytics_server
        server, dbname = info["server"], info["dbname"]
        urls = {
            "warehouse": _pg_url(info["reader"], server, dbname),
            "warehouse_writer": _pg_url(info["writer"], server, dbname),
            "warehouse_superuser": _pg_url(server["user"], server, dbname),
        }
        db = AnalyticsDb(vendor="postgresql", name="warehouse", urls=urls, pg_admin={**server, "dbname": dbname})
    settings.REPORTING_SQL_DATABASES = urls
    return db
