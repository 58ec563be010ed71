"""Production settings refuse to start without the secrets and hosts only the environment may give."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

IMPORT = "import config.settings.production as s; print(s.DEBUG, s.SECRET_KEY, s.ALLOWED_HOSTS)"


def _import_production(**env_overrides: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(env_overrides)
    return subprocess.run([sys.executable, "-c", IMPORT], cwd=REPO_ROOT, env=env, capture_output=True,
                          text=True, timeout=60)


@pytest.mark.parametrize("env,missing", [
    ({"DJANGO_ALLOWED_HOSTS": "reports.example.com"}, "DJANGO_SECRET_KEY"),
    ({"DJANGO_SECRET_KEY": "s3cret"}, "DJANGO_ALLOWED_HOSTS"),
])
def test_refuses_to_start_without(env, missing):
    result = _import_production(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and f"{missing} must be set in production" in result.stderr


def test_starts_with_both_and_debug_off():
    result = _import_production(DJANGO_SECRET_KEY="s3cret", DJANGO_ALLOWED_HOSTS="reports.example.com",
                                DJANGO_DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "s3cret", "['reports.example.com']"]
