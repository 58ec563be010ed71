"""Digital signatures on report PDFs (PAdES baseline B-B, pyHanko) and their validation.

Configured by REPORTING_PDF_SIGNING_CERT / REPORTING_PDF_SIGNING_KEY (paths to PEM files); the
key's passphrase is read from the environment variable named by
REPORTING_PDF_SIGNING_PASSPHRASE_ENV at signing time, so it never sits in the settings object
(which debug pages and error reports may show). Without a certificate nothing is signed and no
file claims to be."""
from __future__ import annotations

import io
import logging
import os
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings

logger = logging.getLogger("reporting.signing")


class PdfSigningError(Exception):
    """Signing was configured but could not be done; the message says what to fix."""


@dataclass(frozen=True)
class SignatureCheck:
    field: str
    signer: str
    reason: str
    signed_at: str
    intact: bool
    valid: bool
    trusted: bool
    covers_whole_file: bool
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted and self.covers_whole_file


def pdf_signing_configured() -> bool:
    return bool(getattr(settings, "REPORTING_PDF_SIGNING_CERT", ""))


def pdf_sign(*, data: bytes, reason: str, field_name: str = "QMSReportSignature") -> bytes:
    """The PDF signed with the configured certificate (PAdES B-B, SHA-256). Raises PdfSigningError."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = _signer()
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
        meta = signers.PdfSignatureMetadata(
            field_name=field_name, reason=reason[:500], md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES, name=signer_name(),
        )
        out = signers.PdfSigner(meta, signer=signer).sign_pdf(writer)
        return out.getvalue()
    except Exception as exc:  # pyHanko raises many kinds; the job must say signing failed, in words
        raise PdfSigningError(f"The PDF could not be digitally signed: {type(exc).__name__}: {exc}") from exc


def signer_name() -> str:
    return _common_name(_signer().signing_cert)


def _common_name(cert) -> str:
    return cert.subject.native.get("common_name") or cert.subject.human_friendly


def _signer():
    cert = getattr(settings, "REPORTING_PDF_SIGNING_CERT", "")
    key = getattr(settings, "REPORTING_PDF_SIGNING_KEY", "") or cert
    env_name = getattr(settings, "REPORTING_PDF_SIGNING_PASSPHRASE_ENV", "REPORTING_PDF_SIGNING_PASSPHRASE")
    passphrase = os.environ.get(env_name, "")
    return _load_signer(cert, key, passphrase)


@lru_cache(maxsize=4)
def _load_signer(cert: str, key: str, passphrase: str):
    from pyhanko.sign import signers

    for label, path in (("certificate REPORTING_PDF_SIGNING_CERT", cert), ("key REPORTING_PDF_SIGNING_KEY", key)):
        if not os.path.isfile(path):
            raise PdfSigningError(f"PDF signing is configured but the {label} file {path!r} does not exist.")
    try:
        signer = signers.SimpleSigner.load(key, cert, key_passphrase=passphrase.encode() if passphrase else None)
    except Exception as exc:
        raise PdfSigningError(f"The PDF signing key {key!r} could not be loaded (wrong passphrase in "
                              f"REPORTING_PDF_SIGNING_PASSPHRASE, or not a PEM key/certificate pair): {exc}") from exc
    if signer is None:  # pyHanko logs and returns None for an unreadable key or a wrong passphrase
        raise PdfSigningError(f"The PDF signing key {key!r} could not be loaded (wrong passphrase in "
                              "REPORTING_PDF_SIGNING_PASSPHRASE, or not a PEM key/certificate pair).")
    return signer


def pdf_signatures_check(*, data: bytes) -> list[SignatureCheck]:
    """Every signature in the PDF, validated against the trusted certificates (the configured signing
    certificate and REPORTING_PDF_TRUSTED_CERTS)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception as exc:
        return [SignatureCheck("", "", "", "", False, False, False, False, f"unreadable PDF: {exc}")]
    checks = []
    for sig in embedded:
        try:
            status = validate_pdf_signature(sig, signer_validation_context=_validation_context())
        except Exception as exc:
            checks.append(SignatureCheck(sig.field_name, "", "", "", False, False, False, False,
                                         f"{type(exc).__name__}: {exc}"))
            continue
        reason = str(sig.sig_object.get("/Reason", "")) if sig.sig_object else ""
        coverage = getattr(status.coverage, "name", str(status.coverage))
        checks.append(SignatureCheck(
            field=sig.field_name, signer=_common_name(status.signing_cert), reason=reason,
            signed_at=status.signer_reported_dt.isoformat() if status.signer_reported_dt else "",
            intact=status.intact, valid=status.valid, trusted=status.trusted,
            covers_whole_file=coverage == "ENTIRE_FILE",
        ))
    return checks


def _validation_context():
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko_certvalidator import ValidationContext

    paths = [p for p in [getattr(settings, "REPORTING_PDF_SIGNING_CERT", ""),
                         *getattr(settings, "REPORTING_PDF_TRUSTED_CERTS", [])] if p and os.path.isfile(p)]
    roots = [load_cert_from_pemder(p) for p in paths]
    # A self-signed development certificate has no revocation service to ask.
    return ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")
