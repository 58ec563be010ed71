"""Approving a report with an electronic signature (21 CFR Part 11 style): the signer re-enters
their password and chooses what the signature means; the approval records name, time with zone,
meaning and the sha256 of the file it applies to, and makes an approved copy of the PDF with the
signature block (digitally signed when a certificate is configured). The original stays as it was."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from reporting.models import AuditEvent, ReportApproval, ReportArtifact, ReportJob

from .approval_pdf import approved_pdf_build
from .audit import audit_record
from .pdf_signing import PdfSigningError, pdf_sign, pdf_signing_configured

APPROVE_PERMISSION = "reporting.approve_reports"
_NONCE_SALT = "reporting.approval"
NONCE_MAX_AGE_S = 2 * 3600
# Wrong passwords in this window lock approving for the user (the login lockout does not see these).
MAX_FAILED_ATTEMPTS = 5
FAILED_WINDOW = timedelta(minutes=15)


def user_may_approve(*, user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.has_perm(APPROVE_PERMISSION))


def approval_nonce_issue(*, job: ReportJob, user) -> str:
    """A one-time token for the approval form, bound to this job and user (a replayed or moved POST fails)."""
    return signing.dumps({"j": str(job.public_id), "u": user.pk, "n": secrets.token_hex(16)}, salt=_NONCE_SALT)


def approval_create(*, job: ReportJob, user, password: str, meaning: str, nonce: str, comment: str = "",
                    acknowledge_partial: bool = False, time_zone: str | None = None) -> ReportApproval:
    """Sign the job's PDF. Raises PermissionDenied or ValidationError (with a code) and approves nothing
    on any failure; a wrong password is recorded as a failed attempt."""
    if not user_may_approve(user=user):
        audit_record(action=AuditEvent.Action.APPROVAL, actor=user, job=job, outcome=AuditEvent.Outcome.FAILURE,
                     detail={"reason": "no approve permission"})
        raise PermissionDenied("Approving reports needs the permission “Can approve reports (electronic signature)”.")
    _check_nonce(nonce, job=job, user=user)
    if meaning not in ReportApproval.Meaning.values:
        raise ValidationError(f"Unknown signature meaning {meaning!r}: choose reviewed, approved or rejected.",
                              code="invalid_meaning")
    artifact = _pdf_of(job)
    if job.status == ReportJob.Status.PARTIAL and not acknowledge_partial:
        raise ValidationError("This report is partial (some data was missing): tick the acknowledgement to sign it.",
                              code="partial_not_acknowledged")
    if _recent_failures(user) >= MAX_FAILED_ATTEMPTS:
        raise ValidationError("Too many wrong passwords: approving is locked for 15 minutes.", code="locked")
    if not password or not user.check_password(password):
        audit_record(action=AuditEvent.Action.APPROVAL, actor=user, job=job, outcome=AuditEvent.Outcome.FAILURE,
                     detail={"reason": "wrong password", "meaning": meaning})
        raise ValidationError("The password is not correct: nothing was signed.", code="wrong_password")
    original = _read_verified(artifact)
    try:
        approval = _sign(job=job, user=user, meaning=meaning, comment=comment, nonce=nonce, artifact=artifact,
                         original=original, acknowledge_partial=acknowledge_partial,
                         time_zone=time_zone or timezone.get_current_timezone_name())
    except PdfSigningError as exc:
        audit_record(action=AuditEvent.Action.APPROVAL, actor=user, job=job, outcome=AuditEvent.Outcome.FAILURE,
                     detail={"reason": "digital signature failed", "error": str(exc)[:300]})
        raise ValidationError(f"Nothing was signed: {exc}", code="signing_failed") from None
    audit_record(action=AuditEvent.Action.APPROVAL, actor=user, job=job,
                 detail={"meaning": meaning, "artifact_sha256": artifact.sha256, "approved_sha256": approval.file_sha256,
                         "digitally_signed": approval.digitally_signed, "approval_id": approval.pk})
    return approval


def _check_nonce(nonce: str, *, job: ReportJob, user) -> None:
    try:
        data = signing.loads(nonce, salt=_NONCE_SALT, max_age=NONCE_MAX_AGE_S)
    except signing.SignatureExpired:
        raise ValidationError("The approval form has expired: open it again.", code="nonce_expired") from None
    except signing.BadSignature:
        raise ValidationError("The approval form is not valid: open it again.", code="nonce_invalid") from None
    if data.get("j") != str(job.public_id) or data.get("u") != user.pk:
        raise ValidationError("The approval form was made for another report or user.", code="nonce_invalid")
    if ReportApproval.objects.filter(nonce=_nonce_key(nonce)).exists():
        raise ValidationError("This approval was already submitted: it is not signed twice.", code="replayed")


def _nonce_key(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def _pdf_of(job: ReportJob) -> ReportArtifact:
    if job.status not in (ReportJob.Status.SUCCEEDED, ReportJob.Status.PARTIAL):
        raise ValidationError("Only a finished report can be signed.", code="not_finished")
    artifact = job.artifacts.filter(format=ReportArtifact.Format.PDF).first()
    if artifact is None:
        raise ValidationError("This report has no PDF to sign.", code="no_pdf")
    return artifact


def _read_verified(artifact: ReportArtifact) -> bytes:
    with artifact.file.open("rb") as fh:
        data = fh.read()
    if hashlib.sha256(data).hexdigest() != artifact.sha256:
        raise ValidationError("The stored PDF no longer matches its recorded SHA-256: it cannot be signed.",
                              code="artifact_modified")
    return data


def _recent_failures(user) -> int:
    return AuditEvent.objects.filter(action=AuditEvent.Action.APPROVAL, actor=user, outcome=AuditEvent.Outcome.FAILURE,
                                     detail__reason="wrong password", at__gte=timezone.now() - FAILED_WINDOW).count()


def _sign(*, job, user, meaning, comment, nonce, artifact, original, acknowledge_partial, time_zone) -> ReportApproval:
    with transaction.atomic():
        # One signer at a time per job: the signature page lists every approval, in order.
        ReportJob.objects.select_for_update().filter(pk=job.pk).first()
        approval = ReportApproval(
            job=job, signer=user, signer_name=user.get_full_name() or user.get_username(), meaning=meaning,
            comment=comment.strip()[:2000], signed_at=timezone.now(), time_zone=time_zone,
            artifact_sha256=artifact.sha256, partial_acknowledged=bool(acknowledge_partial), nonce=_nonce_key(nonce),
        )
        earlier = list(job.approvals.filter(artifact_sha256=artifact.sha256))
        payload = approved_pdf_build(original=original, approvals=[*earlier, approval], job_id=str(job.public_id))
        if pdf_signing_configured():
            reason = f"{approval.get_meaning_display()} by {approval.signer_name}"
            payload = pdf_sign(data=payload, reason=reason + (f": {approval.comment[:200]}" if approval.comment else ""),
                               field_name=f"QMSApproval{len(earlier) + 1}")
            approval.digitally_signed = True
        approval.file_sha256 = hashlib.sha256(payload).hexdigest()
        approval.file_size = len(payload)
        try:
            approval.file.save(f"{job.template.slug}-{job.public_id}-{meaning}-{len(earlier) + 1}.pdf",
                               ContentFile(payload), save=False)
            approval.save()
        except IntegrityError:
            approval.file.delete(save=False)
            raise ValidationError("This approval was already submitted: it is not signed twice.",
                                  code="replayed") from None
    return approval
