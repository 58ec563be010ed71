"""Approval with an electronic signature: password, meaning, partial acknowledgement, approved copy."""
from __future__ import annotations

import hashlib
import io

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from pypdf import PdfReader

from reporting.models import AuditEvent, ReportApproval, ReportJob
from reporting.services.approval import approval_create, approval_nonce_issue
from reporting.services.pdf_signing import pdf_signatures_check
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def approver(db):
    user = UserFactory(username="quinn", first_name="Quinn", last_name="Approver")
    user.user_permissions.add(Permission.objects.get(codename="approve_reports"),
                              Permission.objects.get(codename="view_reportjob"))
    return UserFactory._meta.model.objects.get(pk=user.pk)  # fresh permission cache


def _approve(job, user, **kwargs):
    args = {"password": "pw", "meaning": "approved", "comment": "Figures checked against the QMS."}
    args.update(kwargs)
    return approval_create(job=job, user=user, nonce=kwargs.pop("nonce", None) or approval_nonce_issue(job=job, user=user),
                           **{k: v for k, v in args.items() if k != "nonce"})


def _pdf(job) -> bytes:
    return job.artifacts.get(format="pdf").file.open("rb").read()


def test_approval_records_who_when_meaning_and_file_and_makes_a_signed_copy(finished_job, approver, signing_cert):
    original = _pdf(finished_job)
    approval = _approve(finished_job, approver, time_zone="Europe/Amsterdam")
    assert (approval.signer_name, approval.meaning, approval.time_zone) == ("Quinn Approver", "approved",
                                                                           "Europe/Amsterdam")
    assert approval.artifact_sha256 == hashlib.sha256(original).hexdigest()
    assert _pdf(finished_job) == original  # the original stays as it was
    copy = approval.file.open("rb").read()
    assert copy.startswith(original) and hashlib.sha256(copy).hexdigest() == approval.file_sha256
    last_page = PdfReader(io.BytesIO(copy)).pages[-1].extract_text()
    for expected in ("Electronic signatures", "APPROVED", "Quinn Approver", "Europe/Amsterdam", approval.artifact_sha256,
                     "Figures checked against the QMS."):
        assert expected in last_page, expected
    checks = pdf_signatures_check(data=copy)
    assert approval.digitally_signed and checks[-1].ok and checks[-1].reason.startswith("Approved by Quinn Approver")
    event = AuditEvent.objects.get(action="approval", outcome="success")
    assert event.actor == approver and event.detail["artifact_sha256"] == approval.artifact_sha256


def test_wrong_password_records_a_failed_attempt_and_approves_nothing(finished_job, approver):
    with pytest.raises(ValidationError) as caught:
        _approve(finished_job, approver, password="wrong")
    assert caught.value.code == "wrong_password"
    assert not ReportApproval.objects.exists()
    failed = AuditEvent.objects.get(action="approval")
    assert (failed.outcome, failed.actor, failed.detail["reason"]) == ("failure", approver, "wrong password")


def test_five_wrong_passwords_lock_approving(finished_job, approver):
    for _ in range(5):
        with pytest.raises(ValidationError):
            _approve(finished_job, approver, password="wrong")
    with pytest.raises(ValidationError) as caught:
        _approve(finished_job, approver)  # even the right password, for now
    assert caught.value.code == "locked"
    assert not ReportApproval.objects.exists()


def test_partial_report_needs_an_explicit_acknowledgement(finished_job, approver):
    ReportJob.objects.filter(pk=finished_job.pk).update(status="partial")
    finished_job.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        _approve(finished_job, approver)
    assert caught.value.code == "partial_not_acknowledged"
    approval = _approve(finished_job, approver, acknowledge_partial=True)
    assert approval.partial_acknowledged
    assert "some data was missing" in PdfReader(approval.file.open("rb")).pages[-1].extract_text()


def test_second_signature_lists_both_and_unsigned_copy_without_certificate(finished_job, approver):
    first = _approve(finished_job, approver, meaning="reviewed")
    second = _approve(finished_job, approver, meaning="approved")
    assert not second.digitally_signed  # no certificate configured: nothing claims to be signed
    text = PdfReader(second.file.open("rb")).pages[-1].extract_text()
    assert "REVIEWED" in text and "APPROVED" in text
    assert first.file_sha256 != second.file_sha256


# -- attacks


def test_without_permission_nothing_is_approved(finished_job, other_user):
    with pytest.raises(PermissionDenied):
        _approve(finished_job, other_user)
    assert not ReportApproval.objects.exists()


def test_approve_page_refuses_a_user_without_the_permission(finished_job, other_user, client):
    other_user.user_permissions.add(Permission.objects.get(codename="view_reportjob"))
    client.force_login(other_user)
    url = f"/jobs/{finished_job.public_id}/approve/"
    assert client.get(url).status_code == 403
    response = client.post(url, {"meaning": "approved", "password": "pw", "nonce": "x"})
    assert response.status_code == 403 and not ReportApproval.objects.exists()


def test_replayed_approval_post_signs_once(finished_job, approver, client):
    client.force_login(approver)
    url = f"/jobs/{finished_job.public_id}/approve/"
    form = {"meaning": "approved", "password": "pw", "comment": "",
            "nonce": approval_nonce_issue(job=finished_job, user=approver)}
    assert client.post(url, form).status_code == 302
    replay = client.post(url, form)
    assert replay.status_code == 400 and "already submitted" in replay.content.decode()
    assert ReportApproval.objects.count() == 1


def test_nonce_of_another_job_or_user_is_refused(finished_job, approver, user):
    with pytest.raises(ValidationError) as caught:
        _approve(finished_job, approver, nonce=approval_nonce_issue(job=finished_job, user=user))
    assert caught.value.code == "nonce_invalid"
    with pytest.raises(ValidationError) as caught:
        _approve(finished_job, approver, nonce="forged:token")
    assert caught.value.code == "nonce_invalid"


def test_forged_meaning_is_refused(finished_job, approver, client):
    with pytest.raises(ValidationError) as caught:
        _approve(finished_job, approver, meaning="approved<script>")
    assert caught.value.code == "invalid_meaning"
    client.force_login(approver)
    response = client.post(f"/jobs/{finished_job.public_id}/approve/",
                           {"meaning": "authorised", "password": "pw",
                            "nonce": approval_nonce_issue(job=finished_job, user=approver)})
    assert response.status_code == 400 and not ReportApproval.objects.exists()


def test_approver_who_may_not_see_the_job_gets_404(finished_job, client):
    outsider = UserFactory(username="outsider")
    outsider.user_permissions.add(Permission.objects.get(codename="approve_reports"))
    client.force_login(outsider)
    assert client.get(f"/jobs/{finished_job.public_id}/approve/").status_code in (403, 404)


def test_a_tampered_stored_pdf_is_not_signed(finished_job, approver):
    artifact = finished_job.artifacts.get(format="pdf")
    with open(artifact.file.path, "ab") as fh:
        fh.write(b"% appended")
    with pytest.raises(ValidationError) as caught:
        _approve(finished_job, approver)
    assert caught.value.code == "artifact_modified"


def test_job_page_shows_approvals_and_the_approve_link(finished_job, approver, client):
    approval = _approve(finished_job, approver)
    client.force_login(approver)
    page = client.get(f"/jobs/{finished_job.public_id}/").content.decode()
    assert "Approved</strong> by Quinn Approver" in page and f"/approved/{approval.pk}/" in page
    assert "approve-link" in page
    download = client.get(f"/jobs/{finished_job.public_id}/approved/{approval.pk}/")
    assert b"".join(download.streaming_content) == approval.file.open("rb").read()
    assert AuditEvent.objects.filter(action="download", detail__approved_copy=approval.pk).exists()


def test_many_signatures_continue_on_a_second_signature_page(finished_job, approver):
    original_pages = len(PdfReader(io.BytesIO(_pdf(finished_job))).pages)
    for meaning in ["reviewed"] * 6 + ["approved"]:
        approval = _approve(finished_job, approver, meaning=meaning)
    pages = PdfReader(approval.file.open("rb")).pages
    assert len(pages) == original_pages + 2
    assert "APPROVED" in pages[-1].extract_text() and "REVIEWED" in pages[-2].extract_text()
    assert all("Signature page, added when the report was signed" in p.extract_text() for p in pages[-2:])
