"""The staff monitor page and the Prometheus endpoint show figures derived from real job rows."""
from __future__ import annotations

import re
from datetime import timedelta

import django_rq
import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from rq.worker import Worker

from reporting.models import ReportJob
from reporting.monitoring.selectors import job_figures, percentile
from reporting.services import job_submit
from reporting.services.job_metrics import job_metrics_ended, job_metrics_run_finished
from tests.factories import ReportJobFactory, StaticSourceFactory, published_template, small_spec

pytestmark = pytest.mark.django_db


@pytest.fixture
def template():
    return published_template(spec=small_spec(source_name=StaticSourceFactory(name="rows").name), slug="small")


def _finished(template, status, *, seconds, stages, cache=("hit",), error="", attempts=1):
    started = timezone.now() - timedelta(minutes=5)
    return ReportJobFactory(
        template=template, status=status, attempts=attempts, started_at=started,
        finished_at=started + timedelta(seconds=seconds), stage_timings=stages,
        source_stats={f"s{i}": {"cache": c} for i, c in enumerate(cache)}, error_message=error,
    )


@pytest.fixture
def history(template):
    """Five finished jobs: 3 succeeded, 1 partial, 1 failed; 3 cache hits out of 5 cacheable fetches."""
    jobs = [
        _finished(template, ReportJob.Status.SUCCEEDED, seconds=1, stages={"aggregate": 0.1, "render_pdf": 0.5}),
        _finished(template, ReportJob.Status.SUCCEEDED, seconds=2, stages={"aggregate": 0.2, "render_pdf": 0.6}),
        _finished(template, ReportJob.Status.SUCCEEDED, seconds=3, stages={"aggregate": 0.3, "render_pdf": 0.7},
                  cache=("miss", "bypass")),
        _finished(template, ReportJob.Status.PARTIAL, seconds=4, stages={"aggregate": 0.4}, cache=("hit", "miss"),
                  attempts=2),
        _finished(template, ReportJob.Status.FAILED, seconds=10, stages={"aggregate": 9.0}, cache=(),
                  error="Timed out after 10 s during aggregate."),
    ]
    old = _finished(template, ReportJob.Status.FAILED, seconds=1, stages={}, cache=(), error="long ago")
    ReportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))
    for job in [*jobs, old]:  # what the job ends would have added to /metrics' totals (one run each)
        job_metrics_ended(job_id=job.pk, status=job.status)
        job_metrics_run_finished(job=job)
    return jobs


def test_percentile_is_nearest_rank():
    assert percentile([], 50) is None
    assert percentile([3, 1, 2], 50) == 2
    assert percentile(range(1, 101), 95) == 95


def test_job_figures_for_the_last_day(history):
    figures = job_figures(hours=24)
    assert figures.total == 5
    assert figures.by_status["succeeded"] == 3 and figures.by_status["failed"] == 1
    assert (figures.success_rate, figures.partial_rate, figures.failure_rate) == (0.6, 0.2, 0.2)
    assert (figures.cache_hits, figures.cache_lookups) == (3, 5)
    assert figures.retried_jobs == 1
    aggregate = next(t for t in figures.stage_timings if t.label == "aggregate")
    assert (aggregate.count, aggregate.p50_s, aggregate.p95_s) == (5, 0.3, 9.0)
    assert [t.label for t in figures.stage_timings] == ["aggregate", "render_pdf"]
    (small,) = figures.template_timings
    assert (small.label, small.count, small.p50_s, small.p95_s) == ("small", 5, 3.0, 10.0)


def test_monitor_is_for_staff_only(client, user, history):
    assert client.get(reverse("reporting:monitor")).status_code == 302  # to the login page
    client.force_login(user)
    assert client.get(reverse("reporting:monitor")).status_code == 403
    assert "Monitor" not in client.get(reverse("reporting:catalog")).content.decode()


def test_monitor_shows_queues_workers_rates_timings_and_failures(client, staff_user, template, history,
                                                                  empty_queues, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            job_submit(template=template, user=staff_user, parameters={}, priority="high")
    worker = Worker([django_rq.get_queue("high")], connection=django_rq.get_connection("high"), name="monitor-test")
    worker.register_birth()
    # Other users' failures (and their retry buttons) need the job permissions, not just staff.
    staff_user.user_permissions.add(*Permission.objects.filter(codename__in=["view_reportjob", "change_reportjob"]))
    try:
        client.force_login(staff_user)
        page = client.get(reverse("reporting:monitor")).content.decode()
    finally:
        worker.register_death()

    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert re.search(r"high 2 \d+ \d+ \d+ default 0 ", text)  # two jobs wait on the high queue
    assert "Workers alive: 1" in text and "monitor-test" in text
    assert "Jobs in the last 24 hours: 7" in text  # the five finished and the two queued
    assert "Success rate 60 %" in text and "Failure rate 20 %" in text
    assert "Source cache hit ratio 60 % (3 of 5 cacheable fetches)" in text
    assert "Collect data 5 0.300 9.000" in text
    assert "small 5 3.00 10.00" in text
    assert "Timed out after 10 s during aggregate." in text and "long ago" in text
    failed = history[-1]
    assert f'action="{reverse("reporting:job_retry", args=[failed.public_id])}"' in page
    assert 'href="/admin/rq/"' in page
    assert f'href="{reverse("reporting:monitor")}"' in page  # the nav link for staff


def test_retry_button_requeues_the_failed_job(client, staff_user, history, empty_queues,
                                              django_capture_on_commit_callbacks):
    failed = history[-1]
    # Running other users' jobs again needs the change permission; being staff is not enough.
    staff_user.user_permissions.add(Permission.objects.get(codename="change_reportjob"))
    client.force_login(staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reporting:job_retry", args=[failed.public_id]))
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == ReportJob.Status.QUEUED
    assert django_rq.get_queue("default").job_ids == [failed.rq_job_id]


def test_staff_without_job_permissions_sees_no_failures_of_others(client, staff_user, history):
    client.force_login(staff_user)
    page = client.get(reverse("reporting:monitor")).content.decode()
    assert "Timed out after 10 s during aggregate." not in page
    assert reverse("reporting:job_retry", args=[history[-1].public_id]) not in page
    assert "need the permission to view report jobs" in page


class _Samples(dict):
    """Samples by 'name{labels}', whatever order the exposition writes the labels in."""

    def __getitem__(self, key: str) -> float:
        return super().__getitem__(_canonical(key))


def _canonical(sample: str) -> str:
    name, _, labels = sample.partition("{")
    pairs = sorted(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', labels))
    return name + ("{" + ",".join(f'{k}="{v}"' for k, v in pairs) + "}" if pairs else "")


def _metric_lines(body: str) -> dict[str, float]:
    samples = _Samples()
    for line in body.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            dict.__setitem__(samples, _canonical(name), float(value))
    return samples


def test_metrics_need_staff_or_token(client, user, history, settings, empty_queues):
    settings.METRICS_TOKEN = "s3cret-token"
    url = reverse("reporting:metrics")
    assert client.get(url).status_code == 401
    assert client.get(url, HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    client.force_login(user)
    assert client.get(url).status_code == 401
    client.logout()

    response = client.get(url, HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    body = response.content.decode()
    assert "# TYPE qms_report_jobs_total counter" in body
    assert "# TYPE qms_report_stage_duration_seconds histogram" in body
    samples = _metric_lines(body)
    assert samples['qms_report_jobs_total{template="small",status="succeeded"}'] == 3
    assert samples['qms_report_jobs_total{template="small",status="failed"}'] == 2
    assert samples["qms_report_job_attempts_total"] == 6
    assert samples['qms_report_stage_duration_seconds_bucket{stage="aggregate",le="0.25"}'] == 2
    assert samples['qms_report_stage_duration_seconds_bucket{stage="aggregate",le="+Inf"}'] == 5
    assert samples['qms_report_stage_duration_seconds_sum{stage="aggregate"}'] == pytest.approx(10.0)
    assert samples['qms_report_job_duration_seconds_count{template="small"}'] == 6
    assert samples['qms_report_job_duration_seconds_bucket{template="small",le="2"}'] == 3
    assert samples['qms_report_source_fetches_total{result="hit"}'] == 3
    assert samples['qms_queue_jobs{queue="high",state="queued"}'] == 0


def test_metrics_for_a_staff_session(client, staff_user, empty_queues):
    client.force_login(staff_user)
    response = client.get(reverse("reporting:metrics"))
    assert response.status_code == 200
    assert "qms_report_job_attempts_total 0" in response.content.decode()


# Issue 12: with Redis down, /monitor/ and /metrics still show the database's figures.

@pytest.fixture
def redis_down(settings):
    closed = "redis://127.0.0.1:1/0"
    settings.RQ_QUEUES = {name: {"URL": closed, "DEFAULT_TIMEOUT": 60} for name in ("high", "default", "low")}
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": closed}}


def test_monitor_without_redis_shows_the_database_figures_and_says_so(client, staff_user, history, redis_down):
    client.force_login(staff_user)
    response = client.get(reverse("reporting:monitor"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Redis is unavailable: queue and worker figures cannot be shown" in page
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "Jobs in the last 24 hours: 5" in text
    assert "Success rate 60 %" in text
    assert "No worker is running" not in text  # unknown, not "none"
    assert text.count("Unknown while Redis is unavailable.") == 2


def test_metrics_without_redis_serve_the_database_figures_and_redis_up_0(client, staff_user, history,
                                                                          redis_down):
    client.force_login(staff_user)
    response = client.get(reverse("reporting:metrics"))
    assert response.status_code == 200
    samples = _metric_lines(response.content.decode())
    assert samples["qms_redis_up"] == 0
    assert samples['qms_report_jobs_total{template="small",status="succeeded"}'] == 3
    assert not any(name.startswith(("qms_queue_jobs", "qms_workers")) for name in samples)


def test_metrics_say_redis_up_1_when_it_answers(client, staff_user, empty_queues):
    client.force_login(staff_user)
    samples = _metric_lines(client.get(reverse("reporting:metrics")).content.decode())
    assert samples["qms_redis_up"] == 1
    assert samples['qms_queue_jobs{queue="high",state="queued"}'] == 0
