"""Runs one report job through its stages, recording progress, timings and the outcome."""
from __future__ import annotations

import dataclasses
import logging
import tempfile
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from rq.timeouts import JobTimeoutException

from templates_app.models import DataSource
from templates_app.parameters import parameter_lines

from reporting.models import ReportJob
from reporting.reliability import (
    TransientJobError, has_attempts_left, is_transient_exception, max_attempts,
    retry_interval_after,
)
from reporting.pipeline.aggregation.collector import AggregationResult, SourceRequest, collect_sources
from reporting.pipeline.aggregation.config import SourceConfig
from reporting.pipeline.context import ReportContext, SourceFailure
from reporting.pipeline.delivery import RecipientsRefused, email_report, recipients_for
from reporting.pipeline.processors.registry import run_processors
from reporting.pipeline.rendering.base import get_renderer
from reporting.pipeline.rendering.previews import chart_previews

logger = logging.getLogger("reporting.pipeline")

# (stage, progress when it has finished)
STAGES = (
    ("validate", 5), ("aggregate", 40), ("process", 50), ("render_pdf", 75), ("render_xlsx", 90),
    ("store", 97), ("deliver", 100),
)
PROGRESS_AFTER = dict(STAGES)


class JobCancelled(Exception):
    pass


class JobFailed(Exception):
    """A failure whose message is already written for the person who asked for the report."""


def source_config_from_model(source: DataSource) -> SourceConfig:
    names = {f.name for f in dataclasses.fields(SourceConfig)}
    return SourceConfig(**{name: getattr(source, name) for name in names if hasattr(source, name)})


def source_requests_for(spec: dict[str, Any]) -> list[SourceRequest]:
    refs = spec.get("sources", [])
    by_name = {s.name: s for s in DataSource.objects.filter(name__in=[r["source"] for r in refs])}
    requests = []
    for ref in refs:
        source = by_name.get(ref["source"])
        if source is None or not source.is_active:
            raise JobFailed(f"Data source '{ref['source']}' does not exist or is inactive.")
        requests.append(SourceRequest(config=source_config_from_model(source), params=ref.get("params", {}),
                                      required=bool(ref.get("required", True))))
    return requests


def process_sources(*, spec: dict[str, Any], sources: dict[str, Any], parameters: dict[str, Any]):
    """Run the spec's processors. Raw sources stay readable under their own names (sections may
    point at them directly); a processor output of the same name wins."""
    processed = run_processors(names=spec.get("processors", []), sources=sources, parameters=parameters)
    processed.data = {**sources, **processed.data}
    return processed


def build_context(*, spec: dict[str, Any], parameters: dict[str, Any], data: dict[str, Any],
                  missing: list[SourceFailure], requested_by: str, job_id: str = "") -> ReportContext:
    return ReportContext(
        title=spec.get("title", ""), spec=spec, parameters=parameters,
        parameter_lines=parameter_lines(spec.get("parameters", []), parameters),
        generated_at=timezone.localtime(), requested_by=requested_by, data=data,
        missing_sources=missing, job_id=job_id,
    )


def render_formats(*, context: ReportContext, formats: list[str],
                   on_rendered: Callable[[str, Any, Any], None]) -> None:
    """Render each format into a temporary file and hand it to ``on_rendered(fmt, renderer, file)``."""
    for fmt in formats:
        renderer = get_renderer(fmt)
        with tempfile.TemporaryFile() as fh:
            renderer.render(context, fh)
            on_rendered(fmt, renderer, fh)


class _JobRun:
    def __init__(self, job: ReportJob):
        self.job = job
        self.timings: dict[str, float] = {}

    def _update(self, **fields) -> None:
        ReportJob.objects.filter(pk=self.job.pk).update(**fields)
        for key, value in fields.items():
            setattr(self.job, key, value)

    def _check_cancel(self) -> None:
        if ReportJob.objects.filter(pk=self.job.pk, cancel_requested=True).exists():
            raise JobCancelled()

    def stage(self, name: str, action: Callable[[], Any], *, cancellable: bool = True) -> Any:
        if cancellable:
            self._check_cancel()
        self._update(stage=name)
        started = time.perf_counter()
        outcome = "ok"
        try:
            return action()
        except Exception:
            outcome = "error"
            raise
        finally:
            self.timings[name] = round(time.perf_counter() - started, 4)
            fields: dict[str, Any] = {"stage_timings": dict(self.timings)}
            if outcome == "ok":
                fields["progress"] = PROGRESS_AFTER[name]
            self._update(**fields)
            logger.info("job=%s stage=%s duration_s=%.3f outcome=%s", self.job.public_id, name,
                        self.timings[name], outcome)


def job_run(*, job: ReportJob, on_processed: Callable[[dict[str, Any]], None] | None = None,
            allow_retry: bool = False) -> ReportJob:
    """Run every stage. Any exception ends the job failed with a readable message.

    ``on_processed`` receives the processed data (what the renderers read), e.g. for --dump-data.
    ``allow_retry``: a transient failure with attempts left puts the job back to ``queued`` (with
    the reason in ``error_message``) instead of failing it; the caller schedules the next attempt.
    """
    if job.is_final:
        return job
    # Claim the row: only a pending/queued job starts, so a job put on a queue twice never runs twice.
    claimed = ReportJob.objects.filter(
        pk=job.pk, status__in=(ReportJob.Status.PENDING, ReportJob.Status.QUEUED),
    ).update(status=ReportJob.Status.RUNNING, started_at=timezone.now(), finished_at=None, progress=0,
             error_message="", stage="", attempts=F("attempts") + 1)
    job.refresh_from_db()
    if not claimed:
        logger.warning("job=%s not started: it is %s (another run owns it or it has ended)",
                       job.public_id, job.status)
        return job
    run = _JobRun(job)
    spec = job.template_version.spec
    try:
        run.stage("validate", lambda: _validate(job, spec))
        aggregation: AggregationResult = run.stage("aggregate", lambda: _aggregate(job, spec))
        processed = run.stage("process", lambda: process_sources(
            spec=spec, sources=aggregation.data, parameters=job.parameters))
        run._update(warnings=list(processed.warnings))
        if on_processed is not None:
            on_processed(processed.data)
        context = build_context(
            spec=spec, parameters=job.parameters, data=processed.data, missing=aggregation.failures,
            requested_by=_requested_by(job), job_id=str(job.public_id),
        )
        rendered: dict[str, tuple[Any, bytes]] = {}

        def keep(fmt, renderer, fh):
            fh.seek(0)
            rendered[fmt] = (renderer, fh.read())

        for fmt in ("pdf", "xlsx"):
            if fmt in job.formats:
                run.stage(f"render_{fmt}", lambda fmt=fmt: render_formats(context=context, formats=[fmt],
                                                                         on_rendered=keep))
        run.stage("store", lambda: _store(job, rendered, previews=chart_previews(spec=spec, data=processed.data)))
        final_status = ReportJob.Status.PARTIAL if aggregation.failures else ReportJob.Status.SUCCEEDED
        run._update(status=final_status)
        # The files are stored: the report exists, so a late cancel no longer applies.
        run.stage("deliver", lambda: _deliver(job, spec), cancellable=False)
        run._update(progress=100, finished_at=timezone.now(), stage="done")
    except JobCancelled:
        run._update(status=ReportJob.Status.CANCELLED, finished_at=timezone.now(),
                    error_message=f"Cancelled during {job.stage or 'start'}.")
    except JobFailed as exc:
        run._update(status=ReportJob.Status.FAILED, finished_at=timezone.now(), error_message=str(exc))
    except JobTimeoutException:
        # RQ's per-job timeout (ReportTemplate.job_timeout_s) interrupted the work horse.
        run._update(status=ReportJob.Status.FAILED, finished_at=timezone.now(),
                    error_message=f"Timed out after {job.template.job_timeout_s} s during {job.stage or 'start'}.")
    except Exception as exc:  # the job must end with a reason, never stuck in running
        if allow_retry and is_transient_exception(exc) and has_attempts_left(job.attempts):
            _requeue_for_retry(run, job, _failure_reason(exc, job))
        elif isinstance(exc, TransientJobError):
            plural = "s" if job.attempts != 1 else ""
            run._update(status=ReportJob.Status.FAILED, finished_at=timezone.now(),
                        error_message=f"{exc} (gave up after {job.attempts} attempt{plural})")
        else:
            logger.exception("job=%s stage=%s failed", job.public_id, job.stage)
            run._update(status=ReportJob.Status.FAILED, finished_at=timezone.now(),
                        error_message=f"Unexpected error during {job.stage or 'start'}: {type(exc).__name__}: {exc}")
    job.refresh_from_db()
    logger.info("job=%s status=%s duration_s=%s", job.public_id, job.status, job.duration_s)
    return job


def _failure_reason(exc: BaseException, job: ReportJob) -> str:
    if isinstance(exc, TransientJobError):
        return str(exc)
    return f"{type(exc).__name__} during {job.stage or 'start'}: {exc}"


def _requeue_for_retry(run: _JobRun, job: ReportJob, reason: str) -> None:
    delay = retry_interval_after(job.attempts)
    message = f"Attempt {job.attempts} of {max_attempts()} failed: {reason}; retrying in {delay} s."
    logger.info("job=%s stage=%s outcome=retry attempt=%s delay_s=%s reason=%s", job.public_id, job.stage,
                job.attempts, delay, reason)
    run._update(status=ReportJob.Status.QUEUED, stage="", progress=0, error_message=message)


def _requested_by(job: ReportJob) -> str:
    user = job.requested_by
    if user is None:
        return "scheduled" if job.origin == ReportJob.Origin.SCHEDULE else "command line"
    return user.get_full_name() or user.get_username()


def _validate(job: ReportJob, spec: dict[str, Any]) -> None:
    declared = {p["name"] for p in spec.get("parameters", [])}
    unknown = sorted(set(job.parameters) - declared)
    if unknown:
        raise JobFailed(f"Unknown parameter(s): {', '.join(unknown)}.")
    for param in spec.get("parameters", []):
        if param.get("required") and job.parameters.get(param["name"]) in (None, "", []):
            raise JobFailed(f"Parameter '{param['name']}' is required.")


def _aggregate(job: ReportJob, spec: dict[str, Any]) -> AggregationResult:
    result = collect_sources(
        requests=source_requests_for(spec), parameters=job.parameters, use_cache=job.use_cache,
        deadline_s=settings.REPORTING_AGGREGATION_DEADLINE_S,
    )
    ReportJob.objects.filter(pk=job.pk).update(
        source_stats={name: stat.to_dict() for name, stat in result.stats.items()},
        missing_sources=[{"name": f.name, "reason": f.reason, "required": f.required} for f in result.failures],
    )
    required = result.required_failures
    if required and all(f.retryable for f in required):
        raise TransientJobError("Required data could not be collected: " + "; ".join(f.reason for f in required))
    if required:
        raise JobFailed("Required data could not be collected: " + "; ".join(f.reason for f in required))
    return result


def _store(job: ReportJob, rendered: dict[str, tuple[Any, bytes]], *, previews: list[dict[str, str]]) -> None:
    import io

    from reporting.services import artifact_store

    for fmt, (renderer, payload) in rendered.items():
        artifact_store(job=job, fmt=fmt, content_type=renderer.content_type,
                       file_extension=renderer.file_extension, stream=io.BytesIO(payload))
    ReportJob.objects.filter(pk=job.pk).update(chart_previews=previews)


def _deliver(job: ReportJob, spec: dict[str, Any]) -> None:
    """Email the report when the template asks for it. A failed email does not undo a finished
    report (its files stay downloadable): it is recorded on the job for the person to see."""
    recipients = recipients_for(spec, job.parameters)
    if not recipients:
        return
    job.refresh_from_db()
    try:
        email_report(job=job, recipients=recipients)
    except RecipientsRefused as exc:  # too many or outside the allowed domains: the job page says why
        logger.warning("job=%s email refused: %s", job.public_id, exc)
        note = str(exc)
    except Exception as exc:  # SMTP refused, unreachable, bad address: the job page says so
        logger.warning("job=%s email delivery failed: %s", job.public_id, exc)
        note = f"Email delivery to {', '.join(recipients)} failed: {type(exc).__name__}: {exc}"
    else:
        return
    ReportJob.objects.filter(pk=job.pk).update(warnings=[*job.warnings, note])