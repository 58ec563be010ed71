"""The run manifest: what a report was made from, stored with the job and printed in its files.

Built by the job service after the data is processed (so the renderers can print it on the
"Report record" page and the "About" sheet) and completed with the stored files' sha256 and size
after the store stage (a file cannot contain its own hash: that part is on the job page and in
``verify_report``)."""
from __future__ import annotations

import platform
import tomllib
from datetime import datetime, timezone as dt_timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from templates_app.sources import SourceUnavailable, source_requests_for
from templates_app.spec import default_label

from reporting.models import ReportArtifact, ReportJob
from reporting.pipeline.aggregation.collector import AggregationResult
from reporting.pipeline.outcome import data_sha256

from .job_state import job_record

MANIFEST_SCHEMA = 1
PRODUCT = "QMS Reporting"


# sha256 of a JSON value written canonically (sorted keys, no spaces): the same hash the job's
# processed data gets (reporting.pipeline.outcome), so every hash in the record is made one way.
canonical_sha256 = data_sha256


def manifest_build(*, job: ReportJob, aggregation: AggregationResult, generated_at: datetime) -> dict[str, Any]:
    version = job.template_version
    zone = job.schedule.timezone if job.schedule_id else timezone.get_current_timezone_name()
    return {
        "schema": MANIFEST_SCHEMA,
        "job": {
            "id": str(job.public_id), "origin": job.origin, "requested_by": _user_name(job),
            "created_at": job.created_at.isoformat() if job.created_at else "",
            "generated_at": generated_at.isoformat(), "use_cache": job.use_cache,
        },
        "template": {"slug": job.template.slug, "name": job.template.name, "version": version.number,
                     "spec_sha256": canonical_sha256(version.spec)},
        "parameters": _parameters(job, zone),
        "sources": _sources(job, aggregation, generated_at),
        "processors": [str(p) for p in version.spec.get("processors", []) if isinstance(p, str)],
        "software": software_versions(),
        "data_sha256": job.data_sha256,
        "partial": bool(aggregation.failures),
        "artifacts": {},
    }


def manifest_artifacts_record(*, job: ReportJob) -> dict[str, Any]:
    """Add the stored files' sha256 and size (after the store stage) and save the manifest."""
    manifest = dict(job.manifest or {})
    manifest["artifacts"] = {
        a.format: {"sha256": a.sha256, "size": a.size, "signed": bool((manifest.get("signing") or {}).get(a.format))}
        for a in ReportArtifact.objects.filter(job=job)
    }
    job_record(job_id=job.pk, manifest=manifest)
    job.manifest = manifest
    return manifest


def manifest_signing_note(*, manifest: dict[str, Any], fmt: str, signer: str) -> None:
    manifest.setdefault("signing", {})[fmt] = signer


def software_versions() -> dict[str, str]:
    return {"product": f"{PRODUCT} {_product_version()}", "python": platform.python_version(),
            **{name: _dist_version(name) for name in ("Django", "reportlab", "openpyxl", "pyHanko")}}


def _dist_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _product_version() -> str:
    try:
        return metadata.version("qms-reporting")
    except metadata.PackageNotFoundError:
        try:
            with open(Path(settings.BASE_DIR) / "pyproject.toml", "rb") as fh:
                return str(tomllib.load(fh)["project"]["version"])
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return "unknown"


def _user_name(job: ReportJob) -> str:
    user = job.requested_by
    if user is None:
        return "scheduled" if job.origin == ReportJob.Origin.SCHEDULE else "command line"
    return user.get_full_name() or user.get_username()


def _parameters(job: ReportJob, zone: str) -> list[dict[str, Any]]:
    out = []
    for param in job.template_version.parsed.parameters:
        if param.name not in job.parameters:
            continue
        value = job.parameters[param.name]
        entry: dict[str, Any] = {"name": param.name, "label": param.label or default_label(param.name),
                                 "type": param.type, "value": value}
        if isinstance(value, dict) and value.get("preset") not in (None, "", "custom"):
            entry.update(preset=value["preset"], resolved_in_zone=zone)
        out.append(entry)
    return out


def _sources(job: ReportJob, aggregation: AggregationResult, generated_at: datetime) -> list[dict[str, Any]]:
    try:
        kinds = {r.config.name: r.config.kind for r in source_requests_for(job.template_version.spec)}
    except SourceUnavailable:
        kinds = {}
    failures = {f.name: f for f in aggregation.failures}
    out = []
    for name, stat in sorted(aggregation.stats.items()):
        fetched_at = (datetime.fromtimestamp(stat.fetched_at, tz=dt_timezone.utc) if stat.fetched_at else None)
        from_cache = stat.cache == "hit"
        entry: dict[str, Any] = {
            "name": name, "kind": kinds.get(name, ""), "fetched_at": fetched_at.isoformat() if fetched_at else "",
            "from_cache": from_cache,
            "cache_age_s": round(max(0.0, (generated_at - fetched_at).total_seconds()), 1)
            if from_cache and fetched_at else None,
            "bytes": stat.bytes, "attempts": stat.attempts, "rows": None, "sha256": "", "error": stat.error or "",
        }
        if name in aggregation.data:
            payload = aggregation.data[name]
            entry.update(rows=_rows(payload), sha256=canonical_sha256(payload))
        if name in failures:
            entry["required"] = failures[name].required
        out.append(entry)
    return out


def _rows(payload: Any) -> int | None:
    if isinstance(payload, list):
        return len(payload)
    if isinstance(payload, dict):
        lists = [v for v in payload.values() if isinstance(v, list)]
        return sum(len(v) for v in lists) if lists else 1
    return None
