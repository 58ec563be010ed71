import django_rq
import pytest
from django.urls import reverse

from reporting.models import ReportJob
from tests.factories import (
    GroupFactory,
    ReportArtifactFactory,
    ReportJobFactory,
    StaticSourceFactory,
    published_template,
    small_spec,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def template():
    source = StaticSourceFactory(name="rows")
    return published_template(spec=small_spec(source_name=source.name), slug="small")


@pytest.fixture
def job_with_pdf(template, user):
    job = ReportJobFactory(template=template, requested_by=user, status=ReportJob.Status.SUCCEEDED, formats=["pdf"])
    ReportArtifactFactory(job=job, format="pdf", content=b"%PDF-1.4")
    return job


@pytest.mark.parametrize("url_name,kwargs", [
    ("reporting:catalog", {}),
    ("reporting:job_list", {}),
    ("reporting:run", {"slug": "small"}),
])
def test_pages_require_login(client, template, url_name, kwargs):
    response = client.get(reverse(url_name, kwargs=kwargs))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_job_page_and_download_require_login(client, job_with_pdf):
    for url in (reverse("reporting:job_detail", args=[job_with_pdf.public_id]),
                reverse("reporting:download", args=[job_with_pdf.public_id, "pdf"])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_owner_downloads_with_safe_filename(client, user, job_with_pdf):
    client.force_login(user)
    response = client.get(reverse("reporting:download", args=[job_with_pdf.public_id, "pdf"]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and 'filename="small-' in disposition and ".pdf" in disposition
    assert response["Content-Type"] == "application/pdf"


def test_non_owner_gets_404_on_job_page_and_download(client, other_user, job_with_pdf):
    client.force_login(other_user)
    assert client.get(reverse("reporting:job_detail", args=[job_with_pdf.public_id])).status_code == 404
    assert client.get(reverse("reporting:download", args=[job_with_pdf.public_id, "pdf"])).status_code == 404
    assert list(client.get(reverse("reporting:job_list")).context["page"].object_list) == []


def test_view_permission_sees_every_job(client, staff_user, job_with_pdf):
    from django.contrib.auth.models import Permission

    # Being staff alone no longer shows other users' jobs (tests/security/test_access_rechecked.py).
    staff_user.user_permissions.add(Permission.objects.get(codename="view_reportjob"))
    client.force_login(staff_user)
    assert client.get(reverse("reporting:job_detail", args=[job_with_pdf.public_id])).status_code == 200
    assert client.get(reverse("reporting:download", args=[job_with_pdf.public_id, "pdf"])).status_code == 200


def test_catalog_lists_published_templates(client, user, template):
    client.force_login(user)
    response = client.get(reverse("reporting:catalog"))
    assert response.status_code == 200
    assert template.name in response.content.decode()


def test_bad_parameters_show_field_errors_and_queue_nothing(client, user, empty_queues):
    source = StaticSourceFactory(name="rows")
    spec = small_spec(source_name=source.name)
    spec["parameters"] = [
        {"name": "period", "type": "date_range", "label": "Period", "required": True},
        {"name": "copies", "type": "integer", "label": "Copies", "min": 1, "max": 5, "required": True},
    ]
    template = published_template(spec=spec, slug="ranged")
    client.force_login(user)
    response = client.post(reverse("reporting:run", args=["ranged"]), {
        "period_preset": "custom", "period_start": "2026-10-31", "period_end": "2026-10-01", "copies": "9",
    })
    assert response.status_code == 400
    form = response.context["form"]
    assert form.has_error("period_end", code="range_reversed")
    assert form.has_error("copies", code="max_value")
    assert "The end date is before the start date." in response.content.decode()
    assert ReportJob.objects.filter(template=template).count() == 0
    assert all(django_rq.get_queue(q).count == 0 for q in ("high", "default", "low"))


def test_submit_creates_job_and_enqueues_on_commit(client, user, template, empty_queues,
                                                   django_capture_on_commit_callbacks):
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reporting:run", args=["small"]), {"note": "hello"})
    job = ReportJob.objects.get(template=template)
    assert response.status_code == 302
    assert response["Location"] == reverse("reporting:job_detail", args=[job.public_id])
    assert job.status == ReportJob.Status.QUEUED and job.parameters == {"note": "hello"}
    assert job.requested_by == user and job.template_version == template.published_version
    assert django_rq.get_queue("default").job_ids == [job.rq_job_id]


def test_non_staff_cannot_choose_high_priority(client, user, template, empty_queues,
                                               django_capture_on_commit_callbacks):
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reporting:run", args=["small"]), {"note": "", "priority": "high"})
    assert ReportJob.objects.get().priority == "default"
    assert django_rq.get_queue("high").count == 0


def test_job_status_partial_for_htmx_polling(client, user, job_with_pdf):
    client.force_login(user)
    ReportJob.objects.filter(pk=job_with_pdf.pk).update(status=ReportJob.Status.RUNNING, progress=40,
                                                        stage="aggregate")
    response = client.get(reverse("reporting:job_detail", args=[job_with_pdf.public_id]), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html
    assert 'hx-trigger="every 1s"' in html and "40%" in html
    ReportJob.objects.filter(pk=job_with_pdf.pk).update(status=ReportJob.Status.SUCCEEDED, progress=100)
    html = client.get(reverse("reporting:job_detail", args=[job_with_pdf.public_id]),
                      HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in html  # polling stops at a final status
    assert "Download PDF" in html


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


def test_healthz_503_when_redis_is_unreachable(client, settings):
    settings.RQ_QUEUES = {name: {"URL": "redis://127.0.0.1:1/0", "DEFAULT_TIMEOUT": 60}
                          for name in ("high", "default", "low")}
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok" and body["checks"]["redis"].startswith("error")


@pytest.mark.parametrize("action", ["reporting:job_cancel", "reporting:job_retry"])
def test_non_owner_cannot_cancel_or_retry(client, other_user, job_with_pdf, action):
    ReportJob.objects.filter(pk=job_with_pdf.pk).update(status=ReportJob.Status.FAILED)
    client.force_login(other_user)
    assert client.post(reverse(action, args=[job_with_pdf.public_id])).status_code == 404
    job_with_pdf.refresh_from_db()
    assert job_with_pdf.status == ReportJob.Status.FAILED and not job_with_pdf.cancel_requested


def test_posts_need_the_csrf_token(user, template, job_with_pdf, empty_queues):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    ReportJob.objects.filter(pk=job_with_pdf.pk).update(status=ReportJob.Status.QUEUED)
    for url in (reverse("reporting:run", args=["small"]),
                reverse("reporting:job_cancel", args=[job_with_pdf.public_id]),
                reverse("reporting:job_retry", args=[job_with_pdf.public_id])):
        assert client.post(url, {"note": "x"}).status_code == 403, url
    assert ReportJob.objects.count() == 1
    assert ReportJob.objects.get().status == ReportJob.Status.QUEUED


def test_group_restricted_template_is_hidden_from_non_members(client, user, other_user, template):
    auditors = GroupFactory(name="Auditors")
    template.allowed_groups.add(auditors, GroupFactory(name="Quality"))
    user.groups.add(auditors)
    client.force_login(other_user)
    assert template.name not in client.get(reverse("reporting:catalog")).content.decode()
    assert client.get(reverse("reporting:run", args=["small"])).status_code == 404
    assert client.post(reverse("reporting:run", args=["small"]), {"note": ""}).status_code == 404
    assert not ReportJob.objects.exists()

    client.force_login(user)
    catalog = client.get(reverse("reporting:catalog"))
    assert list(catalog.context["templates"]) == [template]
    assert client.get(reverse("reporting:run", args=["small"])).status_code == 200


def test_login_never_redirects_off_site(client, user):
    response = client.post(reverse("login") + "?next=https://evil.example/steal",
                           {"username": "alice", "password": "pw"})
    assert response.status_code == 302
    assert response["Location"] == reverse("reporting:catalog")


def test_job_page_shows_the_headline_as_the_report_does(client, user, job_with_pdf):
    job_with_pdf.headline = [
        {"name": "Overall score", "value": 86.04999, "unit": "%", "decimals": 1, "status": "good",
         "change": 1.4, "previous": 84.6, "previous_label": "Oct", "assessment": "better", "direction": "higher"},
        {"name": "Training compliance", "value": None, "unit": "%", "status": None,
         "note": "Training data is missing: training_metrics answered HTTP 404 Not Found."},
        {"name": "Nonconformances <b>", "value": 43, "unit": "items", "decimals": 0, "status": None},
    ]
    job_with_pdf.save(update_fields=["headline"])
    client.force_login(user)
    body = client.get(reverse("reporting:job_detail", args=[job_with_pdf.public_id])).content.decode()
    section = body[body.index('id="job-headline"'):]
    section = section[:section.index("</table>")]
    assert "86.0 %" in section and ">Good<" in section and "▲ 1.4 vs Oct" in section
    assert "No data" in section and "training_metrics answered HTTP 404" in section
    assert ">0 %<" not in section and "No status" not in section  # missing is never zero
    assert "Nonconformances &lt;b&gt;" in section and "43 items" in section
