"""Production settings: `check --deploy` clean with the documented variables, each HTTPS setting
switchable, static files from WhiteNoise, JSON logs with the job's fields, no demo by accident."""
from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

SECRET = "k3y-" + "x7Qp9zR2mW" * 6  # long and varied enough for check --deploy (W009)
# What README "Deployment" documents for a site behind a TLS-terminating proxy.
DOCUMENTED = {"DJANGO_SETTINGS_MODULE": "config.settings.production", "DJANGO_SECRET_KEY": SECRET,
              "DJANGO_ALLOWED_HOSTS": "reports.example.com", "DJANGO_BEHIND_PROXY": "true",
              "DJANGO_SECURE_HSTS_PRELOAD": "true"}


def _run(*args: str, **env_overrides: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REPORTING_ARTIFACTS_S3"))}
    env.update(DOCUMENTED)
    env.update(env_overrides)
    return subprocess.run([sys.executable, *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_check_deploy_prints_no_warning_with_the_documented_variables():
    result = _run("manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_hsts_and_ssl_redirect_can_be_switched_off_and_check_deploy_says_so():
    result = _run("manage.py", "check", "--deploy", DJANGO_SECURE_HSTS_SECONDS="0",
                  DJANGO_SECURE_SSL_REDIRECT="false")
    out = result.stdout + result.stderr
    assert "security.W004" in out and "security.W008" in out


SETTINGS_DUMP = ("import json, django; django.setup(); from django.conf import settings as s; "
                 "print(json.dumps([s.SECURE_PROXY_SSL_HEADER, s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, "
                 "s.STORAGES['artifacts']['BACKEND'], s.STORAGES['staticfiles']['BACKEND']]))")


def test_the_proxy_header_is_trusted_only_behind_a_proxy():
    behind = _run("-c", SETTINGS_DUMP)
    assert behind.returncode == 0, behind.stderr
    assert json.loads(behind.stdout.splitlines()[-1])[:3] == [["HTTP_X_FORWARDED_PROTO", "https"], 31536000, True]
    direct = _run("-c", SETTINGS_DUMP, DJANGO_BEHIND_PROXY="false")
    assert json.loads(direct.stdout.splitlines()[-1])[0] is None


def test_artifacts_go_to_s3_when_a_bucket_is_set():
    local = json.loads(_run("-c", SETTINGS_DUMP).stdout.splitlines()[-1])
    assert local[3] == "django.core.files.storage.FileSystemStorage"
    assert local[4] == "config.static_storage.StaticFilesStorage"  # WhiteNoise compressed manifest
    s3 = json.loads(_run("-c", SETTINGS_DUMP, REPORTING_ARTIFACTS_S3_BUCKET="qms").stdout.splitlines()[-1])
    assert s3[3] == "storages.backends.s3.S3Storage"


def test_redirect_downloads_without_a_bucket_refuse_to_start():
    result = _run("-c", SETTINGS_DUMP, REPORTING_DOWNLOAD_MODE="redirect")
    assert result.returncode != 0
    assert "REPORTING_DOWNLOAD_MODE=redirect needs REPORTING_ARTIFACTS_S3_BUCKET" in result.stderr


STATIC_GET = """
import django; django.setup()
from django.contrib.staticfiles.storage import staticfiles_storage
from django.test import Client
url = staticfiles_storage.url(__import__("sys").argv[1])
r = Client().get(url, secure=True, HTTP_ACCEPT_ENCODING="gzip")
print("|".join(map(str, [url, r.status_code, r.headers.get("Cache-Control"), r.headers.get("Content-Encoding")])))
"""


def test_static_files_are_served_hashed_and_compressed_with_debug_off(tmp_path):
    static_root = tmp_path / "static"
    collected = _run("manage.py", "collectstatic", "--noinput", DJANGO_STATIC_ROOT=str(static_root))
    assert collected.returncode == 0, collected.stderr
    asset = next(p for p in (REPO_ROOT / "static").rglob("*.css")).relative_to(REPO_ROOT / "static").as_posix()
    result = _run("-c", STATIC_GET, asset, DJANGO_STATIC_ROOT=str(static_root), DJANGO_ALLOWED_HOSTS="testserver")
    assert result.returncode == 0, result.stderr
    url, status, cache, encoding = result.stdout.strip().splitlines()[-1].split("|")
    stem = asset.rsplit(".", 1)[0]
    assert url.startswith(f"/static/{stem}.") and url != f"/static/{asset}"  # a hashed name
    assert status == "200" and "max-age=315360000" in cache and encoding == "gzip"


def test_production_logs_are_json_lines():
    result = _run("-c", "import django, logging; django.setup(); "
                        "logging.getLogger('reporting.pipeline').warning('hello', extra={'job_id': 'j1'})")
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["message"] == "hello" and line["job_id"] == "j1" and line["level"] == "WARNING"


@pytest.mark.django_db
def test_each_stage_logs_job_id_stage_and_duration_as_fields():
    from config.settings.base import logging_config
    from reporting.services.job_runner import _StageRecorder
    from tests.factories import ReportJobFactory

    formatter_config = logging_config(log_format="json", level="INFO")["formatters"]["json"]
    from pythonjsonlogger.json import JsonFormatter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(formatter_config["fmt"], rename_fields=formatter_config["rename_fields"]))
    logger = logging.getLogger("reporting.pipeline")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    try:
        job = ReportJobFactory()
        _StageRecorder(job).stage("validate", lambda: None)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    line = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert line["job_id"] == str(job.public_id) and line["stage"] == "validate" and line["outcome"] == "ok"
    assert isinstance(line["duration_s"], float)


def test_seed_demo_refuses_on_a_production_site_with_the_demo_installed():
    result = _run("manage.py", "seed_demo", DJANGO_INSTALL_DEMO="true")
    assert result.returncode == 1
    assert "seed_demo refuses to run under production settings" in result.stderr and "--force" in result.stderr
