"""What a data source may reach: checked on save (admin), on bundle import, on template validation.

The same rules are enforced again at run time by the aggregation stage (a source saved before a
rule existed, or an environment changed since, still cannot do what the rules forbid).
"""
from __future__ import annotations

from dataclasses import dataclass

from reporting.pipeline.aggregation.placeholders import (
    allowed_secret_names, env_references, secret_not_allowed_message,
)
from reporting.pipeline.aggregation.sql_connections import analytics_connection_problem

SOURCE_PROBLEM_CODES = frozenset({"secret_not_allowed", "secret_outside_headers", "sql_connection_not_allowed"})
# Fields whose text is sent as it is (never resolved from the environment).
_LITERAL_FIELDS = ("base_url", "endpoint", "query_params", "body", "static_data")


@dataclass(frozen=True)
class SourceProblem:
    field: str
    code: str
    message: str


def data_source_problems(*, kind: str, headers, database_alias: str, **literal_fields) -> list[SourceProblem]:
    problems: list[SourceProblem] = []
    allowed = allowed_secret_names()
    for env_name in dict.fromkeys(env_references(headers or {})):
        if env_name not in allowed:
            problems.append(SourceProblem("headers", "secret_not_allowed", secret_not_allowed_message(env_name)))
    for field_name in _LITERAL_FIELDS:
        for env_name in dict.fromkeys(env_references(literal_fields.get(field_name))):
            problems.append(SourceProblem(
                field_name, "secret_outside_headers",
                f"${{env:{env_name}}} is only resolved in header values; here it would be sent as written"))
    if kind == "sql":
        problem = analytics_connection_problem(database_alias or "")
        if problem:
            problems.append(SourceProblem("database_alias", "sql_connection_not_allowed", problem))
    return problems


def model_source_problems(source) -> list[SourceProblem]:
    return data_source_problems(kind=source.kind, headers=source.headers, database_alias=source.database_alias,
                                **{name: getattr(source, name) for name in _LITERAL_FIELDS})
