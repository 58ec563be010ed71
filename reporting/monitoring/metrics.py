"""Prometheus text exposition through prometheus_client, from pre-aggregated rows.

The job figures are the MetricTotal rows that job ends add to (reporting/services/job_metrics.py):
one query whatever the number of job rows, one more for the jobs waiting or running now. Queue
and worker figures come from Redis. With Redis down the database figures are still served.
"""
from __future__ import annotations

from collections import defaultdict

from django.db.models import Count
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

from reporting.models import MetricTotal, ReportJob
from reporting.services.job_metrics import (ATTEMPTS_TOTAL, INF, JOB_BUCKETS_S, JOB_DURATION, JOBS_TOTAL,
                                            SOURCE_FETCHES, STAGE_BUCKETS_S, STAGE_DURATION, bucket_label,
                                            labels_parse)

from .selectors import redis_figures

# The 0.0.4 text format generate_latest writes (prometheus_client's CONTENT_TYPE_LATEST names a
# newer version in recent releases).
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
HISTOGRAMS = {
    JOB_DURATION: ("Run time of finished jobs (start to end of the last attempt), by template.", JOB_BUCKETS_S),
    STAGE_DURATION: ("Time spent in each pipeline stage.", STAGE_BUCKETS_S),
}
COUNTERS = {
    JOBS_TOTAL: "Report jobs that ended, by template and final status.",
    ATTEMPTS_TOTAL: "Runs started, retries included.",
    SOURCE_FETCHES: "Data source fetches by cache outcome.",
}


class _Collector:
    def collect(self):
        totals: dict[str, dict[tuple, float]] = defaultdict(dict)
        for name, labels, value in MetricTotal.objects.values_list("name", "labels", "value"):
            totals[name][labels_parse(labels)] = value
        yield from _counters(totals)
        yield from _histograms(totals)
        active = GaugeMetricFamily("qms_report_jobs_active", "Jobs pending, queued or running now.",
                                   labels=["status"])
        found = dict(ReportJob.objects.filter(status__in=ReportJob.ACTIVE_STATUSES).values_list("status")
                     .annotate(n=Count("id")).order_by())
        for status in ReportJob.ACTIVE_STATUSES:
            active.add_metric([status], found.get(status, 0))
        yield active
        yield from _redis_families()


def _counters(totals):
    for name, help_text in COUNTERS.items():
        samples = totals.get(name, {})
        names = [key for key, _ in next(iter(samples), ())]
        family = CounterMetricFamily(name.removesuffix("_total"), help_text, labels=names)
        if not samples and not names:
            family.add_metric([], 0)
        for labels, value in sorted(samples.items()):
            family.add_metric([v for _, v in labels], value)
        yield family


def _histograms(totals):
    for name, (help_text, buckets) in HISTOGRAMS.items():
        counts = totals.get(f"{name}_bucket", {})
        sums = totals.get(f"{name}_sum", {})
        per_series: dict[tuple, dict[str, float]] = defaultdict(dict)
        for labels, value in counts.items():
            per_series[labels[:-1]][labels[-1][1]] = value
        names = [key for key, _ in next(iter(per_series), ())]
        family = HistogramMetricFamily(name, help_text, labels=names)
        for series, by_bound in sorted(per_series.items()):
            cumulative, rows = 0.0, []
            for bound in [*(bucket_label(b, buckets) for b in buckets), INF]:
                cumulative += by_bound.get(bound, 0)
                rows.append((bound, cumulative))
            family.add_metric([v for _, v in series], rows, sums.get(series, 0.0))
        yield family


def _redis_families():
    rq = redis_figures()
    up = GaugeMetricFamily("qms_redis_up", "1 when Redis answered this scrape; 0 when it did not "
                                           "(queue and worker figures are then left out).")
    up.add_metric([], 1 if rq.available else 0)
    yield up
    if not rq.available:
        return
    depth = GaugeMetricFamily("qms_queue_jobs", "RQ jobs waiting or running, by queue and state.",
                              labels=["queue", "state"])
    for queue in rq.queues:
        for state in ("queued", "started", "scheduled", "failed"):
            depth.add_metric([queue.name, state], getattr(queue, state))
    yield depth
    workers = GaugeMetricFamily("qms_workers", "RQ workers registered (alive within their heartbeat).",
                                labels=["state"])
    states: dict[str, int] = defaultdict(int)
    for worker in rq.workers:
        states[worker.state] += 1
    for state, n in sorted(states.items()):
        workers.add_metric([state], n)
    yield workers


def exposition() -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Collector())
    return generate_latest(registry)
