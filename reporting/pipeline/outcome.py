"""What a processed report says at a glance: its headline KPI rows, its worst status, a data hash.

Pure: the job runner records the outcome on the job after the process stage; the email uses the
headline, schedules use the worst status over KPI and status-carrying table rows ("only when not all good") and the hash ("only when the
data changed"). KPI rows follow the processors' contract ({"name", "value", "unit", "status", ...});
older rows may lack keys, so every key is optional here.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import Any

from templates_app.spec import KpisSection, ReportSpec, TableSection

from reporting.pipeline.datapath import DataPathError, resolve_path

# Worst last: the order a person reads them in.
STATUS_ORDER = ("excellent", "good", "warning", "critical")
HEADLINE_DATA = "summary_kpis"


@dataclass(frozen=True)
class ReportOutcome:
    headline: list[dict[str, Any]] = field(default_factory=list)
    worst_status: str = ""  # one of STATUS_ORDER, "" when no KPI row has a status
    data_sha256: str = ""


def data_sha256(data: Any) -> str:
    """Hash of the canonical JSON of the processed data (dates and decimals as text)."""
    canonical = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def kpi_rows(data: Any, path: str) -> list[dict[str, Any]]:
    """The KPI rows at ``path``: only dict rows; a missing or malformed path gives none."""
    try:
        value = resolve_path(data, path) if path else None
    except DataPathError:
        return []
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        return []
    return [row for row in value if isinstance(row, dict)]


def worst_status(rows: list[dict[str, Any]]) -> str:
    ranks = [STATUS_ORDER.index(row.get("status")) for row in rows if row.get("status") in STATUS_ORDER]
    return STATUS_ORDER[max(ranks)] if ranks else ""


def report_outcome(*, report: ReportSpec, data: dict[str, Any]) -> ReportOutcome:
    sections = [s for s in report.sections if isinstance(s, KpisSection)]
    all_rows = [row for section in sections for row in kpi_rows(data, section.data)]
    # Table rows with a status (a department's overall status) count too: a Critical department is
    # not "all good" even when every headline KPI is.
    all_rows += [row for section in report.sections if isinstance(section, TableSection)
                 for row in kpi_rows(data, section.data) if "status" in row]
    headline_section = next((s for s in sections if s.data == HEADLINE_DATA), sections[0] if sections else None)
    headline = kpi_rows(data, headline_section.data) if headline_section else []
    return ReportOutcome(
        headline=_jsonable(headline),
        worst_status=worst_status(all_rows),
        data_sha256=data_sha256(data),
    )


def _jsonable(value: Any) -> Any:
    """What a JSONField stores: text for dates/decimals, None for NaN/inf (PostgreSQL's jsonb has no NaN)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)
