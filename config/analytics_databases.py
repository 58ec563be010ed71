"""Analytics connections for SQL sources, read from REPORTING_SQL_DB_<NAME> environment variables.

Kept apart from Django's DATABASES on purpose: a SQL source can only name one of these, so the
application's own database is never reachable through a template.
"""
from __future__ import annotations

import os
import re
from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

PREFIX = "REPORTING_SQL_DB_"
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,62}$")


def analytics_databases_from_environ(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """{connection name (lower case): database URL} for every REPORTING_SQL_DB_<NAME> variable."""
    environ = os.environ if environ is None else environ
    found: dict[str, str] = {}
    for key, url in sorted(environ.items()):
        if not key.startswith(PREFIX) or not url.strip():
            continue
        name = key[len(PREFIX):]
        if not _NAME.match(name):
            raise ImproperlyConfigured(f"{key}: the connection name after {PREFIX} must be letters, digits and _")
        found[name.lower()] = url.strip()
    return found
