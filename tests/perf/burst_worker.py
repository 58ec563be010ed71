"""The report worker for bench_burst: counts chart drawings (a Redis counter) so the bench can tell
whether 100 jobs of one report drew each chart once. Loaded only by the bench."""
from __future__ import annotations

from reporting.pipeline.rendering.charts import drawing
from reporting.worker import ReportWorker

CHART_BUILDS_KEY = "bench:chart-builds"
_build = drawing._build


def _counted_build(chart):
    from django.core.cache import cache

    cache.add(CHART_BUILDS_KEY, 0, timeout=None)
    cache.incr(CHART_BUILDS_KEY)
    return _build(chart)


drawing._build = _counted_build


class CountingWorker(ReportWorker):
    pass
