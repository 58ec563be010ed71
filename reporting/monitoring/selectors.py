"""Read-only figures about queues, workers and jobs. The database is the source of job figures;
Redis (RQ) is asked only about what lives there: queue depth and workers."""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import django_rq
import redis.exceptions
from django.db.models import Count
from django.utils import timezone
from rq.worker import Worker

from reporting.models import ReportJob

QUEUE_NAMES = ("high", "default", "low")
# What reading queue and worker figures raises while Redis is down or unreachable.
REDIS_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
REDIS_UNAVAILABLE = "Redis is unavailable: queue and worker figures cannot be shown ({reason})."
FINISHED = (ReportJob.Status.SUCCEEDED, ReportJob.Status.PARTIAL, ReportJob.Status.FAILED)


def percentile(values: Iterable[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100); None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class QueueFigures:
    name: str
    queued: int
    started: int
    scheduled: int
    failed: int


@dataclass(frozen=True)
class WorkerFigures:
    name: str
    state: str
    queues: list[str]
    current_job_id: str | None
    current_job_description: str
    last_heartbeat: datetime | None
    hostname: str
    pid: int | None


@dataclass(frozen=True)
class Timing:
    label: str
    count: int
    p50_s: float | None
    p95_s: float | None


@dataclass
class JobFigures:
    since: datetime
    by_status: dict[str, int] = field(default_factory=dict)
    total: int = 0
    success_rate: float | None = None
    partial_rate: float | None = None
    failure_rate: float | None = None
    stage_timings: list[Timing] = field(default_factory=list)
    template_timings: list[Timing] = field(default_factory=list)
    cache_hits: int = 0
    cache_lookups: int = 0
    retried_jobs: int = 0

    @property
    def cache_hit_ratio(self) -> float | None:
        return self.cache_hits / self.cache_lookups if self.cache_lookups else None


@dataclass(frozen=True)
class RedisFigures:
    """Queue and worker figures, or why Redis could not be read (``error``; then both lists are empty)."""

    queues: list[QueueFigures]
    workers: list[WorkerFigures]
    error: str = ""

    @property
    def available(self) -> bool:
        return not self.error


def redis_figures() -> RedisFigures:
    """What Redis knows (queues, workers); a Redis that is down is reported, not raised, so the
    database's figures can still be shown (only /healthz answers 503 for it)."""
    try:
        return RedisFigures(queues=queue_figures(), workers=worker_figures())
    except REDIS_ERRORS as exc:
        return RedisFigures(queues=[], workers=[], error=REDIS_UNAVAILABLE.format(reason=exc))


def queue_figures() -> list[QueueFigures]:
    figures = []
    for name in QUEUE_NAMES:
        queue = django_rq.get_queue(name)
        figures.append(QueueFigures(
            name=name, queued=queue.count, started=queue.started_job_registry.count,
            scheduled=queue.scheduled_job_registry.count, failed=queue.failed_job_registry.count,
        ))
    return figures


def worker_figures() -> list[WorkerFigures]:
    connection = django_rq.get_connection("default")
    figures = []
    for worker in Worker.all(connection=connection):
        job = worker.get_current_job()
        figures.append(WorkerFigures(
            name=worker.name, state=str(worker.get_state()), queues=worker.queue_names(),
            current_job_id=job.id if job else None, current_job_description=(job.description or "") if job else "",
            last_heartbeat=worker.last_heartbeat, hostname=worker.hostname or "", pid=worker.pid,
        ))
    return sorted(figures, key=lambda w: w.name)


def job_figures(*, hours: int = 24, now: datetime | None = None) -> JobFigures:
    since = (now or timezone.now()) - timedelta(hours=hours)
    recent = ReportJob.objects.filter(created_at__gte=since)
    figures = JobFigures(since=since)
    counts = dict(recent.values_list("status").annotate(n=Count("id")).order_by())
    figures.by_status = {status: counts.get(status, 0) for status in ReportJob.Status.values}
    figures.total = sum(counts.values())
    finished = sum(counts.get(s, 0) for s in FINISHED)
    if finished:
        figures.success_rate = counts.get(ReportJob.Status.SUCCEEDED, 0) / finished
        figures.partial_rate = counts.get(ReportJob.Status.PARTIAL, 0) / finished
        figures.failure_rate = counts.get(ReportJob.Status.FAILED, 0) / finished

    per_stage: dict[str, list[float]] = defaultdict(list)
    per_template: dict[str, list[float]] = defaultdict(list)
    cache = Counter()
    rows = recent.values_list("template__slug", "started_at", "finished_at", "stage_timings", "source_stats",
                              "attempts", "status")
    for slug, started_at, finished_at, stage_timings, source_stats, attempts, status in rows.iterator():
        for stage, seconds in (stage_timings or {}).items():
            per_stage[stage].append(float(seconds))
        if status in FINISHED and started_at and finished_at:
            per_template[slug].append((finished_at - started_at).total_seconds())
        for stat in (source_stats or {}).values():
            cache[stat.get("cache", "")] += 1
        if attempts > 1:
            figures.retried_jobs += 1
    figures.stage_timings = [_timing(stage, per_stage[stage]) for stage in _stage_order(per_stage)]
    figures.template_timings = [_timing(slug, per_template[slug]) for slug in sorted(per_template)]
    figures.cache_hits = cache["hit"]
    figures.cache_lookups = cache["hit"] + cache["miss"]  # "bypass" never asked the cache
    return figures


def recent_failures(*, limit: int = 20) -> list[ReportJob]:
    return list(ReportJob.objects.select_related("template", "requested_by")
                .filter(status=ReportJob.Status.FAILED).order_by("-finished_at", "-id")[:limit])


def _timing(label: str, values: list[float]) -> Timing:
    return Timing(label=label, count=len(values), p50_s=percentile(values, 50), p95_s=percentile(values, 95))


def _stage_order(per_stage: dict[str, list[float]]) -> list[str]:
    known = [stage for stage in ReportJob.Stage.values if stage in per_stage]
    return known + sorted(set(per_stage) - set(known))
