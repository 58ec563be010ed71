"""A job's headline KPI rows as people read them: the job page and the email show the same words
and figures as the PDF and the workbook (all through rendering.presentation)."""
from __future__ import annotations

from typing import Any

from reporting.pipeline.rendering import presentation


def headline_rows(headline: Any) -> list[dict[str, str]]:
    """{"name", "value", "status", "status_key", "change", "assessment", "note"} per stored row."""
    rows = []
    for row in headline if isinstance(headline, list) else []:
        if not isinstance(row, dict):
            continue
        rows.append({
            "name": str(row.get("name") or "(unnamed)"),
            "value": presentation.kpi_value_text(row),
            "status": presentation.status_label(row.get("status")),
            "status_key": presentation.status_key(row.get("status")) or "",
            "change": presentation.kpi_trend_text(row),
            "assessment": str(row.get("assessment") or ""),
            "note": presentation.kpi_note(row),
        })
    return rows
