"""The approved copy downloads like every report file: the common stored-file response (size, and
redirect mode on S3) and a name in the report's scheme plus "-approved-<n>".

Found by review: it was a bare FileResponse (no Content-Length, no redirect mode) named
"<slug>-<uuid>-approved-1.pdf".
"""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit
import urllib.request

import pytest
from django.contrib.auth.models import Permission
from django.core.files.storage import storages

from reporting.models import ReportApproval
from reporting.services.approval import approval_create, approval_nonce_issue
from reporting.services.email_content import artifact_filename
from tests.factories import UserFactory
from tests.s3_server import s3_server


@pytest.fixture
def approver(db):
    user = UserFactory(username="quinn", first_name="Quinn", last_name="Approver")
    user.user_permissions.add(Permission.objects.get(codename="approve_reports"),
                              Permission.objects.get(codename="view_reportjob"))
    return UserFactory._meta.model.objects.get(pk=user.pk)


def _approve(job, user, meaning="approved"):
    return approval_create(job=job, user=user, password="pw", meaning=meaning,
                           nonce=approval_nonce_issue(job=job, user=user))


def test_streamed_with_its_size_and_the_report_name(finished_job, approver, client):
    first, second = _approve(finished_job, approver, "reviewed"), _approve(finished_job, approver)
    report_name = artifact_filename(finished_job.artifacts.get(format="pdf"))  # small-<short id>.pdf
    client.force_login(approver)
    for number, approval in enumerate([first, second], start=1):
        response = client.get(f"/jobs/{finished_job.public_id}/approved/{approval.pk}/")
        assert response.status_code == 200
        assert response["Content-Length"] == str(approval.file_size)
        expected = report_name.removesuffix(".pdf") + f"-approved-{number}.pdf"
        assert response["Content-Disposition"] == f'attachment; filename="{expected}"'
        assert b"".join(response.streaming_content) == approval.file.open("rb").read()
        assert response["Cache-Control"] == "private, no-store"


def test_redirect_mode_hands_out_a_presigned_url_for_the_approved_copy(finished_job, approver, client, settings,
                                                                       monkeypatch):
    from storages.backends.s3 import S3Storage

    with s3_server(bucket="qms-approvals") as s3:
        storage = S3Storage(**s3.storage_options())
        monkeypatch.setattr(ReportApproval._meta.get_field("file"), "storage", storage)
        monkeypatch.setitem(storages._storages, "artifacts", storage)
        approval = _approve(finished_job, approver)
        settings.REPORTING_DOWNLOAD_MODE = "redirect"
        settings.REPORTING_DOWNLOAD_URL_EXPIRY_S = 60
        client.force_login(approver)
        response = client.get(f"/jobs/{finished_job.public_id}/approved/{approval.pk}/")
        assert response.status_code == 302 and response["Referrer-Policy"] == "no-referrer"
        signed = urlsplit(response["Location"])
        assert signed.path == f"/{s3.bucket}/{approval.file.name}"
        query = parse_qs(signed.query)
        assert query["X-Amz-Expires"] == ["60"]
        assert query["response-content-disposition"][0].endswith("-approved-1.pdf\"")
        with urllib.request.urlopen(response["Location"]) as fetched:
            assert fetched.read() == s3.objects()[approval.file.name]
