"""The run manifest: on the job, on the PDF's last page and in its metadata, on the workbook's About sheet."""
from __future__ import annotations

import hashlib
import io
import json
from datetime import datetime

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from reporting.models import ReportArtifact
from reporting.services import job_create, job_run
from templates_app.models import DataSource
from tests.factories import HttpSourceFactory, published_template, small_spec
from tests.local_http import ROWS

pytestmark = pytest.mark.django_db


def _canonical_sha(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


@pytest.fixture
def cached_template(api):
    api.add("/rows", {"rows": ROWS})
    source = HttpSourceFactory(base_url=api.base_url, name="cached_rows", cache_ttl_s=300)
    DataSource.objects.filter(pk=source.pk).update(cache_ttl_s=300)
    spec = small_spec(source_name=source.name)
    spec["parameters"].append({"name": "period", "type": "date_range", "label": "Period", "required": False})
    return published_template(spec=spec, slug="cached")


def _run(template, user, **kwargs):
    params = {"note": "x", "period": {"start": "2026-10-01", "end": "2026-10-31", "preset": "last_month"}}
    job = job_run(job=job_create(template=template, user=user, parameters=params, **kwargs))
    assert job.status == "succeeded", job.error_message
    return job


def test_uncached_then_cached_run_manifest(cached_template, user, api, settings):
    first = _run(cached_template, user, use_cache=False)
    second = _run(cached_template, user)
    assert api.hits["/rows"] == 1  # the second run read the cache

    for job in (first, second):
        m = job.manifest
        version = job.template_version
        assert m["template"] == {"slug": "cached", "name": job.template.name, "version": version.number,
                                 "spec_sha256": _canonical_sha(version.spec)}
        period = next(p for p in m["parameters"] if p["name"] == "period")
        assert period["value"]["start"] == "2026-10-01" and period["preset"] == "last_month"
        assert period["resolved_in_zone"] == settings.TIME_ZONE
        (source,) = m["sources"]
        assert (source["name"], source["kind"], source["rows"], source["error"]) == ("cached_rows", "http", 2, "")
        assert source["bytes"] > 0 and source["sha256"] == _canonical_sha({"rows": ROWS})
        for name in ("product", "reportlab", "openpyxl", "Django", "python"):
            assert m["software"][name] and m["software"][name] != "not installed"
        stored = {a.format: a for a in ReportArtifact.objects.filter(job=job)}
        assert m["artifacts"] == {fmt: {"sha256": a.sha256, "size": a.size, "signed": False}
                                  for fmt, a in stored.items()}
        assert m["data_sha256"] == job.data_sha256 and len(job.data_sha256) == 64

    uncached, cached = first.manifest["sources"][0], second.manifest["sources"][0]
    assert uncached["from_cache"] is False and uncached["cache_age_s"] is None
    assert cached["from_cache"] is True and 0 <= cached["cache_age_s"] < 60
    # The cached run names when the data was really fetched: at the first run, not its own.
    fetched = [datetime.fromisoformat(s["fetched_at"]) for s in (uncached, cached)]
    assert abs((fetched[1] - fetched[0]).total_seconds()) < 1
    assert fetched[1] < datetime.fromisoformat(second.manifest["job"]["generated_at"])
    assert cached["sha256"] == uncached["sha256"]


def test_pdf_record_page_and_metadata_and_about_sheet(cached_template, user):
    job = _run(cached_template, user, use_cache=False)
    pdf = job.artifacts.get(format="pdf").file.open("rb").read()
    reader = PdfReader(io.BytesIO(pdf))
    last_page = reader.pages[-1].extract_text()
    assert "Report record" in last_page
    for expected in (str(job.public_id), job.manifest["template"]["spec_sha256"], "cached_rows (http)",
                     job.manifest["sources"][0]["sha256"], "preset last_month", "Not digitally signed"):
        assert expected in last_page.replace("\n", " "), expected
    assert f"qms-job:{job.public_id}" in reader.metadata["/Keywords"]
    assert any(item.title == "Report record" for item in reader.outline)

    workbook = load_workbook(io.BytesIO(job.artifacts.get(format="xlsx").file.open("rb").read()))
    assert workbook.sheetnames[-1] == "About"
    cells = {row[0]: row[1] for row in workbook["About"].iter_rows(values_only=True) if row and row[0]}
    assert cells["Job"] == str(job.public_id)
    assert cells["Spec SHA-256"] == job.manifest["template"]["spec_sha256"]
    assert "from cache: no" in cells["cached_rows (http)"]
    assert f"qms-job:{job.public_id}" in workbook.properties.keywords


def test_job_page_shows_the_manifest(cached_template, user, client):
    job = _run(cached_template, user, use_cache=False)
    client.force_login(user)
    page = client.get(f"/jobs/{job.public_id}/").content.decode()
    assert "Report record (run manifest)" in page
    assert job.manifest["template"]["spec_sha256"] in page
    assert job.artifacts.get(format="pdf").sha256 in page


def test_a_huge_hostile_parameter_is_shortened_on_the_record_page(user):
    from tests.factories import StaticSourceFactory

    template = published_template(spec=small_spec(source_name=StaticSourceFactory(name="rows").name), slug="long")
    hostile = "<b>" + "x" * 5000 + "</b>"
    job = job_run(job=job_create(template=template, user=user, parameters={"note": hostile}))
    assert job.status == "succeeded", job.error_message
    text = PdfReader(job.artifacts.get(format="pdf").file.open("rb")).pages[-1].extract_text()
    assert "shortened: 5007 characters in all" in text.replace("\n", " ") and "<b>" in text
    assert job.manifest["parameters"][0]["value"] == hostile  # the job keeps it whole
