"""Findings 1 and 2: SQL sources ran any statement, and read the application's own database.

Each test replays the attack as a template author would: a SQL DataSource and a report over it,
run through the real pipeline. Afterwards nothing changed in either database.
"""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection

from reporting.models import ReportJob
from reporting.services import job_run
from reporting.services import job_create
from templates_app.models import DataSource
from tests.factories import SqlSourceFactory, UserFactory, published_template

pytestmark = pytest.mark.django_db

ESCAPED_QUOTE_ATTACK = ("SELECT '\\'; COMMIT; UPDATE auth_user SET is_superuser=true, is_staff=true; "
                        "SELECT 1 AS x -- '")


def sql_report(*, sql: str, connection_name: str, name: str = "evil"):
    """A SQL source saved as the admin would save it (bypassing validation where the attack needs
    a row that today's rules refuse, e.g. one saved before they existed) and a report over it."""
    source = SqlSourceFactory(name=name, sql=sql, database_alias=connection_name)
    spec = {
        "title": "Innocent report", "parameters": [], "sources": [{"source": name, "required": True}],
        "processors": [], "outputs": ["pdf", "xlsx"],
        "sections": [{"type": "table", "title": "Rows", "data": name, "columns": [{"field": "x", "label": "X"}]}],
    }
    return source, published_template(spec=spec)


def run(template, user) -> ReportJob:
    return job_run(job=job_create(template=template, user=user, parameters={}))


def app_state() -> tuple:
    users = get_user_model().objects
    return (users.filter(is_superuser=True).count(), users.filter(is_staff=True).count(), users.count())


@pytest.fixture
def viewer():
    return UserFactory(username="viewer-attacked")


@pytest.fixture
def sales(analytics_db):
    """The analytics database, with what the attacks aim at: a users table of its own (so the
    escaped-quote UPDATE would have something to change) and, on PostgreSQL, a sequence the reader
    may use (nextval writes unless the transaction is read-only)."""
    db = analytics_db
    for statement in ("DROP TABLE IF EXISTS sales", "DROP TABLE IF EXISTS auth_user",
                      "CREATE TABLE sales (id integer primary key, amount integer)",
                      "INSERT INTO sales (id, amount) VALUES (1, 10)",
                      "CREATE TABLE auth_user (username varchar(20), is_superuser boolean)",
                      "INSERT INTO auth_user (username, is_superuser) VALUES ('someone', false)"):
        db.admin_execute(statement)
    if db.vendor == "postgresql":
        db.admin_execute("DROP SEQUENCE IF EXISTS invoice_numbers")
        db.admin_execute("CREATE SEQUENCE invoice_numbers")
        db.admin_execute(f"GRANT USAGE ON SEQUENCE invoice_numbers TO {db.urls['warehouse'].split('//')[1].split('@')[0]}")
    yield db
    for statement in ("DROP TABLE IF EXISTS sales", "DROP TABLE IF EXISTS auth_user", "DROP TABLE IF EXISTS stolen"):
        db.admin_execute(statement)
    if db.vendor == "postgresql":
        db.admin_execute("DROP SEQUENCE IF EXISTS invoice_numbers")


def analytics_state(db) -> tuple:
    state = (db.count("sales"), db.admin_execute("SELECT COUNT(*) FROM auth_user WHERE is_superuser")[0][0])
    if db.vendor == "postgresql":
        state += tuple(db.admin_execute("SELECT last_value, is_called FROM invoice_numbers")[0])
        state += (db.admin_execute("SELECT to_regclass('public.stolen') IS NULL")[0][0],)
    return state


# ----------------------------------------------------------------------------- finding 2


@pytest.mark.parametrize("sql", ["SELECT username AS x, password FROM auth_user",
                                 "SELECT session_key AS x, session_data FROM django_session"])
def test_the_app_database_alias_is_refused_on_save(sql):
    source = DataSource(name="hashes", kind="sql", sql=sql, database_alias="default")
    with pytest.raises(ValidationError) as caught:
        source.full_clean(exclude=["version"])
    error = caught.value.error_dict["database_alias"][0]
    assert error.code == "sql_connection_not_allowed"
    assert "application's own database" in error.messages[0] and "REPORTING_SQL_DB_<NAME>" in error.messages[0]


@pytest.mark.parametrize("sql", ["SELECT username AS x, password FROM auth_user",
                                 "SELECT session_key AS x, session_data FROM django_session"])
def test_a_stored_source_on_the_app_database_fails_at_run_time_and_leaks_nothing(viewer, sql):
    viewer.set_password("correct horse battery")
    viewer.save()
    _, template = sql_report(sql=sql, connection_name="default")
    job = run(template, viewer)
    assert job.status == ReportJob.Status.FAILED
    assert "application's own database" in job.error_message
    assert not job.artifacts.exists()
    assert viewer.password.split("$")[-1] not in job.error_message + str(job.source_stats)


def test_an_analytics_connection_that_points_at_the_app_database_is_refused(settings, viewer):
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"postgres://{db.get('USER') or 'postgres'}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
    settings.REPORTING_SQL_DATABASES = {"sneaky": url}
    source = DataSource(name="hashes", kind="sql", sql="SELECT password AS x FROM auth_user", database_alias="sneaky")
    with pytest.raises(ValidationError) as caught:
        source.full_clean(exclude=["version"])
    assert caught.value.error_dict["database_alias"][0].code == "sql_connection_not_allowed"
    _, template = sql_report(sql="SELECT password AS x FROM auth_user", connection_name="sneaky")
    job = run(template, viewer)
    assert job.status == ReportJob.Status.FAILED and "application's own database" in job.error_message


def test_an_app_database_reached_under_another_name_is_refused_by_its_tables(analytics_db, viewer):
    """A copy, a hard link or another host name for the app DB: the app's own tables give it away,
    on either database, even when the connection's name and URL look unrelated."""
    analytics_db.admin_execute("CREATE TABLE reporting_reportjob (id integer)")
    try:
        _, template = sql_report(sql="SELECT 1 AS x", connection_name="warehouse")
        job = run(template, viewer)
    finally:
        analytics_db.admin_execute("DROP TABLE reporting_reportjob")
    assert job.status == ReportJob.Status.FAILED
    assert "analytics connection 'warehouse' is the application's own database" in job.error_message


@pytest.mark.parametrize("spelling", ["127.1", "0.0.0.0", "[::ffff:127.0.0.1]", "localhost"])
def test_another_spelling_of_the_app_database_host_is_refused_on_save(settings, spelling):
    if connection.vendor != "postgresql":
        pytest.skip("host spellings: PostgreSQL leg (SQLite is a file path; see the symlink test)")
    db = connection.settings_dict
    settings.REPORTING_SQL_DATABASES = {"sneaky": f"postgres://ro@{spelling}:{db.get('PORT') or 5432}/{db['NAME']}"}
    source = DataSource(name="hashes", kind="sql", sql="SELECT 1 AS x", database_alias="sneaky")
    with pytest.raises(ValidationError) as caught:
        source.full_clean(exclude=["version"])
    assert caught.value.error_dict["database_alias"][0].code == "sql_connection_not_allowed"


def test_a_symlink_to_the_app_database_file_is_refused_on_save(settings, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite file paths: SQLite leg (PostgreSQL host spellings have their own test)")
    link = tmp_path / "innocent.sqlite3"
    link.symlink_to(connection.settings_dict["NAME"])
    settings.REPORTING_SQL_DATABASES = {"innocent": f"sqlite:///{link}"}
    source = DataSource(name="hashes", kind="sql", sql="SELECT 1 AS x", database_alias="innocent")
    with pytest.raises(ValidationError) as caught:
        source.full_clean(exclude=["version"])
    assert caught.value.error_dict["database_alias"][0].code == "sql_connection_not_allowed"


# ----------------------------------------------------------------------------- finding 1


def test_the_escaped_quote_attack_runs_nothing(sales, viewer):
    before_app, before_analytics = app_state(), analytics_state(sales)
    _, template = sql_report(sql=ESCAPED_QUOTE_ATTACK, connection_name="warehouse")
    job = run(template, viewer)
    assert job.status == ReportJob.Status.FAILED
    # PostgreSQL: the size guard nests the text in a subquery, where a ';' is a syntax error (and the
    # extended protocol would refuse a second command anyway); SQLite runs one statement only.
    expected = 'syntax error at or near ";"' if sales.vendor == "postgresql" else "one statement at a time"
    assert expected in job.error_message
    assert (app_state(), analytics_state(sales)) == (before_app, before_analytics)


@pytest.mark.parametrize(("sql", "expected"), [
    ("WITH x AS (INSERT INTO sales (id, amount) VALUES (2, 99) RETURNING id) SELECT id AS x FROM x",
     "WITH clause containing a data-modifying statement must be at the top level"),
    ("SELECT amount AS x INTO stolen FROM sales", "SELECT ... INTO is not allowed here"),
    ("SELECT 1 AS x FROM sales FOR UPDATE", "cannot execute SELECT FOR UPDATE in a read-only transaction"),
    ("SELECT nextval('invoice_numbers') AS x", "cannot execute nextval() in a read-only transaction"),
    ("SELECT set_config('transaction_read_only', 'off', true) AS x, nextval('invoice_numbers') AS y",
     "transaction read-write mode must be set before any query"),
])
def test_writes_hidden_in_a_select_are_refused_by_the_server(sales, viewer, sql, expected):
    if sales.vendor != "postgresql":
        pytest.skip("PostgreSQL-only syntax: runs on the PostgreSQL CI leg")
    before = analytics_state(sales)
    _, template = sql_report(sql=sql, connection_name="warehouse")
    job = run(template, viewer)
    assert job.status == ReportJob.Status.FAILED
    assert expected in job.error_message
    assert analytics_state(sales) == before


def test_server_files_cannot_be_read(sales, viewer):
    if sales.vendor == "postgresql":
        sql = "SELECT pg_read_file('/etc/hostname') AS x"
        expected = "permission denied for function pg_read_file"
    else:
        sql = "SELECT name AS x FROM pragma_table_info('sales')"
        expected = "not authorized"
    _, template = sql_report(sql=sql, connection_name="warehouse")
    job = run(template, viewer)
    assert job.status == ReportJob.Status.FAILED and expected in job.error_message


@pytest.mark.parametrize(("connection_name", "grant", "reason"), [
    ("warehouse_superuser", "", "is (or may become) a superuser"),
    ("warehouse_writer", "", "may write to (or owns) tables or sequences"),
    # Membership without INHERIT still lets a SELECT switch role: set_config('role', ...).
    ("warehouse", "GRANT {admin} TO {reader}", "is (or may become) a superuser"),
    ("warehouse", "GRANT pg_signal_backend TO {reader}", "signal other sessions"),
    ("warehouse", "GRANT EXECUTE ON FUNCTION pg_logical_emit_message(boolean, text, text) TO {reader}",
     "may call pg_logical_emit_message"),
])
def test_a_connection_whose_role_may_write_is_refused_before_the_query(sales, viewer, connection_name, grant,
                                                                        reason):
    if sales.vendor != "postgresql":
        pytest.skip("PostgreSQL roles: runs on the PostgreSQL CI leg")
    reader = sales.urls["warehouse"].split("//")[1].split("@")[0]
    statement = grant.format(admin=sales.pg_admin["user"], reader=reader)
    if statement:
        sales.admin_execute(statement)
    try:
        _, template = sql_report(sql="SELECT amount AS x FROM sales", connection_name=connection_name)
        job = run(template, viewer)
    finally:
        if statement:
            sales.admin_execute(statement.replace("GRANT", "REVOKE").replace(" TO ", " FROM "))
    assert job.status == ReportJob.Status.FAILED
    assert reason in job.error_message and "SELECT privileges only" in job.error_message


def test_the_read_only_role_still_reads(sales, viewer):
    _, template = sql_report(sql="SELECT amount AS x FROM sales", connection_name="warehouse")
    job = run(template, viewer)
    assert job.status == ReportJob.Status.SUCCEEDED, job.error_message
    assert job.source_stats["evil"]["bytes"] > 0


@pytest.mark.parametrize("sql", [
    "ATTACH DATABASE '{app}' AS app",
    "INSERT INTO sales (id, amount) VALUES (2, 99)",
    "SELECT fts3_tokenizer('simple') AS x",
    "PRAGMA writable_schema = ON",
])
def test_sqlite_refuses_below_sqlparse(sales, sql):
    """Each SQLite layer on its own: the authorizer, then (with it removed) the read-only file."""
    if sales.vendor != "sqlite":
        pytest.skip("SQLite layers: runs on the SQLite leg")
    import sqlite3

    from reporting.pipeline.aggregation.sql_connections import analytics_database, sqlite_read_only

    statement = sql.format(app=connection.settings_dict["NAME"])
    with sqlite_read_only(analytics_database("warehouse"), max_bytes=10_000_000) as raw:
        with pytest.raises(sqlite3.DatabaseError, match="not authorized"):
            raw.execute(statement)
        if statement.startswith("INSERT"):
            raw.set_authorizer(None)
            with pytest.raises(sqlite3.OperationalError, match="readonly database"):
                raw.execute(statement)
    assert sales.count("sales") == 1


@pytest.mark.parametrize(("vendor", "sql", "expected"), [
    ("sqlite", "SELECT zeroblob(40000000) AS x", "not authorized to use function: zeroblob"),
    # SQLite's printf answers NULL past the length limit; replace() builds a 40 MB value and is refused.
    ("sqlite", "SELECT replace(printf('%%.*c', 4000, 'x'), 'x', printf('%%.*c', 10000, 'y')) AS x",
     "string or blob too big"),
    ("sqlite", "SELECT " + ", ".join(f"printf('%%.*c', 90000, 'x') AS c{i}" for i in range(120)),
     "too many columns in result set"),
    ("postgresql", "SELECT repeat('x', 40000000) AS x", "larger than the limit of 10,485,760 bytes (one row alone)"),
], ids=["sqlite-zeroblob", "sqlite-long-value", "sqlite-wide-row", "postgresql-long-value"])
def test_an_oversized_result_is_refused_before_it_fills_memory(sales, viewer, settings, vendor, sql, expected):
    if sales.vendor != vendor:
        pytest.skip(f"{vendor} syntax: runs on the {vendor} leg")
    settings.REPORTING_SOURCE_MAX_BYTES = 10 * 1024 * 1024
    _, template = sql_report(sql=sql, connection_name="warehouse")
    job = run(template, viewer)
    assert job.status == ReportJob.Status.FAILED
    assert expected in job.error_message


def test_the_size_guard_keeps_results_and_their_order(sales, viewer):
    for i in range(2, 6):
        sales.admin_execute("INSERT INTO sales (id, amount) VALUES (?, ?)", [i, 100 - i])
    _, template = sql_report(sql="SELECT id AS x, amount FROM sales ORDER BY amount DESC", connection_name="warehouse")
    job = run(template, viewer)
    assert job.status == ReportJob.Status.SUCCEEDED, job.error_message
    assert job.source_stats["evil"]["bytes"] > 0
