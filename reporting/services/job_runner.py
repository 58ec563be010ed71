"""Running one report job through its stages: progress, timings, retries and the outcome.

The work itself is the engine's (reporting.pipeline.engine); this module is the job's side of it:
claiming the row, recording each stage, storing the files, delivering them and ending the job with
a reason a person can read. Every status change goes through ``job_transition``.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, BinaryIO

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from rq.timeouts import JobTimeoutException

from templates_app.parameters import iso_date, parameter_lines, quoted_value
from templates_app.sources import SourceUnavailable, source_requests_for
from templates_app.spec import ReportSpec, SpecInvalid
from templates_app.validation import spec_limits_check

from reporting.models import ReportJob
from reporting.pipeline import engine
from reporting.pipeline.aggregation.collector import AggregationResult, collect_sources
from reporting.pipeline.outcome import report_outcome
from reporting.reliability import TransientJobError, has_attempts_left, is_transient_exception, max_attempts, \
    retry_interval_after

from . import job_messages, job_records
from .artifacts import artifact_store, spool_copy
from .email_delivery import job_deliver, job_failure_notify
from .job_metrics import job_metrics_run_finished
from .job_state import job_record, job_transition
from .report_view import report_view_store

logger = logging.getLogger("reporting.pipeline")
Stage = ReportJob.Stage
_RUNNING = [ReportJob.Status.RUNNING]


class JobCancelled(Exception):
    pass


class JobFailed(Exception):
    """A failure whose message is already written for the person who asked for the report."""


class _StageRecorder:
    """Records the stage a run is in, its progress and how long each stage took."""

    def __init__(self, job: ReportJob):
        self.job = job
        self.timings: dict[str, float] = {}
        # The attempt this run claimed: a later run of the same row (re-enqueued by the reconciler)
        # has a higher number, and this run's outcome must then not overwrite it.
        self.attempt = job.attempts

    def record(self, **fields) -> None:
        job_record(job_id=self.job.pk, **fields)
        for key, value in fields.items():
            setattr(self.job, key, value)

    def end(self, to: str, **fields) -> bool:
        """The run's own status changes: only while the row is still running under this run."""
        moved = job_transition(job_id=self.job.pk, from_statuses=_RUNNING, to=to,
                               where={"attempts": self.attempt}, **fields)
        self.job.refresh_from_db()
        return moved

    def check_cancel(self) -> None:
        if ReportJob.objects.filter(pk=self.job.pk, cancel_requested=True).exists():
            raise JobCancelled()

    def stage(self, name: str, action: Callable[[], Any], *, cancellable: bool = True) -> Any:
        if cancellable:
            self.check_cancel()
        self.record(stage=name)
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
                fields["progress"] = ReportJob.PROGRESS_AFTER.get(name, self.job.progress)
            self.record(**fields)
            # The same figures as fields: JSON logs (production) carry them as keys.
            logger.info("job=%s stage=%s duration_s=%.3f outcome=%s", self.job.public_id, name,
                        self.timings[name], outcome,
                        extra={"job_id": str(self.job.public_id), "stage": name,
                               "duration_s": self.timings[name], "outcome": outcome})


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
    claimed = job_transition(
        job_id=job.pk, from_statuses=(ReportJob.Status.PENDING, ReportJob.Status.QUEUED), to=ReportJob.Status.RUNNING,
        started_at=timezone.now(), finished_at=None, progress=0, error_message="", stage="",
        attempts=F("attempts") + 1,
    )
    job.refresh_from_db()
    if not claimed:
        logger.warning("job=%s not started: it is %s (another run owns it or it has ended)",
                       job.public_id, job.status)
        return job
    run = _StageRecorder(job)
    try:
        _run_stages(run, job, on_processed)
    except JobCancelled:
        run.end(ReportJob.Status.CANCELLED, finished_at=timezone.now(),
                error_message=job_messages.cancelled_during(job.stage))
    except (JobFailed, job_records.SigningFailed) as exc:
        run.end(ReportJob.Status.FAILED, finished_at=timezone.now(), error_message=str(exc))
    except JobTimeoutException:
        # RQ's per-job timeout (ReportTemplate.job_timeout_s) interrupted the work horse.
        if job.status == ReportJob.Status.RUNNING:
            run.end(ReportJob.Status.FAILED, finished_at=timezone.now(),
                    error_message=job_messages.timed_out(job.template.job_timeout_s, job.stage))
        else:
            _note_on_the_finished_report(run, job, job_messages.timed_out(job.template.job_timeout_s, job.stage))
    except Exception as exc:  # the job must end with a reason, never stuck in running
        _end_after_error(run, job, exc, allow_retry=allow_retry)
    job.refresh_from_db()
    if job.status == ReportJob.Status.FAILED:
        _notify_failure(job)
    job_records.run_audited(job=job)
    _count_run(job)
    logger.info("job=%s status=%s duration_s=%s", job.public_id, job.status, job.duration_s,
                extra={"job_id": str(job.public_id), "status": job.status, "duration_s": job.duration_s})
    return job


def _count_run(job: ReportJob) -> None:
    try:
        job_metrics_run_finished(job=job)
    except Exception:  # /metrics must never change a job's outcome
        logger.exception("job=%s run not counted in /metrics", job.public_id)


def _notify_failure(job: ReportJob) -> None:
    try:
        job_failure_notify(job=job)
    except Exception:  # telling the owner must never hide the failure itself
        logger.exception("job=%s failure notice not sent", job.public_id)


def _run_stages(run: _StageRecorder, job: ReportJob, on_processed) -> None:
    spec = job.template_version.spec
    parsed: ReportSpec = run.stage(Stage.VALIDATE, lambda: _validate(job))
    aggregation: AggregationResult = run.stage(Stage.AGGREGATE, lambda: _aggregate(job, spec))
    processed = run.stage(Stage.PROCESS, lambda: engine.process_sources(
        spec=spec, sources=aggregation.data, parameters=job.parameters, failures=aggregation.failures))
    run.record(warnings=list(processed.warnings))
    _record_outcome(run, parsed, processed.data)
    if on_processed is not None:
        on_processed(processed.data)
    context = engine.build_context(
        spec=spec, parameters=job.parameters, parameter_lines=parameter_lines(parsed.parameters, job.parameters),
        data=processed.data, missing=aggregation.failures, requested_by=_requested_by(job),
        job_id=str(job.public_id), report=parsed,
        # The run manifest (recorded on the job) for the PDF's record page and the workbook's About sheet.
        **job_records.run_context_extras(job=job, aggregation=aggregation),
    )
    # Each rendered file is copied, in chunks, to a temporary file this run holds until the store
    # stage streams it to storage: a 100k-row workbook never sits whole in memory.
    rendered: dict[str, tuple[Any, BinaryIO]] = {}

    def keep(fmt, renderer, fh):
        rendered[fmt] = (renderer, spool_copy(fh))

    try:
        for fmt in engine.requested_formats(job.formats):
            run.stage(engine.render_stage(fmt), lambda fmt=fmt: engine.render_formats(
                context=context, formats=[fmt], on_rendered=job_records.signing(keep, job=job)))
        run.stage(Stage.STORE, lambda: _store(job, rendered, report=parsed, data=processed.data))
    finally:
        for _renderer, held in rendered.values():
            held.close()
    job_records.after_store(job=job)
    final_status = ReportJob.Status.PARTIAL if aggregation.failures else ReportJob.Status.SUCCEEDED
    run.end(final_status)
    # The files are stored: the report exists, so a late cancel no longer applies.
    run.stage(Stage.DELIVER, lambda: _deliver(job, parsed), cancellable=False)
    run.record(progress=100, finished_at=timezone.now(), stage=Stage.DONE)


def _record_outcome(run: _StageRecorder, parsed: ReportSpec, data: dict[str, Any]) -> None:
    """Headline KPIs, worst status and data hash: what the email shows and schedule conditions read."""
    outcome = report_outcome(report=parsed, data=data)
    run.record(headline=outcome.headline, worst_status=outcome.worst_status, data_sha256=outcome.data_sha256)


def _end_after_error(run: _StageRecorder, job: ReportJob, exc: Exception, *, allow_retry: bool) -> None:
    if job.status != ReportJob.Status.RUNNING:
        logger.exception("job=%s stage=%s failed after the files were stored", job.public_id, job.stage)
        _note_on_the_finished_report(run, job, job_messages.unexpected_error(job.stage, exc))
        return
    if allow_retry and is_transient_exception(exc) and has_attempts_left(job.attempts):
        reason = str(exc) if isinstance(exc, TransientJobError) else job_messages.failure_reason(job.stage, exc)
        delay = retry_interval_after(job.attempts)
        message = job_messages.retrying(attempt=job.attempts, of=max_attempts(), reason=reason, delay_s=delay)
        logger.info("job=%s stage=%s outcome=retry attempt=%s delay_s=%s reason=%s", job.public_id, job.stage,
                    job.attempts, delay, reason)
        run.end(ReportJob.Status.QUEUED, stage="", progress=0, error_message=message)
    elif isinstance(exc, TransientJobError):
        run.end(ReportJob.Status.FAILED, finished_at=timezone.now(),
                error_message=job_messages.gave_up(str(exc), job.attempts))
    else:
        logger.exception("job=%s stage=%s failed", job.public_id, job.stage)
        run.end(ReportJob.Status.FAILED, finished_at=timezone.now(),
                error_message=job_messages.unexpected_error(job.stage, exc))


def _note_on_the_finished_report(run: _StageRecorder, job: ReportJob, note: str) -> None:
    """Something broke while delivering: the report exists and keeps its status; its page says what."""
    run.record(warnings=[*job.warnings, note], finished_at=timezone.now())


def _requested_by(job: ReportJob) -> str:
    user = job.requested_by
    if user is None:
        return "scheduled" if job.origin == ReportJob.Origin.SCHEDULE else "command line"
    return user.get_full_name() or user.get_username()


def _validate(job: ReportJob) -> ReportSpec:
    try:
        # A version stored before the limits (or written to the database directly) fails here, with the
        # limit it breaks, instead of crashing a later stage.
        spec_limits_check(job.template_version.spec)
        parsed = job.template_version.parsed
    except SpecInvalid as exc:  # a version can only be published valid; say so if one is not
        raise JobFailed(f"Template version {job.template_version.number} is not a valid spec: {exc}") from None
    unavailable = [fmt for fmt in job.formats if fmt not in engine.available_formats()]
    if unavailable or not job.formats:
        raise JobFailed(f"Output format(s) {', '.join(unavailable) or '(none)'} cannot be made here "
                        f"(available: {', '.join(engine.available_formats())}).")
    unknown = sorted(set(job.parameters) - set(parsed.parameter_names))
    if unknown:
        raise JobFailed(f"Unknown parameter(s): {', '.join(unknown)}.")
    for param in parsed.parameters:
        value = job.parameters.get(param.name)
        if param.required and value in (None, "", []):
            raise JobFailed(f"Parameter '{param.name}' is required.")
        if value not in (None, "") and not _stored_date_is_valid(param.type, value):
            raise JobFailed(f"Parameter '{param.name}' must be "
                            + ("a date as YYYY-MM-DD" if param.type == "date" else
                               "a date range with a start and an end as YYYY-MM-DD")
                            + f" (it is {quoted_value(value)}).")
    return parsed


def _stored_date_is_valid(ptype: str, value: Any) -> bool:
    """A job's stored date values (made by the form or CLI, or by anything else) are ISO dates."""
    if ptype == "date":
        return iso_date(value) is not None
    if ptype == "date_range":
        return isinstance(value, dict) and None not in (iso_date(value.get("start")), iso_date(value.get("end")))
    return True


def _aggregate(job: ReportJob, spec: dict[str, Any]) -> AggregationResult:
    try:
        requests = source_requests_for(spec)
    except SourceUnavailable as exc:
        raise JobFailed(str(exc)) from None
    result = collect_sources(
        requests=requests, parameters=job.parameters, use_cache=job.use_cache,
        deadline_s=settings.REPORTING_AGGREGATION_DEADLINE_S,
    )
    job_record(
        job_id=job.pk,
        source_stats={name: stat.to_dict() for name, stat in result.stats.items()},
        missing_sources=[{"name": f.name, "reason": f.reason, "required": f.required} for f in result.failures],
    )
    required = result.required_failures
    if required and all(f.retryable for f in required):
        raise TransientJobError(job_messages.required_data_missing([f.reason for f in required]))
    if required:
        raise JobFailed(job_messages.required_data_missing([f.reason for f in required]))
    return result


def _store(job: ReportJob, rendered: dict[str, tuple[Any, BinaryIO]], *, report: ReportSpec,
           data: dict[str, Any]) -> None:
    previews = engine.chart_previews(spec=report, data=data)
    for fmt, (renderer, held) in rendered.items():
        artifact_store(job=job, fmt=fmt, content_type=renderer.content_type,
                       file_extension=renderer.file_extension, stream=held)
    # The job page's HTML view (reporting/web_models.py JobReportView): display text, not the data.
    report_view_store(job=job, report=report, data=data, previews=previews)
    job_record(job_id=job.pk, chart_previews=previews)


def _deliver(job: ReportJob, spec: ReportSpec) -> None:
    """Email the report when the template asks for it (reporting/services/email_delivery.py). A
    failed email does not undo a finished report (its files stay downloadable): the delivery ledger
    and the job's delivery note say what happened."""
    job.refresh_from_db()
    try:
        job_deliver(job=job)
    except Exception as exc:  # a bug or a database error while delivering: the job page says so
        logger.exception("job=%s email delivery failed", job.public_id)
        job_record(job_id=job.pk, delivery_note=f"Email delivery failed: {type(exc).__name__}: {exc}")
