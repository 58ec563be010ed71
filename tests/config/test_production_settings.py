"""Production settings refuse to start without the secrets and hosts only the environment may give."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

IMPORT = "import config.settings.production as s; print(s.DEBUG, s.SECRET_KEY, s.ALLOWED_HOSTS)"
KEY = "k3y-" + "x7Qp9zR2mW" * 6  # 64 characters, not a placeholder


def _import_production(**env_overrides: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(env_overrides)
    return subprocess.run([sys.executable, "-c", IMPORT], cwd=REPO_ROOT, env=env, capture_output=True,
                          text=True, timeout=60)


@pytest.mark.parametrize("env,missing", [
    ({"DJANGO_ALLOWED_HOSTS": "reports.example.com"}, "DJANGO_SECRET_KEY"),
    ({"DJANGO_SECRET_KEY": KEY}, "DJANGO_ALLOWED_HOSTS"),
])
def test_refuses_to_start_without(env, missing):
    result = _import_production(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and f"{missing} must be set in production" in result.stderr


def test_starts_with_both_and_debug_off():
    result = _import_production(DJANGO_SECRET_KEY=KEY, DJANGO_ALLOWED_HOSTS="reports.example.com",
                                DJANGO_DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", KEY, "['reports.example.com']"]


def _example_value(name: str) -> str:
    lines = (REPO_ROOT / "deploy" / "qms.env.example").read_text().splitlines()
    return next(line.split("=", 1)[1] for line in lines if line.startswith(f"{name}="))


@pytest.mark.parametrize("key", [
    "change-me-to-50-random-characters-python-c-import-secrets-token-urlsafe-50",  # the old example's
    "CHANGE-ME" + "x" * 60,
    "short-but-random-Qp9zR2mW",
    # what Django's W009 warns about and other placeholders (final review)
    "django-insecure-" + "x7Qp9zR2mW" * 5,
    "a" * 60,
    "replace-me-with-50-random-characters-python-c-import-secrets-token",
    "changeme" + "x7Qp9zR2mW" * 5,
])
def test_refuses_a_placeholder_or_short_secret_key(key):
    result = _import_production(DJANGO_SECRET_KEY=key, DJANGO_ALLOWED_HOSTS="reports.example.com")
    assert result.returncode != 0
    assert "ImproperlyConfigured: DJANGO_SECRET_KEY is a placeholder or shorter than 50 characters" in result.stderr
    assert "secrets.token_urlsafe(50)" in result.stderr


@pytest.mark.parametrize("token", ["change-me", "change-me-" + "y" * 40, "only-twenty-chars-xx", "z" * 40,
                                   "example-token-" + "Zq8mW2xRt5" * 3])
def test_refuses_a_placeholder_or_short_metrics_token(token):
    result = _import_production(DJANGO_SECRET_KEY=KEY, DJANGO_ALLOWED_HOSTS="reports.example.com",
                                METRICS_TOKEN=token)
    assert result.returncode != 0
    assert "ImproperlyConfigured: METRICS_TOKEN is a placeholder or shorter than 32 characters" in result.stderr


def test_starts_with_a_long_metrics_token_or_none():
    for token in ["", "Zq8-mW2x_Rt5" * 3]:
        result = _import_production(DJANGO_SECRET_KEY=KEY, DJANGO_ALLOWED_HOSTS="reports.example.com",
                                    METRICS_TOKEN=token)
        assert result.returncode == 0, result.stderr


def test_the_example_env_file_leaves_the_secrets_empty_and_says_how_to_make_them():
    assert _example_value("DJANGO_SECRET_KEY") == "" and _example_value("METRICS_TOKEN") == ""
    text = (REPO_ROOT / "deploy" / "qms.env.example").read_text()
    assert "secrets.token_urlsafe(50)" in text and "secrets.token_urlsafe(32)" in text


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
    env.update(DJANGO_SETTINGS_MODULE="config.settings.production", DJANGO_SECRET_KEY=KEY,
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
