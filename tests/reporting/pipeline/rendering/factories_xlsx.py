"""Example ReportContexts for the XLSX renderer tests (demo-like data, and hostile data)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from reporting.pipeline.context import ReportContext, SourceFailure
from templates_app.spec import parse_spec

DEMO_SPEC: dict[str, Any] = {
    "title": "Monthly quality report",
    "sections": [
        {"type": "heading", "text": "Executive summary", "level": 1},
        {"type": "kpis", "data": "kpis", "title": "Quality KPIs"},
        {"type": "kpis", "data": "training_kpis", "title": "Training KPIs"},
        {
            "type": "chart", "kind": "bar", "title": "Quality by department", "data": "departments",
            "x": "name", "y": ["quality_score", "training_completion"], "stacked": False,
            "x_title": "Department", "y_title": "Score (%)", "labels": {"quality_score": "Quality %"},
        },
        {
            "type": "chart", "kind": "hbar", "title": "Documents created", "data": "departments",
            "x": "name", "y": ["documents_created"], "x_title": "Department", "y_title": "Documents",
        },
        {
            "type": "chart", "kind": "bar", "title": "Stacked workload", "data": "departments", "stacked": True,
            "x": "name", "y": ["documents_created", "overdue_training"],
        },
        {
            "type": "chart", "kind": "line", "title": "Quality trend", "data": "quality_trends",
            "x": "period", "y": ["defect_rate", "audit_score"], "x_title": "Month", "y_title": "Value",
        },
        {"type": "chart", "kind": "pie", "title": "Workflow stages", "data": "workflow_analysis",
         "x": "stage", "y": ["documents"]},
        {"type": "chart", "kind": "doughnut", "title": "Compliance", "data": "compliance_status",
         "x": "department", "y": ["completion_rate"]},
        {"type": "chart", "kind": "bar", "title": "Empty chart", "data": "nothing_here", "x": "a", "y": ["b"]},
        {"type": "chart", "kind": "line", "title": "Missing chart", "data": "no.such.path", "x": "a", "y": ["b"]},
        {
            "type": "table", "title": "Departments", "data": "departments",
            "columns": [
                {"field": "name", "label": "Department"},
                {"field": "quality_score", "label": "Quality %", "format": "0.0"},
                {"field": "documents_created", "label": "Documents", "format": "#,##0"},
                {"field": "last_audit", "label": "Last audit", "format": "d mmm yyyy"},
                {"field": "status", "label": "Status"},
            ],
            "totals": ["documents_created"],
        },
        {"type": "table", "title": "Compliance status", "data": "compliance_status",
         "columns": [{"field": "department", "label": "Department"},
                     {"field": "completion_rate", "label": "Completion", "format": "0.0%"},
                     {"field": "meets_target", "label": "Meets target"}]},
        {"type": "table", "title": "Missing table", "data": "no.such.table"},
        {"type": "page_break"},
    ],
    "outputs": ["pdf", "xlsx"],
}


def demo_data() -> dict[str, Any]:
    return {
        "kpis": [
            {"name": "Quality score", "value": 96.5, "unit": "%", "trend": "up", "status": "excellent"},
            {"name": "Defect rate", "value": 2.1, "unit": "%", "trend": "down", "status": "good"},
            {"name": "Audit findings", "value": 14, "unit": "", "trend": "flat", "status": "warning"},
        ],
        "training_kpis": [
            {"name": "Overdue items", "value": 31, "unit": "items", "trend": "up", "status": "critical"},
        ],
        "departments": [
            {"name": "Łukasz Øster-Müller Lab", "quality_score": 91.25, "training_completion": 88.0,
             "overdue_training": 3, "documents_created": 1200, "last_audit": "2026-10-31", "status": "good"},
            {"name": "Production", "quality_score": 78.5, "training_completion": 92.0,
             "overdue_training": 7, "documents_created": 845, "last_audit": date(2026, 9, 15), "status": "warning"},
            {"name": "<img src=http://x>", "quality_score": 99.0, "training_completion": 97.5,
             "overdue_training": 0, "documents_created": 310, "last_audit": None, "status": "excellent"},
        ],
        "quality_trends": [
            {"period": "2026-08", "defect_rate": 2.4, "audit_score": 90},
            {"period": "2026-09", "defect_rate": 2.2, "audit_score": 92},
            {"period": "2026-10", "defect_rate": 2.1, "audit_score": 93},
        ],
        "workflow_analysis": [
            {"stage": "Draft", "documents": 40, "avg_days_in_stage": 2.5},
            {"stage": "Review", "documents": 25, "avg_days_in_stage": 4.0},
            {"stage": "Approved", "documents": 120, "avg_days_in_stage": 0.5},
        ],
        "compliance_status": [
            {"department": "Lab", "completion_rate": 0.92, "target": 0.9, "meets_target": True, "overdue": 1},
            {"department": "Production", "completion_rate": 0.81, "target": 0.9, "meets_target": False, "overdue": 6},
        ],
        "nothing_here": [],
    }


def demo_context(**overrides: Any) -> ReportContext:
    values: dict[str, Any] = {
        "title": "Monthly quality report — October 2026",
        "spec": DEMO_SPEC,
        "parameters": {"period_start": date(2026, 10, 1), "period_end": date(2026, 10, 31)},
        "parameter_lines": [("Period", "1 Oct 2026 – 31 Oct 2026"), ("Department", "All")],
        "generated_at": datetime(2026, 11, 1, 9, 30, tzinfo=ZoneInfo("Europe/Warsaw")),
        "requested_by": "Anna Kowalska",
        "data": demo_data(),
        "missing_sources": [],
        "job_id": "job-123",
    }
    values.update(overrides)
    values.setdefault("report", parse_spec(_with_columns(values["spec"])))
    return ReportContext(**values)


def _with_columns(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec with "columns": [] on a table that declares none (parse_spec needs the list; an empty
    one still means "the fields of the first row", as the renderers read it)."""
    sections = [{"columns": [], **s} if isinstance(s, dict) and s.get("type") == "table" else s
                for s in spec.get("sections", [])]
    return {**spec, "sections": sections}


def partial_context() -> ReportContext:
    return demo_context(
        missing_sources=[
            SourceFailure(name="training_api", reason="HTTP 503 after 3 attempts", required=False),
            SourceFailure(name="documents_db", reason="timed out after 30 s", required=False),
        ]
    )


def table_context(
    rows: list[dict[str, Any]],
    columns: list[dict[str, Any]],
    *,
    title: str = "Data",
    totals: list[str] | None = None,
    parameter_lines: list[tuple[str, str]] | None = None,
) -> ReportContext:
    """A report with a single table section over ``rows``."""
    section: dict[str, Any] = {"type": "table", "title": title, "data": "rows", "columns": columns}
    if totals:
        section["totals"] = totals
    return demo_context(
        spec={"title": "Table report", "sections": [section], "outputs": ["xlsx"]},
        data={"rows": rows},
        parameter_lines=parameter_lines or [],
    )
