"""The factories build valid rows: what tests get when they ask for "a job", "a file of a job", ..."""
import hashlib

import pytest

from reporting.models import ReportJob
from templates_app.models import DataSource
from tests.factories import (
    GroupFactory,
    HttpSourceFactory,
    PublishedTemplateFactory,
    ReportArtifactFactory,
    ReportJobFactory,
    ReportTemplateFactory,
    SqlSourceFactory,
    StaticSourceFactory,
    TemplateVersionFactory,
    small_spec,
)

pytestmark = pytest.mark.django_db


def test_versions_are_numbered_per_template_and_only_published_when_asked():
    template = ReportTemplateFactory()
    first, second = TemplateVersionFactory(template=template), TemplateVersionFactory(template=template)
    assert (first.number, second.number, TemplateVersionFactory().number) == (1, 2, 1)
    assert first.spec["sources"][0]["source"].startswith("static_")
    template.refresh_from_db()
    assert template.published_version is None


def test_published_template_publishes_version_one_of_the_given_spec():
    spec = small_spec(source_name=StaticSourceFactory(name="rows").name, title="Given")
    group = GroupFactory(name="Auditors")
    template = PublishedTemplateFactory(spec=spec, allowed_groups=[group])
    template.refresh_from_db()
    assert template.published_version.number == 1 and template.published_version.spec == spec
    assert list(template.allowed_groups.all()) == [group]


def test_job_runs_the_published_version_of_its_template():
    job = ReportJobFactory()
    job.refresh_from_db()
    assert job.template_version == job.template.published_version
    assert (job.status, job.parameters, job.formats) == (ReportJob.Status.SUCCEEDED, {}, ["pdf", "xlsx"])
    assert not job.artifacts.exists()


def test_artifact_is_a_real_file_in_the_artifact_storage():
    artifact = ReportArtifactFactory(format="xlsx", content=b"PK\x03\x04 workbook")
    assert artifact.file.name == f"jobs/{artifact.job.public_id}/report.xlsx"
    assert artifact.file.storage.exists(artifact.file.name)
    with artifact.file.open("rb") as fh:
        assert fh.read() == b"PK\x03\x04 workbook"
    assert (artifact.size, artifact.sha256) == (13, hashlib.sha256(b"PK\x03\x04 workbook").hexdigest())
    assert artifact.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_source_factories_make_one_source_of_each_kind():
    kinds = [f().kind for f in (StaticSourceFactory, HttpSourceFactory, SqlSourceFactory)]
    assert kinds == [DataSource.Kind.STATIC, DataSource.Kind.HTTP, DataSource.Kind.SQL]
    http = DataSource.objects.get(kind=DataSource.Kind.HTTP)
    assert (http.endpoint, http.max_attempts, http.cache_ttl_s) == ("/rows", 1, 0)


def test_email_delivery_factory_derives_the_idempotency_key_from_job_and_lower_cased_address():
    from reporting.models import EmailDelivery
    from tests.factories import EmailDeliveryFactory

    delivery = EmailDeliveryFactory(recipient="QA@Example.com")
    assert delivery.status == EmailDelivery.Status.PENDING and delivery.job.status == ReportJob.Status.SUCCEEDED
    assert delivery.idempotency_key == EmailDelivery.key_for(job_public_id=delivery.job.public_id,
                                                             recipient="qa@example.com")
