"""Signed, expiring download links for report files too big to attach to an email.

A link names one job's file and when it was signed; nothing else. It is no credential: the view
still requires a login as a user who may download that job (reporting.selectors), so a forwarded
mail or a user who has since lost access gets nothing. The signature only stops a link from being
edited to name another file and from being used after REPORTING_EMAIL_LINK_DAYS.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone as dt_timezone

from django.conf import settings
from django.core import signing
from django.urls import reverse

from reporting.models import ReportArtifact

SALT = "reporting.email-download-link"


class LinkInvalid(Exception):
    """Not a link this site signed (edited, truncated, or for another purpose)."""


class LinkExpired(Exception):
    def __init__(self, signed_at: datetime, days: int):
        self.signed_at = signed_at
        self.days = days
        super().__init__(f"This download link expired: it was sent on {signed_at.day} {signed_at:%b %Y} and links are "
                         f"valid for {days} days. Open the job page to download the file.")


@dataclass(frozen=True)
class LinkTarget:
    public_id: str
    fmt: str


class _Signer(signing.TimestampSigner):
    """A TimestampSigner that may sign "as of" a given time (tests sign links in the past)."""

    def __init__(self, *, at: float | None = None):
        super().__init__(salt=SALT)
        self._at = at

    def timestamp(self) -> str:
        return signing.b62_encode(int(self._at if self._at is not None else time.time()))


def download_link_token(*, artifact: ReportArtifact, signed_at: float | None = None) -> str:
    return _Signer(at=signed_at).sign_object({"job": str(artifact.job.public_id), "fmt": artifact.format},
                                             compress=False)


def download_link_url(*, artifact: ReportArtifact, signed_at: float | None = None) -> str:
    path = reverse("reporting:download_link", args=[download_link_token(artifact=artifact, signed_at=signed_at)])
    return f"{settings.REPORTING_SITE_URL}{path}"


def download_link_target(*, token: str) -> LinkTarget:
    """What a link points at; LinkExpired / LinkInvalid when it may not be used."""
    days = settings.REPORTING_EMAIL_LINK_DAYS
    signer = _Signer()
    try:
        payload = signer.unsign_object(token, max_age=days * 86400)
    except signing.SignatureExpired:
        # The signature is good, only too old: read its time to say when it was sent.
        value = signing.Signer.unsign(signer, token)
        signed_at = datetime.fromtimestamp(signing.b62_decode(value.rsplit(signer.sep, 1)[1]), tz=dt_timezone.utc)
        raise LinkExpired(signed_at, days) from None
    except (signing.BadSignature, ValueError, UnicodeDecodeError):
        raise LinkInvalid("This download link is not valid (it may have been cut short or changed). "
                          "Open the job page to download the file.") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("job"), str) \
            or not isinstance(payload.get("fmt"), str):
        raise LinkInvalid("This download link is not valid.")
    return LinkTarget(public_id=payload["job"], fmt=payload["fmt"])
