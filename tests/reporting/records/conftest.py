"""Fixtures for the controlled-record tests: a real signing certificate, a finished real job."""
from __future__ import annotations

import pytest

from config.dev_signing import dev_certificate_create
from reporting.services import job_create, job_run
from reporting.services.pdf_signing import _load_signer
from tests.factories import StaticSourceFactory, published_template, small_spec


@pytest.fixture
def signing_cert(tmp_path, settings, monkeypatch):
    """A self-signed certificate made as `make run` makes it, configured for signing and trusted."""
    env = dev_certificate_create(directory=tmp_path / "signing", common_name="Test Signer")
    settings.REPORTING_PDF_SIGNING_CERT = env["REPORTING_PDF_SIGNING_CERT"]
    settings.REPORTING_PDF_SIGNING_KEY = env["REPORTING_PDF_SIGNING_KEY"]
    monkeypatch.setenv("REPORTING_PDF_SIGNING_PASSPHRASE", env["REPORTING_PDF_SIGNING_PASSPHRASE"])
    _load_signer.cache_clear()
    yield env
    _load_signer.cache_clear()


@pytest.fixture
def finished_job(db, user):
    template = published_template(spec=small_spec(source_name=StaticSourceFactory(name="rows").name), slug="small")
    job = job_run(job=job_create(template=template, user=user, parameters={"note": "x"}))
    assert job.status == "succeeded", job.error_message
    return job
