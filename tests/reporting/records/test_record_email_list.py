"""The "Report record" page and the About sheet leave out an email list left empty (issue 13: no
"Email to —"); addresses given are listed, and the job's manifest keeps the entry either way."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from reporting.services import job_create, job_run
from tests.factories import StaticSourceFactory, published_template, small_spec

pytestmark = pytest.mark.django_db


def _job(user, recipients):
    spec = small_spec(source_name=StaticSourceFactory(name="rows").name)
    spec["parameters"].append({"name": "recipients", "type": "email_list", "label": "Email to", "required": False})
    template = published_template(spec=spec, slug=f"mail-{len(recipients)}")
    job = job_run(job=job_create(template=template, user=user, parameters={"note": "x", "recipients": recipients},
                                 formats=["pdf", "xlsx"]))
    assert job.status == "succeeded", job.error_message
    return job


def _record_page(job) -> str:
    return PdfReader(job.artifacts.get(format="pdf").file.open("rb")).pages[-1].extract_text()


def _about_labels(job) -> dict:
    workbook = load_workbook(io.BytesIO(job.artifacts.get(format="xlsx").file.open("rb").read()))
    return {row[0]: row[1] for row in workbook["About"].iter_rows(values_only=True) if row and row[0]}


def test_an_empty_email_list_is_not_printed(user):
    job = _job(user, [])
    page = _record_page(job)
    assert "Report record" in page and "Note" in page
    assert "Email to" not in page
    assert "Email to" not in _about_labels(job)
    assert any(p["name"] == "recipients" and p["value"] == [] for p in job.manifest["parameters"])


def test_given_addresses_are_printed(user):
    job = _job(user, ["qa@example.com"])
    assert "Email to" in _record_page(job) and "qa@example.com" in _record_page(job)
    assert "qa@example.com" in str(_about_labels(job).get("Email to"))
