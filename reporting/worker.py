"""The RQ worker class for report jobs: `manage.py rqworker --worker-class reporting.worker.ReportWorker`.

RQ forks a fresh work horse for every job. Whatever the worker process has loaded before the fork
the horse shares for free; whatever it has not, every horse loads again. Without this warm-up
each job paid ~0.3 s to import the renderers and parse the PDF fonts (tests/perf/bench_load.py).
"""
from __future__ import annotations

import logging
import time

from rq import Worker

logger = logging.getLogger(__name__)


def warm_up_pipeline() -> None:
    """Load the pipeline modules and the PDF fonts. Opens no database or network connection."""
    import reporting.jobs  # noqa: F401 (the function RQ will call)
    import reporting.services.job_runner  # noqa: F401 (the stages and the engine they call)
    from reporting.pipeline.rendering.base import available_formats, get_renderer
    from reporting.pipeline.rendering.fonts import register_fonts

    for fmt in available_formats():
        get_renderer(fmt)
    register_fonts()


class ReportWorker(Worker):
    def work(self, *args, **kwargs):
        started = time.perf_counter()
        warm_up_pipeline()
        logger.info("report pipeline loaded in %.2f s before the first fork", time.perf_counter() - started)
        return super().work(*args, **kwargs)
