"""Prometheus text exposition (format 0.0.4), derived from the database on every scrape.

Deriving from the database keeps the figures right with any number of web and worker processes
(no per-process registries to merge). Counters only grow as long as job rows are kept.
"""
from __future__ import annotations

import bisect
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Sum

from reporting.models import ReportJob

from .selectors import redis_figures

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
JOB_BUCKETS_S = (1, 2, 5, 10, 30, 60, 120, 300, 600, 1800)
STAGE_BUCKETS_S = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300)

Labels = tuple[tuple[str, str], ...]


@dataclass
class Histogram:
    buckets: Sequence[float]
    counts: list[int] = field(default_factory=list)
    total: float = 0.0
    count: int = 0

    def __post_init__(self) -> None:
        self.counts = [0] * len(self.buckets)

    def observe(self, value: float) -> None:
        index = bisect.bisect_left(self.buckets, value)
        if index < len(self.counts):
            self.counts[index] += 1
        self.total += value
        self.count += 1


@dataclass
class Family:
    name: str
    kind: str  # counter | gauge | histogram
    help: str
    samples: list[tuple[Labels, float]] = field(default_factory=list)
    histograms: dict[Labels, Histogram] = field(default_factory=dict)


def collect() -> list[Family]:
    jobs = Family("qms_report_jobs_total", "counter", "Report jobs created, by template and current status.")
    for slug, status, n in (ReportJob.objects.values_list("template__slug", "status")
                            .annotate(n=Count("id")).order_by("template__slug", "status")):
        jobs.samples.append(((("template", slug), ("status", status)), n))

    attempts = Family("qms_report_job_attempts_total", "counter", "Runs started, retries included.")
    attempts.samples.append(((), ReportJob.objects.aggregate(n=Sum("attempts"))["n"] or 0))

    duration = Family("qms_report_job_duration_seconds", "histogram",
                      "Run time of finished jobs (start to end of the last attempt), by template.")
    stages = Family("qms_report_stage_duration_seconds", "histogram", "Time spent in each pipeline stage.")
    cache = Family("qms_report_source_fetches_total", "counter", "Data source fetches by cache outcome.")
    cache_counts: Counter[str] = Counter()
    rows = ReportJob.objects.values_list("template__slug", "status", "started_at", "finished_at", "stage_timings",
                                         "source_stats")
    for slug, status, started_at, finished_at, stage_timings, source_stats in rows.iterator():
        if status in (ReportJob.Status.SUCCEEDED, ReportJob.Status.PARTIAL, ReportJob.Status.FAILED) \
                and started_at and finished_at:
            _histogram(duration, (("template", slug),), JOB_BUCKETS_S).observe(
                (finished_at - started_at).total_seconds())
        for stage, seconds in (stage_timings or {}).items():
            _histogram(stages, (("stage", stage),), STAGE_BUCKETS_S).observe(float(seconds))
        for stat in (source_stats or {}).values():
            cache_counts[stat.get("cache") or "unknown"] += 1
    cache.samples = [((("result", result),), n) for result, n in sorted(cache_counts.items())]

    rq = redis_figures()
    redis_up = Family("qms_redis_up", "gauge", "1 when Redis answered this scrape; 0 when it did not "
                                               "(queue and worker figures are then left out).")
    redis_up.samples.append(((), 1 if rq.available else 0))
    families = [jobs, attempts, duration, stages, cache, redis_up]
    if not rq.available:
        return families
    depth = Family("qms_queue_jobs", "gauge", "RQ jobs waiting or running, by queue and state.")
    for queue in rq.queues:
        for state in ("queued", "started", "scheduled", "failed"):
            depth.samples.append(((("queue", queue.name), ("state", state)), getattr(queue, state)))
    workers = Family("qms_workers", "gauge", "RQ workers registered (alive within their heartbeat).")
    states: Counter[str] = Counter(w.state for w in rq.workers)
    workers.samples = [((("state", state),), n) for state, n in sorted(states.items())] or [((), 0)]
    return [*families, depth, workers]


def render(families: Iterable[Family]) -> str:
    lines: list[str] = []
    for family in families:
        lines.append(f"# HELP {family.name} {_escape_help(family.help)}")
        lines.append(f"# TYPE {family.name} {family.kind}")
        for labels, value in family.samples:
            lines.append(f"{family.name}{_labels(labels)} {_number(value)}")
        for labels, hist in sorted(family.histograms.items()):
            cumulative = 0
            for bound, n in zip(hist.buckets, hist.counts):
                cumulative += n
                lines.append(f"{family.name}_bucket{_labels(labels + (('le', _number(bound)),))} {cumulative}")
            lines.append(f"{family.name}_bucket{_labels(labels + (('le', '+Inf'),))} {hist.count}")
            lines.append(f"{family.name}_sum{_labels(labels)} {_number(hist.total)}")
            lines.append(f"{family.name}_count{_labels(labels)} {hist.count}")
    return "\n".join(lines) + "\n"


def _histogram(family: Family, labels: Labels, buckets: Sequence[float]) -> Histogram:
    if labels not in family.histograms:
        family.histograms[labels] = Histogram(buckets)
    return family.histograms[labels]


def _labels(labels: Labels) -> str:
    if not labels:
        return ""
    inner = ",".join(f'{key}="{_escape_value(str(value))}"' for key, value in labels)
    return "{" + inner + "}"


def _escape_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _number(value: float) -> str:
    if isinstance(value, float):
        if math.isinf(value):
            return "+Inf" if value > 0 else "-Inf"
        return repr(value) if value != int(value) else f"{value:.1f}"
    return str(value)
