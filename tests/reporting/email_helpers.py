"""A template with a period, KPIs and recipients, and a job of it run through every stage."""
from __future__ import annotations

from reporting.models import ReportJob
from reporting.services import job_create, job_run
from tests.factories import StaticSourceFactory, published_template, small_spec

PERIOD = {"start": "2026-10-01", "end": "2026-10-31", "preset": "custom"}
KPIS = [
    {"name": "Overall score", "value": 82.8, "unit": "%", "decimals": 1, "status": "good", "previous": 80.0,
     "previous_label": "Sep", "change": 2.8, "assessment": "better"},
    {"name": "Training compliance", "value": None, "unit": "%", "status": None,
     "note": "Training data is missing: the LMS did not answer."},
    {"name": "Open CAPAs", "value": 13, "unit": "items", "status": "warning"},  # an older row: fewer keys
]


def kpi_template(*, title: str = "Monthly KPIs", kpis: list | None = None, slug: str = "kpis", groups=()):
    source = StaticSourceFactory(name=f"{slug}_src", static_data={
        "rows": [{"name": "Alpha", "value": 3}], "kpis": KPIS if kpis is None else kpis})
    spec = small_spec(source_name=source.name, title=title)
    spec["parameters"] += [{"name": "period", "type": "date_range", "label": "Period", "required": False},
                           {"name": "recipients", "type": "email_list", "label": "Email to", "required": False}]
    spec["sections"].insert(0, {"type": "kpis", "data": f"{source.name}.kpis", "title": "Headline"})
    template = published_template(spec=spec, slug=slug)
    template.allowed_groups.add(*groups)
    return template


def run_job(template, *, user=None, recipients=("qa@example.com",), **parameters) -> ReportJob:
    job = job_create(template=template, user=user,
                     parameters={"period": PERIOD, "recipients": list(recipients), **parameters})
    return job_run(job=job)
