"""verify_report (command and staff page): genuine, modified and unknown files; upload attacks."""
from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command

from reporting.models import AuditEvent
from reporting.services.approval import approval_create, approval_nonce_issue
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _verify(path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_report", str(path), stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue() + err.getvalue()


def _write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _file(job, fmt) -> bytes:
    return job.artifacts.get(format=fmt).file.open("rb").read()


def _approved(job):
    approver = UserFactory(username="quinn", first_name="Quinn", last_name="Approver")
    approver.user_permissions.add(Permission.objects.get(codename="approve_reports"))
    approver = type(approver).objects.get(pk=approver.pk)
    return approval_create(job=job, user=approver, password="pw", meaning="approved",
                           nonce=approval_nonce_issue(job=job, user=approver))


def test_genuine_signed_pdf_and_workbook_exit_0(signing_cert, finished_job, tmp_path):
    code, out = _verify(_write(tmp_path, "r.pdf", _file(finished_job, "pdf")))
    assert code == 0, out
    assert f"Job: {finished_job.public_id}" in out and "version 1" in out
    assert "Bytes: match the recorded report file." in out
    assert "Digital signature QMSReportSignature: valid, covers the whole file; signer Test Signer" in out
    assert out.strip().endswith("RESULT: VERIFIED")
    code, out = _verify(_write(tmp_path, "r.xlsx", _file(finished_job, "xlsx")))
    assert code == 0, out


def test_approved_copy_verifies_with_its_approval(signing_cert, finished_job, tmp_path):
    approval = _approved(finished_job)
    code, out = _verify(_write(tmp_path, "approved.pdf", approval.file.open("rb").read()))
    assert code == 0, out
    assert "approved copy (Approved)" in out and "Approval: Approved by Quinn Approver" in out
    assert "(this approved copy)" in out
    assert "QMSApproval1: valid, covers the whole file; signer Test Signer; reason 'Approved by Quinn" in out, out
    assert "QMSReportSignature: valid, covers an earlier revision" in out, out


def test_modified_pdf_exit_1(signing_cert, finished_job, tmp_path):
    data = bytearray(_file(finished_job, "pdf"))
    at = data.index(b"/Producer") + 3
    data[at] = ord("X") if data[at] != ord("X") else ord("Y")
    code, out = _verify(_write(tmp_path, "changed.pdf", bytes(data)))
    assert code == 1, out
    assert f"Job: {finished_job.public_id}" in out and "DO NOT match" in out and "INVALID" in out
    assert "NOT VERIFIED" in out


def test_modified_workbook_exit_1(finished_job, tmp_path):
    data = _file(finished_job, "xlsx") + b"\0"  # a zip with a trailing byte still opens
    code, out = _verify(_write(tmp_path, "changed.xlsx", data))
    assert code == 1 and "DO NOT match" in out, out


def test_unsigned_pdf_when_the_record_says_signed_is_not_verified(signing_cert, finished_job, tmp_path):
    # An unsigned file of this job with these exact bytes cannot exist; the check is that a record marked
    # signed and a file with no signature never pass together.
    from reporting.models import ReportArtifact

    artifact = finished_job.artifacts.get(format="pdf")
    import hashlib

    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    canvas = Canvas(buf)
    canvas.setKeywords(f"qms-job:{finished_job.public_id}")
    canvas.drawString(72, 720, "An unsigned report")
    canvas.save()
    unsigned = buf.getvalue()
    ReportArtifact.objects.filter(pk=artifact.pk).update(sha256=hashlib.sha256(unsigned).hexdigest())
    code, out = _verify(_write(tmp_path, "unsigned.pdf", unsigned))
    assert code == 1 and "carries no signature" in out, out


def test_unknown_file_exit_2_and_unreadable_exit_3(db, tmp_path):
    code, out = _verify(_write(tmp_path, "other.pdf", b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"))
    assert code == 2 and "No report on record" in out, out
    code, out = _verify(tmp_path / "missing.pdf")
    assert code == 3 and "missing.pdf" in out
    code, out = _verify(_write(tmp_path, "notes.txt", b"hello"))
    assert code == 3 and "neither a PDF nor an XLSX" in out


# -- the staff page


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


def test_verify_page_checks_an_upload_and_audits_it(signing_cert, finished_job, staff_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("report.pdf", _file(finished_job, "pdf"), content_type="application/pdf")
    page = staff_client.post("/records/verify/", {"file": upload})
    text = page.content.decode()
    assert page.status_code == 200 and "report.pdf: verified" in text and str(finished_job.public_id) in text
    event = AuditEvent.objects.get(action="verification")
    assert (event.job, event.outcome, event.detail["status"]) == (finished_job, "success", "genuine")


def test_verify_page_refuses_a_huge_upload_before_reading_it(staff_client, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.REPORTING_VERIFY_MAX_UPLOAD_MB = 0.01  # 10 KB
    upload = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * 200_000, content_type="application/pdf")
    page = staff_client.post("/records/verify/", {"file": upload})
    assert page.status_code == 413 and "larger than the 0.01 MB limit" in page.content.decode()
    assert not AuditEvent.objects.filter(action="verification").exists()


def test_verify_page_size_limit_holds_without_a_content_length(staff_client, settings):
    """A client that sends no (or a false) Content-Length is stopped by the upload handler."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test.client import MULTIPART_CONTENT, encode_multipart, BOUNDARY

    settings.REPORTING_VERIFY_MAX_UPLOAD_MB = 0.01
    body = encode_multipart(BOUNDARY, {"file": SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * 200_000)})
    page = staff_client.generic("POST", "/records/verify/", body, content_type=MULTIPART_CONTENT,
                                CONTENT_LENGTH="100")
    assert page.status_code in (400, 413)
    assert "verified" not in page.content.decode()


def test_verify_page_refuses_a_non_pdf_with_a_clear_message(staff_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("evil.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf")
    page = staff_client.post("/records/verify/", {"file": upload})
    assert page.status_code == 400 and "neither a PDF nor an XLSX" in page.content.decode()


def test_verify_page_is_for_staff_only(client, user):
    client.force_login(user)
    response = client.get("/records/verify/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
