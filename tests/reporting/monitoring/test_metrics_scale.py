"""/metrics costs the same with 10 or 10,000 job rows, and its totals come from real job ends."""
from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reporting.models import MetricTotal, ReportJob
from reporting.services import job_cancel, job_create, job_run
from tests.factories import StaticSourceFactory, published_template, small_spec

pytestmark = pytest.mark.django_db


@pytest.fixture
def template():
    return published_template(spec=small_spec(source_name=StaticSourceFactory(name="rows").name), slug="scale")


def _add_jobs(template, count: int) -> None:
    version = template.published_version
    statuses = [ReportJob.Status.SUCCEEDED, ReportJob.Status.FAILED, ReportJob.Status.QUEUED]
    ReportJob.objects.bulk_create(
        [ReportJob(template=template, template_version=version, status=statuses[i % 3], formats=["pdf"],
                   stage_timings={"aggregate": 0.1, "render_pdf": 0.4}, source_stats={"rows": {"cache": "hit"}})
         for i in range(count)], batch_size=2000)


def _scrape_queries(client) -> tuple[list[str], str]:
    client.get(reverse("reporting:metrics"))  # warm: a first request may fill per-process caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("reporting:metrics"))
    assert response.status_code == 200
    return [q["sql"] for q in queries.captured_queries], response.content.decode()


def test_query_count_is_the_same_for_10_and_10000_jobs(client, staff_user, template, empty_queues):
    client.force_login(staff_user)
    _add_jobs(template, 10)
    few, body = _scrape_queries(client)
    assert 'qms_report_jobs_active{status="queued"} 3.0' in body  # every third of the 10

    _add_jobs(template, 9_990)
    many, body = _scrape_queries(client)
    assert len(many) == len(few), (few, many)
    # The live gauge still reads the database (an indexed count of active jobs only).
    assert f'qms_report_jobs_active{{status="queued"}} {float(ReportJob.objects.filter(status="queued").count())}' \
        in body
    # Session, user and the two figure queries: nothing per job.
    assert len(few) <= 5, few


def test_a_real_run_adds_to_the_totals_once(client, staff_user, template, empty_queues):
    job = job_create(template=template, user=staff_user, parameters={}, formats=["pdf"])
    job_run(job=job)
    job.refresh_from_db()
    assert job.status == ReportJob.Status.SUCCEEDED
    cancelled = job_create(template=template, user=staff_user, parameters={}, formats=["pdf"])
    job_cancel(job=cancelled)  # ended without any run: counted by the transition itself

    client.force_login(staff_user)
    body = client.get(reverse("reporting:metrics")).content.decode()
    assert 'qms_report_jobs_total{status="succeeded",template="scale"} 1.0' in body
    assert 'qms_report_jobs_total{status="cancelled",template="scale"} 1.0' in body
    assert "qms_report_job_attempts_total 1.0" in body
    stages = dict(re.findall(r'qms_report_stage_duration_seconds_count\{stage="(\w+)"\} ([\d.]+)', body))
    assert set(stages) >= {"validate", "aggregate", "process", "render_pdf", "store", "deliver"}
    assert all(float(n) == 1.0 for n in stages.values())
    # Another run of the same (finished) row changes nothing.
    job_run(job=job)
    assert MetricTotal.objects.get(name="qms_report_jobs_total",
                                   labels="template=scale\tstatus=succeeded").value == 1.0


def test_a_hostile_slug_cannot_break_the_scrape(client, staff_user, template, empty_queues):
    """A slug written to the database by other means (tab, quote, newline) is still one label value."""
    from reporting.services.job_metrics import job_metrics_ended
    from templates_app.models import ReportTemplate

    ReportTemplate.objects.filter(pk=template.pk).update(slug='bad\tslug"\nx=1')
    job = ReportJob.objects.create(template=template, template_version=template.published_version,
                                   status=ReportJob.Status.FAILED)
    job_metrics_ended(job_id=job.pk, status=job.status)
    client.force_login(staff_user)
    response = client.get(reverse("reporting:metrics"))
    assert response.status_code == 200
    assert 'qms_report_jobs_total{status="failed",template="bad slug\\"\\nx=1"} 1.0' in response.content.decode()
