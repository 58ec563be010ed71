"""ReportContext builders with demo-like QMS data (shapes per the template spec) for renderer tests."""
from __future__ import annotations

import copy
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from demo.api_data import demo_payload
from reporting.pipeline.context import ReportContext, SourceFailure
from reporting.pipeline.processors.registry import run_processors
from templates_app.spec import parse_spec

HOSTILE_NAME = "<img src=http://x> & <b>bold</b>"
UNICODE_NAME = "Łukasz Øster-Müller"

DEPARTMENTS: list[dict[str, Any]] = [
    {"name": "Manufacturing", "quality_score": 91.4, "training_completion": 88.0, "overdue_training": 6,
     "documents_created": 148, "avg_approval_days": 2.4, "overall_score": 87.9, "status": "good",
     "last_audit": "2026-09-14"},
    {"name": "Quality Assurance", "quality_score": 97.2, "training_completion": 96.5, "overdue_training": 1,
     "documents_created": 212, "avg_approval_days": 1.6, "overall_score": 95.1, "status": "excellent",
     "last_audit": "2026-10-02"},
    {"name": "Research & Development", "quality_score": 84.6, "training_completion": 79.3, "overdue_training": 14,
     "documents_created": 96, "avg_approval_days": 3.8, "overall_score": 76.0, "status": "good",
     "last_audit": date(2026, 7, 21)},
    {"name": "Regulatory Affairs and Post-Market Surveillance", "quality_score": 72.9,
     "training_completion": 68.4, "overdue_training": 22, "documents_created": 61, "avg_approval_days": 4.9,
     "overall_score": 64.2, "status": "warning", "last_audit": "2026-05-30"},
    {"name": HOSTILE_NAME, "quality_score": 58.0, "training_completion": 55.5, "overdue_training": 31,
     "documents_created": 12, "avg_approval_days": 6.2, "overall_score": 51.3, "status": "critical",
     "last_audit": None},
    {"name": UNICODE_NAME, "quality_score": 93.3, "training_completion": 90.1, "overdue_training": 3,
     "documents_created": 77, "avg_approval_days": 2.1, "overall_score": 90.4, "status": "excellent",
     "last_audit": "2026-10-28"},
]

KPIS: list[dict[str, Any]] = [
    {"name": "Defect rate", "value": 1.8, "unit": "%", "trend": "down", "status": "excellent"},
    {"name": "First pass yield percentage", "value": 94.6, "unit": "%", "trend": "up", "status": "good"},
    {"name": "Customer complaint count", "value": 37, "unit": "items", "trend": "flat", "status": "warning"},
    {"name": "CAPA closure time", "value": 41.5, "unit": "days", "trend": "up", "status": "critical"},
    {"name": "Training completion rate", "value": 88.0, "unit": "%", "trend": "up", "status": "good"},
    {"name": "Average approval time", "value": 2.7, "unit": "days", "trend": "down", "status": "good"},
]

QUALITY_TRENDS = [
    {"period": f"2026-{month:02d}", "defect_rate": round(2.6 - month * 0.07, 2),
     "first_pass_yield": round(89 + month * 0.5, 1), "complaints": 50 - month * 1.2}
    for month in range(1, 11)
]

WORKFLOW = [
    {"stage": "Draft", "documents": 120, "avg_days_in_stage": 3.1},
    {"stage": "Review", "documents": 84, "avg_days_in_stage": 2.2},
    {"stage": "Approval", "documents": 66, "avg_days_in_stage": 1.4},
    {"stage": "Published", "documents": 301, "avg_days_in_stage": 0.0},
    {"stage": "Obsolete", "documents": 25, "avg_days_in_stage": 0.0},
]

DEMO_SPEC: dict[str, Any] = {
    "title": "Monthly quality report",
    "page": {"size": "A4", "orientation": "portrait"},
    "sections": [
        {"type": "heading", "text": "Executive summary", "level": 1},
        {"type": "text", "text": "Scores compare October with September. Literal markup stays literal: "
                                 "<b>not bold</b> & <img src=http://x>."},
        {"type": "kpis", "data": "kpis", "title": "Quality KPIs"},
        {"type": "heading", "text": "Departments", "level": 2},
        {"type": "chart", "kind": "bar", "title": "Quality by department", "data": "departments",
         "x": "name", "y": ["quality_score", "training_completion"], "stacked": False,
         "x_title": "Department", "y_title": "Score (%)",
         "labels": {"quality_score": "Quality %", "training_completion": "Training %"}},
        {"type": "table", "title": "Departments", "data": "departments",
         "columns": [{"field": "name", "label": "Department"},
                     {"field": "quality_score", "label": "Quality %", "format": "0.0"},
                     {"field": "training_completion", "label": "Training %", "format": "0.0"},
                     {"field": "documents_created", "label": "Documents", "format": "#,##0"},
                     {"field": "last_audit", "label": "Last audit", "format": "d mmm yyyy"}],
         "totals": ["documents_created"]},
        {"type": "page_break"},
        {"type": "heading", "text": "Trends", "level": 1},
        {"type": "chart", "kind": "line", "title": "Quality trends", "data": "quality_trends", "x": "period",
         "y": ["first_pass_yield", "complaints"], "x_title": "Month", "y_title": "Value",
         "labels": {"first_pass_yield": "First pass yield %", "complaints": "Complaints"}},
        {"type": "chart", "kind": "hbar", "title": "Overall score by department", "data": "departments",
         "x": "name", "y": ["overall_score"], "x_title": "Department", "y_title": "Overall score"},
        {"type": "chart", "kind": "doughnut", "title": "Documents by workflow stage", "data": "workflow_analysis",
         "x": "stage", "y": ["documents"]},
        {"type": "heading", "text": "Compliance", "level": 1},
        {"type": "chart", "kind": "bar", "title": "Training backlog", "data": "compliance_status",
         "x": "department", "y": ["completion_rate"], "y_title": "Completion (%)"},
        {"type": "table", "title": "Compliance status", "data": "compliance_status",
         "columns": [{"field": "department", "label": "Department"},
                     {"field": "completion_rate", "label": "Completion", "format": "0.0%"},
                     {"field": "overdue", "label": "Overdue", "format": "0"}]},
    ],
    "outputs": ["pdf", "xlsx"],
}


def demo_data() -> dict[str, Any]:
    return {
        "kpis": copy.deepcopy(KPIS),
        "summary": {"total_kpis": 6, "quality_score": 88.4, "training_compliance": 88.0,
                    "document_efficiency": 73.0, "overall_score": 83.1, "overall_status": "good"},
        "departments": copy.deepcopy(DEPARTMENTS),
        "quality_trends": copy.deepcopy(QUALITY_TRENDS),
        "workflow_analysis": copy.deepcopy(WORKFLOW),
        "compliance_status": [
            {"department": d["name"], "completion_rate": d["training_completion"] / 100, "target": 0.9,
             "meets_target": d["training_completion"] >= 90, "overdue": d["overdue_training"]}
            for d in DEPARTMENTS
        ],
    }


def build_report_context(
    *,
    spec: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    missing_sources: list[SourceFailure] | None = None,
    title: str | None = None,
    requested_by: str = UNICODE_NAME,
    parameter_lines: list[tuple[str, str]] | None = None,
) -> ReportContext:
    spec = copy.deepcopy(spec if spec is not None else DEMO_SPEC)
    return ReportContext(
        title=title if title is not None else spec.get("title", "Report"),
        spec=spec,
        report=parse_spec(spec),
        parameters={"period_start": date(2026, 10, 1), "period_end": date(2026, 10, 31), "department": "All"},
        parameter_lines=parameter_lines if parameter_lines is not None else [
            ("Period", "1 Oct 2026 – 31 Oct 2026"), ("Department", "All")],
        generated_at=datetime(2026, 11, 3, 9, 30, tzinfo=ZoneInfo("Europe/Berlin")),
        requested_by=requested_by,
        data=data if data is not None else demo_data(),
        missing_sources=list(missing_sources or []),
        job_id="job-0001",
    )


def table_spec(rows_path: str = "rows", columns: int = 5, **extra: Any) -> dict[str, Any]:
    """A spec with one long table (used for pagination tests and the benchmark)."""
    formats = ["", "#,##0", "0.00", "yyyy-mm-dd", "0.0%"]
    cols = [{"field": f"c{i}", "label": f"Column {i}", **({"format": formats[i % 5]} if formats[i % 5] else {})}
            for i in range(columns)]
    return {"title": "Long table", "sections": [{"type": "table", "title": "Rows", "data": rows_path,
                                                  "columns": cols, **extra}]}


def table_rows(count: int) -> list[dict[str, Any]]:
    return [{"c0": f"Row {i:06d} item", "c1": i * 7, "c2": i / 3, "c3": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}",
             "c4": (i % 100) / 100} for i in range(count)]


# demo/content/ (not demo.loader.CONTENT_DIR: the benchmarks import this module without Django set up)
DEMO_CONTENT = Path(__file__).resolve().parents[4] / "demo" / "content"


def demo_template_spec(slug: str) -> dict[str, Any]:
    """The spec of a shipped demo template (demo/content/<slug>.json)."""
    return json.loads((DEMO_CONTENT / f"{slug}.json").read_text(encoding="utf-8"))["spec"]


def demo_template_context(slug: str, start: date = date(2026, 10, 1), end: date = date(2026, 12, 31)) -> ReportContext:
    """A context for a demo template with its processors run over the demo API's data, as a job would."""
    spec = demo_template_spec(slug)
    sources = {s["source"]: demo_payload(s["source"], start=start, end=end, department=None)
               for s in spec["sources"]}
    data = run_processors(names=spec["processors"], sources=sources, parameters={}).data
    return build_report_context(spec=spec, data=data)
