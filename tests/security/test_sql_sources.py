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
from tests.factories import UserFactory, published_template

pytestmark = pytest.mark.django_db

ESCAPED_QUOTE_ATTACK = ("SELECT '\\'; COMMIT; UPDATE auth_user SET is_superuser=true, is_staff=true; "
                        "SELECT 1 AS x -- '")


def sql_report(*, sql: str, connection_name: str, name: str = "evil"):
    """A SQL source saved as the admin would save it (bypassing validation where the attack needs
    a row that today's rules refuse, e.g. one saved before they existed) and a report over it."""
    source = DataSource.objects.create(name=name, kind="sql", sql=sql, database_alias=connection_name, cache_ttl_s=0)
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
    analytics_db.admin_execute("DROP TABLE IF EXISTS sales")
    analytics_db.admin_execute("CREATE TABLE sales (id integer primary key, amount integer)")
    analytics_db.admin_execute("INSERT INTO sales (id, amount) VALUES (1, 10)")
    yield analytics_db
    analytics_db.admin_execute("DROP TABLE IF EXISTS sales")


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


def test_an_app_database_reached_under_another_name_is_refused_by_its_tables(settings, viewer, tmp_path):
    """A copy, a hard link or another host name for the app DB: the app's own tables give it away."""
    import sqlite3

    copy = tmp_path / "copy-of-app.sqlite3"
    with sqlite3.connect(copy) as raw:
        raw.execute("CREATE TABLE reporting_reportjob (id integer)")
        raw.execute("CREATE TABLE auth_user (username text, password text)")
        raw.execute("INSERT INTO auth_user VALUES ('admin', 'pbkdf2_sha256$hash')")
    settings.REPORTING_SQL_DATABASES = {"looks_fine": f"sqlite:///{copy}"}
    _, template = sql_report(sql="SELECT password AS x FROM auth_user", connection_name="looks_fine")
    job = run(template, viewer)
    assert job.status == ReportJob.Status.FAILED
    assert "application's own database" in job.error_message and "pbkdf2" not in job.error_message


# ----------------------------------------------------------------------------- finding 1


def test_the_escaped_quote_attack_runs_nothing(sales, viewer):
    before = app_state()
    _, template = sql_report(sql=ESCAPED_QUOTE_ATTACK, connection_name="warehouse")
    job = run(template, viewer)
    assert job.status == ReportJob.Status.FAILED
    expected = ("cannot insert multiple commands" if sales.vendor == "postgresql" else "one statement at a time")
    assert expected in job.error_message
    assert app_state() == before
    assert get_user_model().objects.filter(is_superuser=True).count() == before[0]


@pytest.mark.parametrize("sql", [
    "WITH x AS (INSERT INTO sales (id, amount) VALUES (2, 99) RETURNING id) SELECT id AS x FROM x",
    "SELECT 1 AS x FROM sales FOR UPDATE",
    "SELECT amount AS x INTO stolen FROM sales",
])
def test_writes_hidden_in_a_select_are_refused_by_the_server(sales, viewer, sql):
    if sales.vendor != "postgresql":
        pytest.skip("PostgreSQL-only syntax: runs on the PostgreSQL CI leg")
    _, template = sql_report(sql=sql, connection_name="warehouse")
    job = run(template, viewer)
    assert job.status == ReportJob.Status.FAILED
    assert "read-only transaction" in job.error_message or "permission denied" in job.error_message
    assert sales.count("sales") == 1


def test_server_files_cannot_be_read(sales, viewer):
    if sales.vendor == "postgresql":
        sql = "SELECT pg_read_file('/etc/hostname') AS x"
        expected = "permission denied"
    else:
        sql = "SELECT x FROM pragma_table_info('sales') AS x"  # pragma functions are refused by the authorizer
        expected = "not authorized"
    _, template = sql_report(sql=sql, connection_name="warehouse")
    job = run(template, viewer)
    assert job.status == ReportJob.Status.FAILED and expected in job.error_message


@pytest.mark.parametrize(("connection_name", "reason"), [
    ("warehouse_superuser", "is a superuser"),
    ("warehouse_writer", "may write to (or owns) tables"),
])
def test_a_connection_whose_role_may_write_is_refused_before_the_query(sales, viewer, connection_name, reason):
    if sales.vendor != "postgresql":
        pytest.skip("PostgreSQL roles: runs on the PostgreSQL CI leg")
    _, template = sql_report(sql="SELECT amount AS x FROM sales", connection_name=connection_name)
    job = run(template, viewer)
    assert job.status == ReportJob.Status.FAILED
    assert reason in job.error_message and "SELECT privileges only" in job.error_message


def test_the_read_only_role_still_reads(sales, viewer):
    _, template = sql_report(sql="SELECT amount AS x FROM sales", connection_name="warehouse")
    job = run(template, viewer)
    assert job.status == ReportJob.Status.SUCCEEDED, job.error_message
    assert job.source_stats["evil"]["bytes"] > 0


def test_sqlite_attach_of_the_app_database_is_refused(sales, viewer):
    if sales.vendor != "sqlite":
        pytest.skip("SQLite ATTACH: runs on the SQLite leg")
    sql = f"ATTACH DATABASE '{connection.settings_dict['NAME']}' AS app"
    _, template = sql_report(sql=sql, connection_name="warehouse")
    job = run(template, viewer)
    assert job.status == ReportJob.Status.FAILED and "(found" in job.error_message


@pytest.mark.parametrize("size_sql", {
    "sqlite": "SELECT zeroblob(40000000) AS x",
    "postgresql": "SELECT repeat('x', 40000000) AS x",
}.items(), ids=lambda item: item[0])
def test_an_oversized_result_is_refused_like_an_oversized_http_response(sales, viewer, size_sql, settings):
    vendor, sql = size_sql
    if sales.vendor != vendor:
        pytest.skip(f"{vendor} syntax: runs on the {vendor} leg")
    settings.REPORTING_SOURCE_MAX_BYTES = 10 * 1024 * 1024
    _, template = sql_report(sql=sql, connection_name="warehouse")
    job = run(template, viewer)
    assert job.status == ReportJob.Status.FAILED
    assert "larger than the limit" in job.error_message or "too big" in job.error_message
