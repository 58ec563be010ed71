"""factory_boy factories for every model the tests build, plus small_spec (a valid spec over one source)."""
import datetime
import hashlib

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db.models import Max

from reporting.models import ReportArtifact, ReportJob, Schedule, ScheduleRun
from templates_app.models import DataSource, ReportTemplate, TemplateVersion


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Group {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    password = factory.django.Password("pw")


class StaticSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DataSource

    name = factory.Sequence(lambda n: f"static_{n}")
    kind = DataSource.Kind.STATIC
    static_data = factory.LazyFunction(lambda: {"rows": [{"name": "A", "value": 1}]})


class HttpSourceFactory(factory.django.DjangoModelFactory):
    """An HTTP JSON source at base_url + /rows (tests/local_http.py serves one): one attempt, no cache."""

    class Meta:
        model = DataSource

    name = factory.Sequence(lambda n: f"http_{n}")
    kind = DataSource.Kind.HTTP
    base_url = "http://127.0.0.1:9"  # the discard port: pass the local server's base_url
    endpoint = "/rows"
    connect_timeout_s = 2.0
    read_timeout_s = 30.0
    max_attempts = 1
    cache_ttl_s = 0


class SqlSourceFactory(factory.django.DjangoModelFactory):
    """A SQL source on an analytics connection (tests/analytics_fixtures.py configures them); no cache."""

    class Meta:
        model = DataSource

    name = factory.Sequence(lambda n: f"sql_{n}")
    kind = DataSource.Kind.SQL
    database_alias = "analytics"
    sql = "SELECT name, value FROM rows ORDER BY name"
    cache_ttl_s = 0


def small_spec(*, source_name: str, title: str = "Small report") -> dict:
    """A valid spec over one static source: a table and a bar chart of its rows."""
    return {
        "title": title,
        "parameters": [{"name": "note", "type": "string", "label": "Note", "required": False}],
        "sources": [{"source": source_name, "required": True}],
        "processors": [],
        "sections": [
            {"type": "heading", "text": "Rows"},
            {"type": "chart", "kind": "bar", "title": "Values", "data": f"{source_name}.rows", "x": "name",
             "y": ["value"]},
            {"type": "table", "title": "Rows", "data": f"{source_name}.rows",
             "columns": [{"field": "name", "label": "Name"}, {"field": "value", "label": "Value", "format": "0"}]},
        ],
        "outputs": ["pdf", "xlsx"],
    }


class ReportTemplateFactory(factory.django.DjangoModelFactory):
    """A template without versions; ReportTemplateFactory(allowed_groups=[group, ...]) limits its use."""

    class Meta:
        model = ReportTemplate
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"report-{n}")
    name = factory.Sequence(lambda n: f"Report {n}")

    @factory.post_generation
    def allowed_groups(template, create, extracted, **kwargs):
        if create and extracted:
            template.allowed_groups.add(*extracted)


class TemplateVersionFactory(factory.django.DjangoModelFactory):
    """The next version of its template (numbered 1, 2, ...); by default small_spec over a new static source."""

    class Meta:
        model = TemplateVersion

    template = factory.SubFactory(ReportTemplateFactory)
    number = factory.LazyAttribute(
        lambda v: (v.template.versions.aggregate(last=Max("number"))["last"] or 0) + 1)
    spec = factory.LazyFunction(lambda: small_spec(source_name=StaticSourceFactory().name))


class PublishedTemplateFactory(ReportTemplateFactory):
    """A template whose version 1 (TemplateVersionFactory; pass spec=... to choose it) is published."""

    @factory.post_generation
    def spec(template, create, extracted, **kwargs):
        version = TemplateVersionFactory(template=template, **({"spec": extracted} if extracted else {}))
        template.published_version = version
        if create:
            template.save(update_fields=["published_version"])


def published_template(*, spec: dict, slug: str | None = None, **kwargs) -> ReportTemplate:
    return PublishedTemplateFactory(spec=spec, **({"slug": slug} if slug else {}), **kwargs)


class ReportJobFactory(factory.django.DjangoModelFactory):
    """A succeeded job (no artifacts: see ReportArtifactFactory) of the published version of its template."""

    class Meta:
        model = ReportJob

    template = factory.SubFactory(PublishedTemplateFactory)
    template_version = factory.LazyAttribute(lambda job: job.template.published_version)
    status = ReportJob.Status.SUCCEEDED
    parameters = factory.LazyFunction(dict)
    formats = factory.LazyFunction(lambda: ["pdf", "xlsx"])


ARTIFACT_CONTENT = {ReportArtifact.Format.PDF: b"%PDF-1.4", ReportArtifact.Format.XLSX: b"PK\x03\x04"}
ARTIFACT_CONTENT_TYPES = {
    ReportArtifact.Format.PDF: "application/pdf",
    ReportArtifact.Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class ReportArtifactFactory(factory.django.DjangoModelFactory):
    """A file of its job, written to the artifacts storage as jobs/<job>/report.<format>.

    ``content`` (bytes) sets the file; by default a few bytes that start like a real file of the format.
    """

    class Meta:
        model = ReportArtifact

    class Params:
        content = factory.LazyAttribute(lambda a: ARTIFACT_CONTENT[a.format])

    job = factory.SubFactory(ReportJobFactory)
    format = ReportArtifact.Format.PDF
    file = factory.LazyAttribute(lambda a: ContentFile(a.content, name=f"report.{a.format}"))
    content_type = factory.LazyAttribute(lambda a: ARTIFACT_CONTENT_TYPES[a.format])
    size = factory.LazyAttribute(lambda a: len(a.content))
    sha256 = factory.LazyAttribute(lambda a: hashlib.sha256(a.content).hexdigest())


def scheduled_spec(*, source_name: str, title: str = "Scheduled report") -> dict:
    """small_spec plus what schedules use: a date range (preset), a department choice, recipients."""
    spec = small_spec(source_name=source_name, title=title)
    spec["parameters"] = [
        {"name": "period", "type": "date_range", "label": "Period", "required": True, "default": "last_month"},
        {"name": "department", "type": "choice", "label": "Department", "required": True,
         "choices": [{"value": "QA", "label": "Quality"}, {"value": "OPS", "label": "Operations"}]},
        {"name": "recipients", "type": "email_list", "label": "Email to", "required": False},
    ]
    return spec


class ScheduleFactory(factory.django.DjangoModelFactory):
    """An enabled monthly schedule (day 1, 08:00 Europe/Berlin) of a template with scheduled_spec."""

    class Meta:
        model = Schedule

    name = factory.Sequence(lambda n: f"Schedule {n}")
    template = factory.SubFactory(
        PublishedTemplateFactory, spec=factory.LazyFunction(lambda: scheduled_spec(source_name=StaticSourceFactory().name)))
    owner = factory.SubFactory(UserFactory)
    parameters = factory.LazyFunction(lambda: {
        "period": {"start": "2026-10-01", "end": "2026-10-31", "preset": "last_month"}, "department": "QA"})
    kind = Schedule.Kind.MONTHLY
    month_day = "1"
    time_of_day = datetime.time(8, 0)
    timezone = "Europe/Berlin"
    recipients = factory.LazyFunction(lambda: ["boss@example.com"])
    next_run_at = factory.LazyFunction(lambda: datetime.datetime(2026, 12, 1, 7, 0, tzinfo=datetime.UTC))


class ScheduleRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScheduleRun

    schedule = factory.SubFactory(ScheduleFactory)
    due_at = factory.LazyAttribute(lambda run: run.schedule.next_run_at)
    outcome = ScheduleRun.Outcome.CREATED


# --- email delivery (issue 14) ------------------------------------------------------------------
from reporting.models import EmailDelivery  # noqa: E402 (appended section: the top belongs to all)


class EmailDeliveryFactory(factory.django.DjangoModelFactory):
    """A pending delivery of a succeeded job's report to one address (its idempotency key is derived)."""

    class Meta:
        model = EmailDelivery

    job = factory.SubFactory(ReportJobFactory)
    recipient = factory.Sequence(lambda n: f"reader{n}@example.com")
    status = EmailDelivery.Status.PENDING


# -- web app (issue 15): shares, favourite runs, stored HTML views (reporting/web_models.py)

class JobShareFactory(factory.django.DjangoModelFactory):
    """An active share of a succeeded job with one user (pass group=… and user=None for a group)."""

    class Meta:
        model = "reporting.JobShare"

    job = factory.SubFactory(ReportJobFactory)
    user = factory.SubFactory(UserFactory)
    shared_by = factory.LazyAttribute(lambda share: share.job.requested_by)


class FavouriteRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "reporting.FavouriteRun"

    user = factory.SubFactory(UserFactory)
    template = factory.SubFactory(PublishedTemplateFactory)
    name = factory.Sequence(lambda n: f"Favourite {n}")
    parameters = factory.LazyFunction(dict)


class JobReportViewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "reporting.JobReportView"

    job = factory.SubFactory(ReportJobFactory)
    sections = factory.LazyFunction(lambda: [{"type": "heading", "title": "Summary", "level": 1}])


class AuditEventFactory(factory.django.DjangoModelFactory):
    """One audit trail row (append-only: the model refuses a second save)."""

    class Meta:
        model = "reporting.AuditEvent"

    action = "report_run"
    actor = factory.SubFactory(UserFactory)
    actor_name = factory.LazyAttribute(lambda e: e.actor.get_username() if e.actor else "")
    ip_address = "127.0.0.1"


class ReportApprovalFactory(factory.django.DjangoModelFactory):
    """An approval of its job's PDF (no approved copy file: approval_create makes real ones)."""

    class Meta:
        model = "reporting.ReportApproval"

    job = factory.SubFactory(ReportJobFactory)
    signer = factory.SubFactory(UserFactory)
    signer_name = factory.LazyAttribute(lambda a: a.signer.get_full_name() or a.signer.get_username())
    meaning = "approved"
    signed_at = factory.LazyFunction(lambda: datetime.datetime.now(datetime.timezone.utc))
    time_zone = "Europe/Amsterdam"
    artifact_sha256 = "0" * 64
    nonce = factory.Sequence(lambda n: f"nonce-{n:04d}".ljust(64, "0"))
