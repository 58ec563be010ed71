"""Digitally signed PDFs (pyHanko, PAdES): every PDF when a certificate is configured."""
from __future__ import annotations

import io

import pytest
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from reporting.services import job_create, job_run
from reporting.services.pdf_signing import _load_signer
from tests.factories import StaticSourceFactory, published_template, small_spec

pytestmark = pytest.mark.django_db


@pytest.fixture
def template():
    return published_template(spec=small_spec(source_name=StaticSourceFactory(name="rows").name), slug="signed")


def _status(pdf: bytes, cert_path: str):
    (sig,) = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    context = ValidationContext(trust_roots=[load_cert_from_pemder(cert_path)], allow_fetching=False,
                                revocation_mode="soft-fail")
    return sig, validate_pdf_signature(sig, signer_validation_context=context)


def test_signed_pdf_validates_and_fails_after_one_byte_changed(template, user, signing_cert):
    job = job_run(job=job_create(template=template, user=user, parameters={}))
    assert job.status == "succeeded", job.error_message
    pdf = job.artifacts.get(format="pdf").file.open("rb").read()
    sig, status = _status(pdf, signing_cert["REPORTING_PDF_SIGNING_CERT"])
    assert status.bottom_line and status.intact and status.valid and status.trusted
    assert status.coverage.name == "ENTIRE_FILE"
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES baseline
    assert status.signing_cert.subject.native["common_name"] == "Test Signer"
    assert job.manifest["artifacts"]["pdf"]["signed"] is True
    assert job.manifest["artifacts"]["xlsx"]["signed"] is False

    # One byte of the signed content changed (a character of the page stream's header object).
    changed = bytearray(pdf)
    at = pdf.index(b"/Producer") + 3
    changed[at] = ord("X") if changed[at] != ord("X") else ord("Y")
    _, broken = _status(bytes(changed), signing_cert["REPORTING_PDF_SIGNING_CERT"])
    assert not broken.intact and not broken.bottom_line


def test_signature_not_trusted_by_another_certificate(template, user, signing_cert, tmp_path):
    from config.dev_signing import dev_certificate_create

    job = job_run(job=job_create(template=template, user=user, parameters={}))
    other = dev_certificate_create(directory=tmp_path / "other", common_name="Someone else")
    _, status = _status(job.artifacts.get(format="pdf").file.open("rb").read(), other["REPORTING_PDF_SIGNING_CERT"])
    assert status.intact and not status.trusted and not status.bottom_line


def test_signing_failure_fails_the_job_with_a_clear_message_and_stores_nothing(template, user, signing_cert,
                                                                               monkeypatch):
    monkeypatch.setenv("REPORTING_PDF_SIGNING_PASSPHRASE", "not the passphrase")
    _load_signer.cache_clear()
    job = job_run(job=job_create(template=template, user=user, parameters={}))
    assert job.status == "failed"
    assert "PDF signing key" in job.error_message and "REPORTING_PDF_SIGNING_PASSPHRASE" in job.error_message
    assert not job.artifacts.exists()  # never an unsigned PDF in place of a signed one


def test_missing_certificate_file_fails_the_job(template, user, signing_cert, settings):
    settings.REPORTING_PDF_SIGNING_CERT = "/nonexistent/cert.pem"
    _load_signer.cache_clear()
    job = job_run(job=job_create(template=template, user=user, parameters={}))
    assert job.status == "failed"
    assert "REPORTING_PDF_SIGNING_CERT" in job.error_message and "does not exist" in job.error_message
    assert not job.artifacts.exists()
