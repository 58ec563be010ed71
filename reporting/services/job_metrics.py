"""The figures behind /metrics, added to as jobs end (one upsert statement per event).

A scrape then reads these few pre-aggregated rows instead of every job row, so its cost does not
grow with the job history, and every web and worker host adds to the same totals (the database
is shared; per-process prometheus_client registries would need merging).
"""
from __future__ import annotations

import bisect
import logging
from collections import Counter
from collections.abc import Iterable, Sequence

from django.db import connection, transaction
from django.utils import timezone

from reporting.models import MetricTotal, ReportJob

logger = logging.getLogger("reporting.metrics")

JOBS_TOTAL = "qms_report_jobs_total"
ATTEMPTS_TOTAL = "qms_report_job_attempts_total"
JOB_DURATION = "qms_report_job_duration_seconds"
STAGE_DURATION = "qms_report_stage_duration_seconds"
SOURCE_FETCHES = "qms_report_source_fetches_total"
JOB_BUCKETS_S = (1, 2, 5, 10, 30, 60, 120, 300, 600, 1800)
STAGE_BUCKETS_S = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300)
INF = "+Inf"

Labels = tuple[tuple[str, str], ...]


def labels_key(labels: Labels) -> str:
    """Canonical text of a label set; a tab in a value (a slug written to the database by other
    means) becomes a space, so the text always parses back."""
    return "\t".join(f"{key}={str(value).replace(chr(9), ' ')}" for key, value in labels)


def labels_parse(text: str) -> Labels:
    return tuple(tuple(part.split("=", 1)) for part in text.split("\t") if part)  # type: ignore[misc]


def bucket_label(value: float, buckets: Sequence[float]) -> str:
    """The smallest bound the value fits under (non-cumulative; the reader adds them up)."""
    index = bisect.bisect_left(buckets, value)
    return _bound(buckets[index]) if index < len(buckets) else INF


def _bound(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def job_metrics_ended(*, job_id: int, status: str) -> None:
    """A job reached a final status (called by job_transition, whoever ended it)."""
    slug = ReportJob.objects.filter(pk=job_id).values_list("template__slug", flat=True).first()
    if slug is not None:
        _add([(JOBS_TOTAL, (("template", slug), ("status", status)), 1.0)])


def job_metrics_run_finished(*, job: ReportJob) -> None:
    """A run ended (finished, failed, cancelled or put back for a retry): its attempt, the job's
    duration once final, its stage timings and its data source fetches."""
    increments: list[tuple[str, Labels, float]] = [(ATTEMPTS_TOTAL, (), 1.0)]
    if job.status in (ReportJob.Status.SUCCEEDED, ReportJob.Status.PARTIAL, ReportJob.Status.FAILED) \
            and job.duration_s is not None:
        increments += _observation(JOB_DURATION, (("template", job.template.slug),), job.duration_s, JOB_BUCKETS_S)
    for stage, seconds in (job.stage_timings or {}).items():
        increments += _observation(STAGE_DURATION, (("stage", stage),), float(seconds), STAGE_BUCKETS_S)
    fetches = Counter((stat or {}).get("cache") or "unknown" for stat in (job.source_stats or {}).values())
    increments += [(SOURCE_FETCHES, (("result", result),), float(n)) for result, n in fetches.items()]
    _add(increments)


def _observation(name: str, labels: Labels, value: float, buckets: Sequence[float]):
    return [(f"{name}_bucket", labels + (("le", bucket_label(value, buckets)),), 1.0),
            (f"{name}_sum", labels, value), (f"{name}_count", labels, 1.0)]


def _add(increments: Iterable[tuple[str, Labels, float]]) -> None:
    """INSERT ... ON CONFLICT DO UPDATE value = value + new: atomic under concurrent writers
    (PostgreSQL and SQLite both speak it), one statement for the whole event."""
    merged: Counter[tuple[str, str]] = Counter()
    for name, labels, amount in increments:
        merged[(name, labels_key(labels))] += amount
    if not merged:
        return
    table = connection.ops.quote_name(MetricTotal._meta.db_table)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = ", ".join(["(%s, %s, %s, %s)"] * len(merged))
    params: list = []
    for (name, labels), amount in sorted(merged.items()):
        params += [name, labels, amount, now]
    sql = (f"INSERT INTO {table} (name, labels, value, updated_at) VALUES {rows} "
           f"ON CONFLICT (name, labels) DO UPDATE SET value = {table}.value + excluded.value, "
           f"updated_at = excluded.updated_at")
    # A savepoint: a failed write here never poisons the caller's transaction.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
