"""Stored XSS: template-authored text and source data are shown as text on every page, never as markup.

The attack: someone who may edit a template (or feed a data source) puts markup in its strings; a
viewer opening the catalog, the run form, a job page or an admin page must not run it. Each page is
its own case: a real job runs from a template carrying the payload in every string, then the page is
fetched and must show the payload escaped.
"""
from __future__ import annotations

import io
import re
from types import SimpleNamespace

import pytest
from django.urls import reverse
from pypdf import PdfReader

from reporting.models import ReportJob
from reporting.services import job_run
from reporting.services import job_create
from templates_app.models import TemplateVersion
from tests.factories import PublishedTemplateFactory, ReportTemplateFactory, StaticSourceFactory, UserFactory

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
PAYLOAD = SCRIPT + IMG
RAW_MARKERS = ("<script>alert(1)</script>", "<img src=x onerror")
ESCAPED_MARKER = "&lt;script&gt;"

ROWS = [{"name": SCRIPT, "value": 3}, {"name": IMG, "value": 5}]
DEPARTMENTS = {"departments": [
    # Missing numeric fields make the departments processor write warnings that quote the names.
    {"name": SCRIPT, "quality_score": 91, "training_completion": 88},
    {"name": IMG, "quality_score": 72},
]}
QUALITY = {"metrics": {PAYLOAD: {"average": 91.5, "previous_average": 80}}}


def hostile_spec(title: str = PAYLOAD) -> dict:
    """Every string a template author writes carries the payload."""
    return {
        "title": title,
        "parameters": [
            {"name": "note", "type": "string", "label": PAYLOAD, "help": PAYLOAD, "required": False},
            {"name": "dept", "type": "choice", "label": PAYLOAD, "help": PAYLOAD, "default": SCRIPT,
             "choices": [{"value": SCRIPT, "label": IMG}, {"value": IMG, "label": SCRIPT}, "plain"]},
            # Its source has nothing at this path: the run page explains why, quoting the path.
            {"name": "teams", "type": "multichoice", "label": PAYLOAD, "help": PAYLOAD,
             "choices_from": {"source": "team_list", "path": PAYLOAD}},
            {"name": "recipients", "type": "email_list", "label": PAYLOAD, "help": PAYLOAD},
        ],
        "sources": [
            {"source": "rows", "required": True},
            {"source": "department_data", "required": True},
            {"source": "quality_metrics", "required": True},
            {"source": "broken", "required": False},
        ],
        "processors": ["qms.quality", "qms.departments"],
        "sections": [
            {"type": "heading", "text": PAYLOAD},
            {"type": "text", "text": PAYLOAD},
            {"type": "kpis", "data": "kpis", "title": PAYLOAD},
            {"type": "chart", "kind": "bar", "title": PAYLOAD, "data": "rows.rows", "x": "name", "y": ["value"],
             "labels": {"value": PAYLOAD}, "x_title": PAYLOAD, "y_title": PAYLOAD},
            {"type": "chart", "kind": "pie", "title": PAYLOAD, "data": "departments", "x": "name",
             "y": ["quality_score"]},
            {"type": "chart", "kind": "line", "title": PAYLOAD, "data": "nowhere" + PAYLOAD, "x": "name",
             "y": ["value"]},
            {"type": "table", "title": PAYLOAD, "data": "rows.rows",
             "columns": [{"field": "name", "label": PAYLOAD}, {"field": "value", "label": PAYLOAD}]},
        ],
        "outputs": ["pdf", "xlsx"],
    }


SAMPLE_DATA = {"rows": {"rows": ROWS}, "department_data": DEPARTMENTS, "quality_metrics": QUALITY}


@pytest.fixture
def world(settings):
    StaticSourceFactory(name="rows", static_data={"rows": ROWS})
    StaticSourceFactory(name="department_data", static_data=DEPARTMENTS)
    StaticSourceFactory(name="quality_metrics", static_data=QUALITY)
    StaticSourceFactory(name="team_list", static_data={"teams": []})
    # An optional source that fails with a reason quoting its (hostile) response path.
    StaticSourceFactory(name="broken", static_data={"a": 1}, response_path="missing" + PAYLOAD)

    owner = UserFactory(username="owner")
    staff = UserFactory(username="boss", is_staff=True, is_superuser=True)
    template = ReportTemplateFactory(slug="hostile", name=PAYLOAD, description=PAYLOAD)
    v1 = TemplateVersion.objects.create(template=template, number=1, spec=hostile_spec(), sample_data=SAMPLE_DATA,
                                        author=staff, change_note=PAYLOAD)
    template.published_version = v1
    template.save()
    TemplateVersion.objects.create(template=template, number=2, spec=hostile_spec(title=PAYLOAD + " v2"),
                                   sample_data=SAMPLE_DATA, author=staff, change_note=PAYLOAD)

    job = job_run(job=job_create(template=template, user=owner,
                                 parameters={"note": PAYLOAD, "dept": SCRIPT, "teams": [PAYLOAD],
                                             "recipients": []}))
    assert job.status == ReportJob.Status.PARTIAL, job.error_message
    assert job.chart_previews and job.warnings and job.missing_sources
    # A job row written by another path with a hostile parameter name: it fails, quoting the name.
    failed = job_run(job=job_create(template=template, user=owner, parameters={PAYLOAD: 1}))
    assert failed.status == ReportJob.Status.FAILED and SCRIPT in failed.error_message
    return SimpleNamespace(owner=owner, staff=staff, template=template, v1=v1, job=job, failed=failed)


def _job_url(w, job):
    return reverse("reporting:job_detail", args=[job.public_id])


# (who, method, url builder, POST data, extra request headers)
PAGES = {
    "catalog": ("owner", "get", lambda w: reverse("reporting:catalog"), None, {}),
    "run form": ("owner", "get", lambda w: reverse("reporting:run", args=["hostile"]), None, {}),
    "run form errors": ("owner", "post", lambda w: reverse("reporting:run", args=["hostile"]),
                        {"note": PAYLOAD, "dept": PAYLOAD, "teams": PAYLOAD, "recipients": SCRIPT}, {}),
    "job list": ("owner", "get", lambda w: reverse("reporting:job_list"), None, {}),
    "job page": ("owner", "get", lambda w: _job_url(w, w.job), None, {}),
    "job status partial (htmx)": ("owner", "get", lambda w: _job_url(w, w.job), None, {"HTTP_HX_REQUEST": "true"}),
    "failed job page": ("owner", "get", lambda w: _job_url(w, w.failed), None, {}),
    "failed job status partial (htmx)": ("owner", "get", lambda w: _job_url(w, w.failed), None,
                                         {"HTTP_HX_REQUEST": "true"}),
    "monitor": ("staff", "get", lambda w: reverse("reporting:monitor"), None, {}),
    "admin template list": ("staff", "get", lambda w: reverse("admin:templates_app_reporttemplate_changelist"),
                            None, {}),
    "admin template change": ("staff", "get",
                              lambda w: reverse("admin:templates_app_reporttemplate_change", args=[w.template.pk]),
                              None, {}),
    "admin validation report": ("staff", "post", lambda w: reverse("admin:templates_app_reporttemplate_changelist"),
                                lambda w: {"action": "validate_selected", "_selected_action": [w.template.pk]}, {}),
    "admin version list": ("staff", "get", lambda w: reverse("admin:templates_app_templateversion_changelist"),
                           None, {}),
    "admin version change": ("staff", "get",
                             lambda w: reverse("admin:templates_app_templateversion_change", args=[w.v1.pk]),
                             None, {}),
    "admin version history": ("staff", "get", lambda w: reverse("admin:templates_app_reporttemplate_history_versions",
                                                                args=[w.template.pk]), None, {}),
    "admin version diff": ("staff", "get", lambda w: reverse("admin:templates_app_reporttemplate_diff",
                                                             args=[w.template.pk]) + "?a=1&b=2", None, {}),
    "admin test render": ("staff", "get", lambda w: reverse("admin:templates_app_templateversion_test_render",
                                                            args=[w.v1.pk]), None, {}),
    "admin job change": ("staff", "get", lambda w: reverse("admin:reporting_reportjob_change", args=[w.job.pk]),
                         None, {}),
}


@pytest.mark.parametrize("page", list(PAGES))
def test_page_shows_template_and_source_text_escaped(client, world, page):
    who, method, url, data, headers = PAGES[page]
    client.force_login(getattr(world, who))
    if callable(data):
        data = data(world)
    response = getattr(client, method)(url(world), data, **headers) if data else getattr(client, method)(
        url(world), **headers)

    body = response.content.decode()
    assert response.status_code == (400 if page == "run form errors" else 200), body[:2000]
    for marker in RAW_MARKERS:
        assert marker not in body, f"unescaped {marker!r} on {page}: ...{_around(body, marker)}..."
    assert ESCAPED_MARKER in body, f"{page} does not show the payload at all"


def _around(body: str, marker: str) -> str:
    at = body.find(marker)
    return body[max(0, at - 200):at + 200]


def test_run_page_shows_the_help_the_choices_and_the_fallback_note_as_text(client, world):
    client.force_login(world.owner)
    body = client.get(reverse("reporting:run", args=["hostile"])).content.decode()
    escaped_img = "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"
    # Label, help text and every choice (as value attribute and as label) each show the payload.
    assert body.count(escaped_img) >= 8
    assert f'value="{SCRIPT}"' not in body and 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in body
    # The note on the list that could not be loaded quotes the source's error, escaped.
    assert re.search(r"The list could not be loaded: data source &#x27;team_list&#x27; has nothing at "
                     r"&#x27;&lt;script&gt;", body)


SVG_ELEMENTS = {"svg", "title", "desc", "defs", "clipPath", "g", "rect", "path", "polyline", "polygon", "line",
                "circle", "ellipse", "text", "tspan"}


def test_chart_previews_carry_no_markup_from_titles_labels_or_data(world):
    """renderSVG writes text through minidom text nodes, which escape '<' and '&': prove it for titles,
    axis titles, categories and legend names, from the spec and from source data."""
    from xml.etree import ElementTree

    svgs = [p["svg"] for p in world.job.chart_previews if p.get("svg")]
    assert len(svgs) == 2
    for svg in svgs:
        root = ElementTree.fromstring(svg)
        tags = {el.tag.rsplit("}", 1)[-1] for el in root.iter()}
        assert tags <= SVG_ELEMENTS, tags - SVG_ELEMENTS
        assert not [a for el in root.iter() for a in el.attrib if a.lower().startswith("on") or "href" in a]
        texts = [t for el in root.iter() for t in [el.text] if t]
        assert any(SCRIPT in t for t in texts) and any(IMG in t for t in texts)  # shown, as text
    note = [p for p in world.job.chart_previews if not p.get("svg")][0]["note"]
    # The reader's note names no data path (the hostile path is the template author's, and validation
    # reports it at publishing): nothing of it reaches the page.
    assert note == "No data: this part of the report was not produced" and SCRIPT not in note


def test_preview_that_is_not_plain_chart_svg_is_withheld(world, monkeypatch):
    """Should a ReportLab upgrade ever write text unescaped, the page gets a note, not the SVG."""
    from reporting.pipeline.rendering import previews

    monkeypatch.setattr(previews, "chart_svg", lambda chart, width: f'<svg><text>{SCRIPT}</text></svg>')
    shown = previews.chart_previews(spec=hostile_spec(), data={"rows": {"rows": ROWS}, "departments": []})
    assert shown[0] == {"title": PAYLOAD, "note": "The chart preview could not be shown safely; see the PDF."}
    monkeypatch.setattr(previews, "chart_svg", lambda chart, width: '<svg><g onload="alert(1)"/></svg>')
    shown = previews.chart_previews(spec=hostile_spec(), data={"rows": {"rows": ROWS}, "departments": []})
    assert "svg" not in shown[0]


def test_stored_preview_with_markup_is_not_inserted_into_the_job_page(client, world):
    """A preview stored by older code (or written into the row by anything else) is checked again on display."""
    ReportJob.objects.filter(pk=world.job.pk).update(chart_previews=[
        {"title": "Old", "svg": f'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'}])
    client.force_login(world.owner)
    body = client.get(reverse("reporting:job_detail", args=[world.job.public_id])).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "The chart preview could not be shown safely" in body


def _pdf_text(job: ReportJob) -> tuple[PdfReader, str]:
    artifact = job.artifacts.get(format="pdf")
    with artifact.file.open("rb") as fh:
        reader = PdfReader(io.BytesIO(fh.read()))
    return reader, " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_pdf_shows_paragraph_markup_from_the_spec_and_sources_as_literal_text(db):
    """ReportLab's Paragraph parses mini-HTML: a title that is markup must print as itself, a link must not
    become a link, and an unclosed tag must not break the render."""
    font = "<font size=40>x</font>"
    link = '<a href="javascript:alert(1)">click</a>'
    unclosed = "<b>bold forever"
    rows = [{"name": link, "value": 1}, {"name": unclosed, "value": 2}, {"name": "a & b <i>", "value": 3}]
    StaticSourceFactory(name="rows", static_data={"rows": rows})
    StaticSourceFactory(name="quality_metrics", static_data={"metrics": {font: {"average": 90}}})
    StaticSourceFactory(name="broken", static_data={"a": 1}, response_path="x" + unclosed)
    spec = {
        "title": font,
        "parameters": [{"name": "note", "type": "string", "label": link}],
        "sources": [{"source": "rows", "required": True}, {"source": "quality_metrics", "required": True},
                    {"source": "broken", "required": False}],
        "processors": ["qms.quality"],
        "sections": [
            {"type": "heading", "text": link},
            {"type": "text", "text": unclosed},
            {"type": "kpis", "data": "kpis", "title": unclosed},
            {"type": "chart", "kind": "bar", "title": font, "data": "rows.rows", "x": "name", "y": ["value"]},
            {"type": "table", "title": link, "data": "rows.rows",
             "columns": [{"field": "name", "label": unclosed}, {"field": "value", "label": font}]},
        ],
        "outputs": ["pdf"],
    }
    template = PublishedTemplateFactory(slug="markup", spec=spec)

    job = job_run(job=job_create(template=template, user=None, parameters={"note": unclosed}))

    assert job.status == ReportJob.Status.PARTIAL, job.error_message
    reader, text = _pdf_text(job)
    assert text.count(font) >= 2  # the title and the chart title, literally
    assert link in text and unclosed in text and "a & b <i>" in text
    # No annotation at all, so no javascript: link.
    assert all(page.get("/Annots") is None for page in reader.pages)


@pytest.mark.parametrize("style", [
    'fill: image-set("https://evil.example/x.png" 1x)',
    "fill: url(https://evil.example/x)",
    "fill: url( 'https://evil.example/x')",
    "@import url(#x)",
    "fill: expression(alert(1))",
    "fill: \\75 rl(https://evil.example)",
])
def test_a_stored_preview_style_that_reaches_outside_the_svg_is_withheld(style):
    from reporting.pipeline.rendering.previews import preview_for_display

    svg = f'<svg xmlns="http://www.w3.org/2000/svg"><rect x="0" y="0" width="1" height="1" style="{style}"/></svg>'
    assert "svg" not in preview_for_display({"title": "Stored", "svg": svg})


def test_own_clip_paths_and_colours_stay_allowed():
    from reporting.pipeline.rendering.previews import preview_for_display

    svg = ('<svg xmlns="http://www.w3.org/2000/svg"><rect x="0" y="0" width="1" height="1" '
           'style="clip-path: url(#clip); fill: rgb(10,20,30)"/></svg>')
    assert "svg" in preview_for_display({"title": "Stored", "svg": svg})
