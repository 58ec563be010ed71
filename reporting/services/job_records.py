"""A run's controlled-record steps, called by the job runner: manifest, PDF signature, audit event.

Kept out of job_runner.py so that the runner only names the steps (see issue 17)."""
from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from reporting.models import AuditEvent, ReportJob
from reporting.pipeline.aggregation.collector import AggregationResult

from .audit import audit_record
from .job_manifest import manifest_artifacts_record, manifest_build
from .job_state import job_record
from .pdf_signing import PdfSigningError, pdf_sign, pdf_signing_configured, signer_name

logger = logging.getLogger("reporting.pipeline")


class SigningFailed(Exception):
    """Signing was configured and failed: the job fails with this message (no unsigned file is stored)."""


def run_context_extras(*, job: ReportJob, aggregation: AggregationResult) -> dict[str, Any]:
    """The manifest (recorded on the job now) and the generation time, for engine.build_context."""
    generated_at = timezone.localtime()
    manifest = manifest_build(job=job, aggregation=aggregation, generated_at=generated_at)
    if pdf_signing_configured() and "pdf" in job.formats:
        try:
            manifest["signing"] = {"pdf": signer_name()}
        except PdfSigningError as exc:
            raise SigningFailed(str(exc)) from None
    job_record(job_id=job.pk, manifest=manifest)
    job.manifest = manifest
    return {"manifest": manifest, "generated_at": generated_at}


def signing(keep: Callable[[str, Any, Any], None], *, job: ReportJob) -> Callable[[str, Any, Any], None]:
    """Wrap the runner's on_rendered: a PDF is signed before it is kept for storing."""
    if not pdf_signing_configured():
        return keep

    def signed_keep(fmt, renderer, fh):
        if fmt != "pdf":
            return keep(fmt, renderer, fh)
        fh.seek(0)
        try:
            payload = pdf_sign(data=fh.read(), reason=f"QMS report {job.public_id} as generated")
        except PdfSigningError as exc:
            raise SigningFailed(str(exc)) from None
        with tempfile.TemporaryFile() as out:
            out.write(payload)
            out.seek(0)
            return keep(fmt, renderer, out)

    return signed_keep


def after_store(*, job: ReportJob) -> None:
    job.refresh_from_db(fields=["manifest"])
    manifest_artifacts_record(job=job)


def run_audited(*, job: ReportJob) -> None:
    """One 'report run' event per finished run (a run put back on the queue is not finished)."""
    if not job.is_final:
        return
    ok = job.status in (ReportJob.Status.SUCCEEDED, ReportJob.Status.PARTIAL)
    try:
        audit_record(action=AuditEvent.Action.REPORT_RUN, actor=job.requested_by, job=job,
                     outcome=AuditEvent.Outcome.SUCCESS if ok else AuditEvent.Outcome.FAILURE,
                     detail={"status": job.status, "origin": job.origin, "attempts": job.attempts,
                             **({"error": job.error_message[:500]} if job.error_message else {})})
    except Exception:  # recording must not change the run's outcome; the log keeps it
        logger.exception("job=%s run not written to the audit trail", job.public_id)
