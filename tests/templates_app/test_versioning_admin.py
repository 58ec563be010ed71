"""Versions: admin saves, publishing only valid versions, rollback, pinned jobs, diff, test render, no 500s."""
import copy
import html
import io
import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from reporting.services import job_create
from templates_app.models import ReportTemplate, TemplateVersion
from templates_app.services import template_spec_save, template_version_create, template_version_publish


@pytest.fixture
def admin_client(client, demo):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="demo"))
    return client


def change_form(template, *, spec, sample_data=None, publish=True, note="edit"):
    return {
        "name": template.name, "slug": template.slug, "description": template.description, "is_active": "on",
        "job_timeout_s": template.job_timeout_s,
        "spec": spec if isinstance(spec, str) else json.dumps(spec),
        "sample_data": json.dumps(sample_data if sample_data is not None else template.published_version.sample_data),
        "change_note": note, **({"publish": "on"} if publish else {}),
        "versions-TOTAL_FORMS": "0", "versions-INITIAL_FORMS": "0", "versions-MIN_NUM_FORMS": "0",
        "versions-MAX_NUM_FORMS": "0",
    }


def test_job_keeps_its_version_after_a_new_one_is_published(demo, user):
    v1 = demo.published_version
    job = job_create(template=demo, user=user, parameters={})
    spec = copy.deepcopy(v1.spec)
    spec["title"] = "Monthly quality report (revised)"
    v2 = template_spec_save(template=demo, spec=spec, sample_data=None, change_note="retitle", publish=True)
    demo.refresh_from_db()
    job.refresh_from_db()
    assert (v2.number, demo.published_version) == (2, v2)
    assert job.template_version == v1 and job.template_version.spec["title"] == "Monthly quality report"
    assert v2.sample_data == v1.sample_data  # carried over when not given
    with pytest.raises(ValidationError):  # the evidence of a run never changes
        v1.spec = spec
        v1.save()


def test_rollback_publishes_an_older_version_again(demo):
    v1 = demo.published_version
    spec = copy.deepcopy(v1.spec)
    spec["title"] = "v2"
    template_spec_save(template=demo, spec=spec, sample_data=None, publish=True)
    template_version_publish(version=v1)
    demo.refresh_from_db()
    assert demo.published_version == v1
    assert demo.versions.count() == 2


def test_an_invalid_version_cannot_be_published(demo):
    spec = copy.deepcopy(demo.published_version.spec)
    spec["sections"][10]["y"] = ["no_such_field"]
    draft = template_version_create(template=demo, spec=spec)
    with pytest.raises(ValidationError) as exc:
        template_version_publish(version=draft)
    assert exc.value.error_list[0].code == "unknown_field"
    with pytest.raises(ValidationError):
        template_spec_save(template=demo, spec={**spec, "title": "other"}, sample_data=None, publish=True)
    assert demo.versions.count() == 2  # the failed publish kept no version


def test_admin_save_creates_a_numbered_version_with_author_and_note(admin_client, demo):
    spec = copy.deepcopy(demo.published_version.spec)
    spec["title"] = "Edited in the admin"
    url = reverse("admin:templates_app_reporttemplate_change", args=[demo.pk])
    response = admin_client.post(url, change_form(demo, spec=spec, note="New title"))
    assert response.status_code == 302, response.content[:2000]
    demo.refresh_from_db()
    latest = demo.versions.order_by("-number").first()
    assert (latest.number, latest.author.username, latest.change_note) == (2, "demo", "New title")
    assert demo.published_version == latest
    # Saving without a change makes no new version.
    admin_client.post(url, change_form(demo, spec=spec, note="again"))
    assert demo.versions.count() == 2


def test_admin_shows_every_problem_beside_the_spec_and_keeps_nothing(admin_client, demo):
    spec = copy.deepcopy(demo.published_version.spec)
    spec["sections"][10]["x"] = "dept"
    spec["sources"].append({"source": "nowhere"})
    spec["parameters"][0]["default"] = "someday"
    url = reverse("admin:templates_app_reporttemplate_change", args=[demo.pk])
    response = admin_client.post(url, change_form(demo, spec=spec))
    assert response.status_code == 200
    text = response.content.decode()
    for expected in ("/sections/10/x", "unknown_field", "/sources/4/source", "unknown_source", "/parameters/0/default",
                     "invalid_default"):
        assert expected in text
    assert demo.versions.count() == 1


def test_admin_saves_an_invalid_spec_as_an_unpublished_draft(admin_client, demo):
    spec = copy.deepcopy(demo.published_version.spec)
    spec["processors"].append("qms.nope")
    url = reverse("admin:templates_app_reporttemplate_change", args=[demo.pk])
    response = admin_client.post(url, change_form(demo, spec=spec, publish=False), follow=True)
    assert "cannot be published until they are fixed" in response.content.decode()
    demo.refresh_from_db()
    assert demo.versions.count() == 2 and demo.published_version.number == 1
    page = admin_client.get(url).content.decode()
    assert "1 problem(s)" in page and "/processors/5" in page


@pytest.mark.parametrize("bad_spec", ["{not json", "[]", "null", '{"title": 5, "sections": "x"}',
                                      json.dumps({"title": "t", "sections": [{"type": "chart"}],
                                                  "parameters": [{"name": "p", "type": "choice"}]})])
def test_admin_change_view_never_500s_on_a_bad_spec(admin_client, demo, bad_spec):
    url = reverse("admin:templates_app_reporttemplate_change", args=[demo.pk])
    response = admin_client.post(url, change_form(demo, spec=bad_spec))
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()


def test_admin_add_view_creates_the_first_version(admin_client, demo):
    spec = {"title": "Brand new", "sections": [{"type": "heading", "text": "Hello"}], "outputs": ["pdf"]}
    data = change_form(demo, spec=spec, sample_data={})
    data.update(slug="brand-new", name="Brand new")
    response = admin_client.post(reverse("admin:templates_app_reporttemplate_add"), data)
    assert response.status_code == 302
    template = ReportTemplate.objects.get(slug="brand-new")
    assert template.published_version.number == 1


def test_history_diff_and_rollback_button(admin_client, demo):
    v1 = demo.published_version
    spec = copy.deepcopy(v1.spec)
    spec["title"] = "Quality <b>report</b> v2"
    template_spec_save(template=demo, spec=spec, sample_data=None, change_note="Retitled", publish=True)
    history = admin_client.get(reverse("admin:templates_app_reporttemplate_history_versions", args=[demo.pk]))
    assert "Retitled" in history.content.decode() and "Roll back to this version" in history.content.decode()
    diff = admin_client.get(reverse("admin:templates_app_reporttemplate_diff", args=[demo.pk]) + "?a=1&b=2")
    text = diff.content.decode()
    assert "<b>report</b>" not in text
    assert '-  "title": "Monthly quality report",' in html.unescape(text)
    assert '+  "title": "Quality <b>report</b> v2",' in html.unescape(text)  # spec text is shown, never interpreted as HTML
    response = admin_client.post(reverse("admin:templates_app_templateversion_publish", args=[v1.pk]))
    assert response.status_code == 302
    demo.refresh_from_db()
    assert demo.published_version == v1


def test_version_admin_actions_publish_and_compare(admin_client, demo):
    v1 = demo.published_version
    spec = copy.deepcopy(v1.spec)
    spec["title"] = "v2"
    v2 = template_spec_save(template=demo, spec=spec, sample_data=None, publish=True)
    url = reverse("admin:templates_app_templateversion_changelist")
    response = admin_client.post(url, {"action": "compare_selected", "_selected_action": [v1.pk, v2.pk]})
    assert response.status_code == 302 and response.url.endswith("?a=1&b=2")
    # The action asks first (a confirmation page); only its POST publishes.
    response = admin_client.post(url, {"action": "publish_selected", "_selected_action": [v1.pk]})
    confirm = reverse("admin:templates_app_templateversion_publish", args=[v1.pk])
    assert response.status_code == 302 and response.url == confirm
    page = admin_client.get(confirm).content.decode()
    assert "rolls back" in page and "Yes, roll back to v1" in page
    demo.refresh_from_db()
    assert demo.published_version == v2
    admin_client.post(confirm)
    demo.refresh_from_db()
    assert demo.published_version == v1


def test_test_render_offers_pdf_and_xlsx_from_sample_data(admin_client, demo, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("a test render must not call any source")

    monkeypatch.setattr("reporting.pipeline.aggregation.collector.collect_sources", no_network)
    response = admin_client.get(reverse("admin:templates_app_templateversion_test_render",
                                        args=[demo.published_version.pk]))
    text = response.content.decode()
    assert response.status_code == 200 and "Valid" in text
    links = re.findall(r'href="([^"]+/test-render/[^"]+/(?:pdf|xlsx)/)"', text)
    assert len(links) == 2
    pdf = admin_client.get(next(link for link in links if link.endswith("/pdf/")))
    pdf_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(b"".join(pdf.streaming_content))).pages)
    assert "Monthly quality report" in pdf_text and "Łódź Packaging" in pdf_text
    xlsx = admin_client.get(next(link for link in links if link.endswith("/xlsx/")))
    workbook = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    cells = {str(c.value) for ws in workbook.worksheets for row in ws.iter_rows() for c in row if c.value}
    assert "Łódź Packaging" in cells
    assert text.count("<svg width=") == 3  # the three charts, previewed from the sample data
    assert admin_client.get(links[0].replace("/test-render/", "/test-render/x")).status_code == 404


def test_validate_action_reports_each_template(admin_client, demo):
    response = admin_client.post(reverse("admin:templates_app_reporttemplate_changelist"),
                                 {"action": "validate_selected", "_selected_action": [demo.pk]})
    assert response.status_code == 200 and "Valid" in response.content.decode()


def test_version_page_shows_its_validation(admin_client, demo):
    response = admin_client.get(reverse("admin:templates_app_templateversion_change",
                                        args=[demo.published_version.pk]))
    assert response.status_code == 200 and "Valid" in response.content.decode()
    assert TemplateVersion.objects.count() == 2
