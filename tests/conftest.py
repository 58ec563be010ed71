"""Fixtures shared by the whole suite: users, Redis queues, a real RQ worker, a local HTTP API."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import django_rq
import pytest
from django.conf import settings
from django.db import connection

from tests.factories import UserFactory
from tests.local_http import local_api

REPO_ROOT = Path(__file__).resolve().parents[1]

pytest_plugins = ["tests.analytics_fixtures"]


@pytest.fixture
def user(db):
    return UserFactory(username="alice")


@pytest.fixture
def other_user(db):
    return UserFactory(username="mallory")


@pytest.fixture
def staff_user(db):
    return UserFactory(username="sam", is_staff=True)


@pytest.fixture
def api():
    """The local HTTP test server (tests/local_http.py): add routes, count hits, read the headers sent."""
    with local_api() as running:
        yield running


@pytest.fixture
def empty_queues():
    """Start each queue-using test from empty queues (a real Redis may hold other runs' jobs)."""
    for name in ("high", "default", "low"):
        queue = django_rq.get_queue(name)
        queue.empty()
    yield
    for name in ("high", "default", "low"):
        django_rq.get_queue(name).empty()


def _database_url_for_subprocess() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@pytest.fixture
def worker_env(transactional_db):
    """Environment for a worker subprocess that must see this test's database and artifact store."""
    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url_for_subprocess(),
        "REPORTING_ARTIFACT_ROOT": str(settings.ARTIFACT_ROOT),
        "QMS_TEST_CACHE_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
        "REDIS_URL": settings.REDIS_URL,
    })
    return env


@pytest.fixture
def run_worker_burst(worker_env):
    """Run `manage.py rqworker --burst` as a real separate process until the queues are empty."""

    def run(timeout: float = 240) -> subprocess.CompletedProcess:
        connection.close()  # SQLite: let the worker write without waiting on our connection
        result = subprocess.run(
            [sys.executable, "manage.py", "rqworker", "high", "default", "low", "--burst"],
            cwd=REPO_ROOT, env=worker_env, capture_output=True, text=True, timeout=timeout,
        )
        assert result.returncode == 0, result.stderr[-4000:]
        return result

    return run
