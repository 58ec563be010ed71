"""Artifacts on a real S3-compatible server (moto's standalone server): stored as a stream with the
recorded sha256, private, encrypted when asked, downloaded only after the permission check."""
from __future__ import annotations

import hashlib
import io
import time
import tracemalloc
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.urls import reverse

from reporting.models import ReportArtifact, ReportJob
from reporting.services import job_create, job_run
from reporting.services.artifacts import artifact_store, spool_copy
from tests.factories import ReportJobFactory, StaticSourceFactory, UserFactory, published_template, small_spec
from tests.s3_server import s3_server

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def s3():
    with s3_server(bucket="qms-test") as running:
        yield running


@pytest.fixture
def s3_storage(s3, monkeypatch):
    """The artifact storage of this process switched to the S3 bucket (model field and storages)."""
    from storages.backends.s3 import S3Storage

    def make(**extra):
        storage = S3Storage(**{**s3.storage_options(), **extra})
        monkeypatch.setattr(ReportArtifact._meta.get_field("file"), "storage", storage)
        monkeypatch.setitem(storages._storages, "artifacts", storage)
        return storage

    make()
    return make


@pytest.fixture
def template():
    return published_template(spec=small_spec(source_name=StaticSourceFactory(name="rows").name), slug="s3-small")


def _run_job(template, owner) -> ReportJob:
    job = job_run(job=job_create(template=template, user=owner, parameters={}, formats=["pdf", "xlsx"]))
    assert job.status == ReportJob.Status.SUCCEEDED, job.error_message
    return job


def test_a_run_stores_each_file_in_the_bucket_with_the_recorded_sha256_and_private(s3, s3_storage, template, user):
    job = _run_job(template, user)
    objects = s3.objects()
    for artifact in job.artifacts.all():
        key = f"jobs/{job.public_id}/s3-small-{job.public_id}.{artifact.format}"
        assert artifact.file.name == key
        assert hashlib.sha256(objects[key]).hexdigest() == artifact.sha256 and len(objects[key]) == artifact.size
        grants = s3.client().get_object_acl(Bucket=s3.bucket, Key=key)["Grants"]
        assert not [g for g in grants if "AllUsers" in str(g.get("Grantee", {}).get("URI", ""))]


def test_server_side_encryption_when_asked(s3, s3_storage, template, user):
    s3_storage(object_parameters={"ServerSideEncryption": "AES256"})
    job = _run_job(template, user)
    head = s3.client().head_object(Bucket=s3.bucket, Key=job.artifacts.get(format="pdf").file.name)
    assert head["ServerSideEncryption"] == "AES256"


def test_streamed_download_is_the_bucket_bytes_for_the_owner_only(s3, s3_storage, template, user, other_user, client):
    job = _run_job(template, user)
    url = reverse("reporting:download", args=[job.public_id, "xlsx"])
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == s3.objects()[job.artifacts.get(format="xlsx").file.name]
    client.force_login(other_user)  # the URL guessed (or shared) by another user
    assert client.get(url).status_code == 404


def test_presigned_url_only_after_the_check_short_lived_and_for_that_object(s3, s3_storage, template, user,
                                                                              other_user, client, settings):
    settings.REPORTING_DOWNLOAD_MODE = "redirect"
    settings.REPORTING_DOWNLOAD_URL_EXPIRY_S = 60
    job = _run_job(template, user)
    artifact = job.artifacts.get(format="pdf")
    url = reverse("reporting:download", args=[job.public_id, "pdf"])

    client.force_login(other_user)
    refused = client.get(url)
    assert refused.status_code == 404 and "Location" not in refused

    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store" and response["Referrer-Policy"] == "no-referrer"
    signed = urlsplit(response["Location"])
    query = parse_qs(signed.query)
    assert signed.path == f"/{s3.bucket}/{artifact.file.name}"
    assert query["X-Amz-Expires"] == ["60"] and "X-Amz-Signature" in query
    assert query["response-content-disposition"][0].startswith("attachment; filename=")
    with urllib.request.urlopen(response["Location"]) as fetched:
        assert fetched.read() == s3.objects()[artifact.file.name]
        assert fetched.headers["Content-Disposition"].startswith("attachment;")


def test_storage_names_cannot_leave_the_job_folder(s3, s3_storage, template, user, settings):
    job = _run_job(template, user)
    template.slug = "../../../etc/cron.d/evil"
    template.save(update_fields=["slug"])
    job.refresh_from_db()
    artifact = artifact_store(job=job, fmt="pdf", content_type="application/pdf", file_extension="pdf/../../x",
                              stream=io.BytesIO(b"%PDF-1.4 hostile"))
    assert artifact.file.name.startswith(f"jobs/{job.public_id}/") and ".." not in artifact.file.name.split("/")
    assert all(key.startswith("jobs/") for key in s3.objects())
    with pytest.raises(SuspiciousFileOperation):
        storages["artifacts"].save("../outside.pdf", ContentFile(b"x"))


def test_local_storage_names_cannot_leave_the_artifact_root(settings):
    from django.core.files.storage import FileSystemStorage

    with pytest.raises(SuspiciousFileOperation):
        FileSystemStorage(location=settings.ARTIFACT_ROOT).save("../../outside.pdf", ContentFile(b"x"))


def test_storing_a_large_file_never_holds_it_in_memory():
    job = ReportJobFactory()
    source = io.BufferedRandom(io.FileIO(__import__("tempfile").mkstemp()[1], "w+b"))
    block = b"0123456789abcdef" * 65536  # 1 MiB
    for _ in range(24):
        source.write(block)
    tracemalloc.start()
    try:
        held = spool_copy(source)
        artifact = artifact_store(job=job, fmt="xlsx", content_type="application/octet-stream",
                                  file_extension="xlsx", stream=held)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        source.close()
    assert artifact.size == 24 * len(block)
    assert peak < 6 * 1024 * 1024, f"peak {peak} bytes for a 24 MiB file"


def test_admin_test_renders_live_in_the_bucket_for_their_owner_and_expire(s3, s3_storage, client, monkeypatch):
    from django.contrib.auth.models import Permission

    from templates_app import sample_render

    version = published_template(spec=small_spec(source_name=StaticSourceFactory(name="rows").name)).published_version
    maker = UserFactory(is_staff=True, username="maker")
    maker.user_permissions.set(Permission.objects.filter(codename="view_templateversion"))
    client.force_login(maker)
    page = client.get(reverse("admin:templates_app_templateversion_test_render", args=[version.pk]))
    token = page.context["downloads"][0][3].split("/test-render/")[1].split("/")[0]
    assert {k.rsplit("/", 1)[1] for k in s3.objects() if k.startswith(f"sample-renders/{token}/")} == {
        "meta.json", "pdf", "xlsx"}
    url = reverse("admin:templates_app_templateversion_test_render_download", args=[token, "pdf"])
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")

    other = UserFactory(is_staff=True, username="other-staff")
    other.user_permissions.set(Permission.objects.filter(codename="view_templateversion"))
    client.force_login(other)
    assert client.get(url).status_code == 404

    client.force_login(maker)
    later = time.time() + sample_render.STORE_MAX_AGE_S + 5
    monkeypatch.setattr(sample_render.time, "time", lambda: later)
    assert client.get(url).status_code == 404  # expired: "render again"
    assert token in sample_render.sample_renders_sweep()
    assert not [k for k in s3.objects() if k.startswith(f"sample-renders/{token}/")]
