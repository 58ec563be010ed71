"""SQL sources on a read-only analytics connection (SQLite locally; PostgreSQL on the CI leg)."""
from __future__ import annotations

import pytest

from reporting.pipeline.aggregation.collector import SourceRequest, collect_sources
from reporting.pipeline.aggregation.config import SourceConfig

pytestmark = pytest.mark.django_db


@pytest.fixture
def nonconformances(analytics_db):
    analytics_db.admin_execute("DROP TABLE IF EXISTS qms_test_nc")
    analytics_db.admin_execute("CREATE TABLE qms_test_nc (id integer primary key, department varchar(50), opened date)")
    for row in [(1, "Łódź Packaging", "2026-10-03"), (2, "R&D", "2026-10-20"), (3, "R&D", "2026-11-02"),
                (4, "Manufacturing", "2026-09-30")]:
        analytics_db.admin_execute("INSERT INTO qms_test_nc (id, department, opened) VALUES (?, ?, ?)", list(row))
    yield analytics_db
    analytics_db.admin_execute("DROP TABLE IF EXISTS qms_test_nc")


def collect_sql(sql: str, *, params=None, parameters=None, **overrides):
    fields = dict(name="nc", kind="sql", sql=sql, cache_ttl_s=0, database_alias="warehouse")
    fields.update(overrides)
    result = collect_sources(
        requests=[SourceRequest(SourceConfig(**fields), params or {}, True)], parameters=parameters or {}
    )
    return result


def test_parameterised_select_returns_rows_as_dicts(nonconformances):
    result = collect_sql(
        "SELECT department, COUNT(*) AS n FROM qms_test_nc WHERE opened BETWEEN %(start)s AND %(end)s "
        "GROUP BY department ORDER BY department",
        params={"start": "{period.start}", "end": "{period.end}"},
        parameters={"period": {"start": "2026-10-01", "end": "2026-10-31"}},
    )
    assert result.failures == []
    assert result.data["nc"] == [{"department": "R&D", "n": 1}, {"department": "Łódź Packaging", "n": 1}]
    assert result.stats["nc"].bytes > 0


def test_with_select_is_allowed_and_injection_is_just_a_value(nonconformances):
    result = collect_sql(
        "WITH d AS (SELECT * FROM qms_test_nc WHERE department = %(dept)s) SELECT id FROM d ORDER BY id",
        params={"dept": "R&D' OR '1'='1"},
    )
    assert result.failures == []
    assert result.data["nc"] == []
    assert nonconformances.count("qms_test_nc") == 4


def test_a_literal_percent_sign_is_kept(nonconformances):
    result = collect_sql("SELECT COUNT(*) AS n FROM qms_test_nc WHERE department LIKE 'R%%'")
    assert result.failures == []
    assert result.data["nc"] == [{"n": 2}]


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("DELETE FROM qms_test_nc", "must be a single SELECT or WITH ... SELECT (found DELETE)"),
        ("SELECT 1; DELETE FROM qms_test_nc", "must be exactly one statement (found 2)"),
        ("UPDATE qms_test_nc SET department = 'x'", "(found UPDATE)"),
        ("DROP TABLE qms_test_nc", "(found DROP)"),
        ("", "must be exactly one statement (found 0)"),
    ],
)
def test_anything_but_one_select_is_refused(nonconformances, sql, expected):
    result = collect_sql(sql)
    assert expected in result.failures[0].reason
    assert nonconformances.count("qms_test_nc") == 4


def test_row_limit(nonconformances):
    assert collect_sql("SELECT id FROM qms_test_nc ORDER BY id", row_limit=4).data["nc"] == [
        {"id": i} for i in range(1, 5)]
    over = collect_sql("SELECT id FROM qms_test_nc", row_limit=3)
    assert "returned more than the row limit of 3 rows" in over.failures[0].reason


def test_missing_bind_parameter_and_unknown_connection_are_clear(nonconformances):
    missing = collect_sql("SELECT id FROM qms_test_nc WHERE department = %(dept)s")
    reason = missing.failures[0].reason
    # Both drivers name the parameter.
    assert "dept" in reason and ("do not match the SQL" in reason or "query failed" in reason)
    unknown = collect_sql("SELECT 1 AS one", database_alias="elsewhere")
    assert "no analytics connection is called 'elsewhere'" in unknown.failures[0].reason
    assert "REPORTING_SQL_DB_<NAME>" in unknown.failures[0].reason


def test_runaway_query_is_stopped_by_the_timeout(nonconformances):
    endless = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT COUNT(*) AS c FROM n"
    )
    if nonconformances.vendor == "postgresql":
        endless = "SELECT pg_sleep(5) IS NULL AS slept"
    result = collect_sql(endless, read_timeout_s=0.3)
    assert "query timed out after 0.3 s" in result.failures[0].reason
    assert result.stats["nc"].duration_s < 3


def test_a_write_that_sqlparse_misses_is_refused_by_the_database(nonconformances):
    # sqlparse sees one SELECT in both; the database connection is what stops the write.
    if nonconformances.vendor == "postgresql":
        sql, expected = "SELECT id FROM qms_test_nc FOR UPDATE", "read-only transaction"
    else:  # SQLite has no data-modifying CTEs; sqlparse reads \' as an escaped quote, SQLite does not
        sql, expected = "SELECT '\\'; DELETE FROM qms_test_nc; SELECT 1 AS x -- '", "one statement at a time"
    result = collect_sql(sql)
    assert expected in result.failures[0].reason
    assert nonconformances.count("qms_test_nc") == 4


def test_values_come_back_json_like(nonconformances):
    result = collect_sql(
        "SELECT CAST(12.50 AS DECIMAL(6, 2)) AS score, CAST(3 AS DECIMAL(6, 0)) AS n, opened FROM qms_test_nc "
        "WHERE id = %(id)s",
        params={"id": 1},
    )
    assert result.failures == []
    assert result.data["nc"] == [{"score": 12.5, "n": 3, "opened": "2026-10-03"}]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2", 2), ("1.50", 1.5), ("Infinity", None), ("-Infinity", None), ("NaN", None)],
)
def test_numeric_values_become_json_numbers_or_null(value, expected):
    # PostgreSQL numeric holds NaN and (since 14) +-Infinity; int(Decimal("Infinity")) raises OverflowError.
    from decimal import Decimal

    from reporting.pipeline.aggregation.sql_source import _json_value

    assert _json_value(Decimal(value)) == expected
