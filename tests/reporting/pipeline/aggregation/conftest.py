from __future__ import annotations

import uuid

import pytest

from reporting.pipeline.aggregation import http_source, ssrf


@pytest.fixture
def source_settings(settings):
    """Allow the local server and example.com test hosts; make retries fast."""
    settings.REPORTING_SOURCE_ALLOWED_HOSTS = ["127.0.0.1", "localhost", "api.example.com", "intranet.example.com"]
    settings.REPORTING_SOURCE_ALLOW_PRIVATE_HOSTS = ["127.0.0.1", "localhost"]
    settings.REPORTING_SOURCE_BACKOFF_BASE_S = 0.01
    settings.REPORTING_SOURCE_BACKOFF_CAP_S = 0.02
    settings.REPORTING_SOURCE_MAX_BYTES = 10 * 1024 * 1024
    return settings


@pytest.fixture(autouse=True)
def test_secrets_allowed(settings):
    """The environment variables these tests send as header secrets are on the allow-list."""
    settings.REPORTING_SOURCE_SECRET_ENV = ["QMS_TEST_TOKEN", "QMS_MISSING_TOKEN"]


@pytest.fixture
def fake_dns(monkeypatch):
    """Name -> addresses for example.com hosts; real resolution for everything else."""
    table = {"api.example.com": ["93.184.216.34"], "intranet.example.com": ["10.0.0.5"]}
    real = ssrf.resolve_host

    def resolve(host: str, port: int) -> list[str]:
        return table[host] if host in table else real(host, port)

    monkeypatch.setattr(ssrf, "resolve_host", resolve)
    return table


@pytest.fixture
def recorded_sleeps(monkeypatch):
    sleeps: list[float] = []
    monkeypatch.setattr(http_source, "_sleep", sleeps.append)
    return sleeps


@pytest.fixture
def unique_name():
    """Source names unique per test, so cache entries in a shared Redis never leak between tests."""
    return lambda base: f"{base}-{uuid.uuid4().hex[:8]}"
