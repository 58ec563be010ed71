"""The report as the job page's HTML view shows it: the PDF's sections, as display text.

Built once, in the store stage, from the same processed data and presentation rules as the PDF
(KPI card words from presentation, table cells from the PDF's own column rules, charts from the
SVG previews). What is stored is text only; the page escapes it (the SVG is sanitised again there).
"""
from __future__ import annotations

import math
from typing import Any

from reporting.pipeline.rendering import presentation
from reporting.pipeline.rendering.previews import chart_previews
from reporting.pipeline.rendering.rules import is_rules_section, rules_lines, rules_title
from reporting.pipeline.section_data import section_rows
from templates_app.spec import ChartSection, HeadingSection, KpisSection, ReportSpec, TableSection, TextSection

# A stored view stays small: longer tables say how many rows were left out (the files have them all).
MAX_TABLE_ROWS = 2000
MAX_TEXT_CHARS = 5000


def report_view_sections(*, report: ReportSpec, data: dict[str, Any],
                         previews: list[dict[str, str]] | None = None) -> list[dict[str, Any]]:
    """One dict per section, in the PDF's order: {"type", "title", ...} (see each builder).

    ``previews``: the job's chart previews when already made (one per chart section, in order)."""
    charts = iter(chart_previews(spec=report, data=data) if previews is None else previews)
    out: list[dict[str, Any]] = []
    for section in report.sections:
        if isinstance(section, HeadingSection):
            out.append({"type": "heading", "title": _text(section.text), "level": 2 if section.level == 2 else 1})
        elif isinstance(section, TextSection):
            out.append({"type": "text", "text": _text(section.text)})
        elif isinstance(section, KpisSection):
            out.append(_kpis(section, data))
        elif isinstance(section, ChartSection):
            preview = next(charts, {"title": section.title, "note": "No chart"})
            out.append({"type": "chart", "title": _text(section.title), **{k: v for k, v in preview.items()
                                                                          if k in ("svg", "note")}})
        elif isinstance(section, TableSection):
            out.append(_table(section, data))
        elif is_rules_section(section):
            lines = rules_lines(data, section)
            if lines:
                out.append({"type": "rules", "title": rules_title(section), "lines": lines})
    return out


def _text(value: Any) -> str:
    return str(value or "")[:MAX_TEXT_CHARS]


def _kpis(section: KpisSection, data: dict[str, Any]) -> dict[str, Any]:
    found = section_rows(data, section.data)
    return {"type": "kpis", "title": _text(section.title),
            "cards": [_kpi_card(row) for row in found.rows if isinstance(row, dict)], "note": found.text}


def _kpi_card(row: dict[str, Any]) -> dict[str, Any]:
    # As the PDF card (pdf/kpi.py): without a value only "No data" and the note, no status or change
    # (a status of a missing number would mislead); a status badge only for the vocabulary's words.
    key = presentation.status_key(row.get("status"))
    has_value = row.get("value") is not None
    return {
        "name": presentation.kpi_name(row),
        "value": presentation.kpi_value_text(row),
        "status": presentation.status_label(key) if has_value and key else "",
        "status_key": key if has_value and key else "",
        "change": presentation.kpi_trend_text(row) if has_value else "",
        "assessment": str(presentation.kpi_assessment(row) or "") if has_value else "",
        "note": presentation.kpi_note(row),
    }


def _table(section: TableSection, data: dict[str, Any]) -> dict[str, Any]:
    found = section_rows(data, section.data)
    rows = [row for row in found.rows if isinstance(row, dict)]
    # The PDF's own cell rules, shared on purpose; imported here so that loading the app (signals ->
    # services -> this module) does not load the PDF renderer (renderers load when first asked for).
    from reporting.pipeline.rendering.pdf.tables import _columns

    columns = _columns(section, rows)
    body = [[column.text(row.get(column.field)) for column in columns] for row in rows[:MAX_TABLE_ROWS]]
    totals = []
    if section.totals and rows:
        for column in columns:
            numbers = [v for v in (r.get(column.field) for r in rows)
                       if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)]
            totals.append(column.text(sum(numbers)) if column.field in section.totals and numbers else "")
        if not totals[0]:
            totals[0] = "Total"
    return {"type": "table", "title": _text(section.title), "note": found.text,
            "columns": [{"label": c.label, "numeric": c.numeric, "status": c.status} for c in columns],
            "rows": body, "totals": totals, "left_out": max(0, len(rows) - MAX_TABLE_ROWS)}
