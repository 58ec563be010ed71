"""A self-signed development certificate for signing report PDFs (`make run` makes one under var/).

Never for production: anybody with this checkout has its key. Production points
REPORTING_PDF_SIGNING_CERT/KEY at a certificate from the organisation's CA."""
from __future__ import annotations

import datetime
import os
import secrets
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


def dev_certificate_create(*, directory: Path, common_name: str = "QMS Reporting development signer",
                           passphrase: str | None = None, days: int = 365) -> dict[str, str]:
    """Write cert.pem, key.pem (encrypted) and passphrase.txt under ``directory`` unless there; return the
    settings/environment that use them."""
    directory.mkdir(parents=True, exist_ok=True)
    cert_path, key_path, pass_path = directory / "cert.pem", directory / "key.pem", directory / "passphrase.txt"
    if not (cert_path.exists() and key_path.exists() and pass_path.exists()):
        passphrase = passphrase or secrets.token_urlsafe(24)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, "QMS Reporting (development)")])
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            # Signing documents: pyHanko's validator wants non-repudiation (content commitment).
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256())
        )
        _write(key_path, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.BestAvailableEncryption(passphrase.encode())))
        _write(cert_path, cert.public_bytes(serialization.Encoding.PEM))
        _write(pass_path, passphrase.encode())
    return {"REPORTING_PDF_SIGNING_CERT": str(cert_path), "REPORTING_PDF_SIGNING_KEY": str(key_path),
            "REPORTING_PDF_SIGNING_PASSPHRASE": pass_path.read_text().strip()}


def _write(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
