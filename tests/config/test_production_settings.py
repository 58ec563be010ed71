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


DEMO_CHECK = """
import django
from django.apps import apps
from django.conf import settings
from django.core.management import get_commands
from django.urls import Resolver404, resolve

django.setup()
try:
    resolve("/demo-api/quality_metrics/")
    demo_url = True
except Resolver404:
    demo_url = False
print(apps.is_installed("demo"), "demo" in settings.INSTALLED_APPS, demo_url, "seed_demo" in get_commands())
"""


def _run_production(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.production", DJANGO_SECRET_KEY="s3cret",
               DJANGO_ALLOWED_HOSTS="reports.example.com")
    return subprocess.run([sys.executable, *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=60)


def test_production_leaves_the_demo_out():
    """No demo app, no /demo-api/ URL and no seed_demo command; validate_templates --seed-demo says why."""
    result = _run_production("-c", DEMO_CHECK)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "False", "False"]

    seed = _run_production("manage.py", "seed_demo")
    assert seed.returncode == 1 and "Unknown command: 'seed_demo'" in seed.stderr

    validate = _run_production("manage.py", "validate_templates", "--seed-demo")
    assert validate.returncode == 1
    assert "CommandError: --seed-demo needs the demo app" in validate.stderr


def test_development_and_test_settings_install_the_demo():
    from django.apps import apps
    from django.urls import resolve

    assert apps.is_installed("demo")
    assert resolve("/demo-api/quality_metrics/").url_name == "demo_api"
