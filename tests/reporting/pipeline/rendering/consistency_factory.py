"""A report built by hand with every presentation case of issue 13, for the PDF-vs-workbook tests.

Sections carry the newer optional attributes (ColumnSpec.unit, ChartSection.unit/y_max/
reference_lines, a "rules" section) through small subclasses, so the renderers are tested against
the shape the spec gives them whether or not the spec module already declares those fields.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from reporting.pipeline.context import ReportContext
from templates_app.spec import ChartSection, ColumnSpec, PageSpec, Section, parse_spec


@dataclass(frozen=True)
class UnitColumn(ColumnSpec):
    unit: str = ""


@dataclass(frozen=True)
class Line:
    label: str
    value: float


@dataclass(frozen=True, kw_only=True)
class ChartWithAxis(ChartSection):
    unit: str = ""
    y_min: float | None = None
    y_max: float | None = None
    reference_lines: tuple[Any, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Rules(Section):
    type: ClassVar[str] = "rules"
    data: str
    title: str = ""


KPIS = [
    {"name": "Quality score", "value": 98.25, "unit": "%", "decimals": 1, "status": "excellent", "trend": "up",
     "direction": "higher", "previous": 96.85, "previous_label": "Oct", "change": None, "target": 95},
    {"name": "CAPA closure time", "value": 32.0, "unit": "days", "decimals": 1, "status": "warning", "trend": "up",
     "direction": "lower", "previous": 28.0, "previous_label": "Oct"},
    {"name": "Training compliance", "value": None, "unit": "%", "decimals": 1, "status": None,
     "note": "Training data is missing: training_metrics answered HTTP 404"},
    {"name": "Open CAPAs", "value": 13, "unit": "items", "status": None, "trend": "flat"},
]
DEPARTMENTS = [
    {"name": "Assembly", "quality": 98.25, "meets": True, "status": "good", "audit": None},
    {"name": "Blending", "quality": 74.6, "meets": False, "status": "warning", "audit": "2026-10-02"},
    {"name": "Coating", "quality": 66.0, "meets": False, "status": "critical", "audit": "2026-09-12"},
]
STAGES = [{"stage": "Draft", "documents": 12}, {"stage": "Review", "documents": 30},
          {"stage": "Approval", "documents": 7}]
RULES = ["Quality score (%, higher is better): excellent from 95, good from 85, warning from 70, otherwise critical.",
         "CAPA closure time (days, lower is better): good up to 30, warning up to 45, otherwise critical."]
DATA = {"kpis": KPIS, "departments": DEPARTMENTS, "stages": STAGES, "rules": RULES,
        "one": [{"name": "Assembly", "overdue": 4}]}

BASE_SPEC = {
    "title": "Consistency",
    "sections": [
        {"type": "kpis", "data": "kpis", "title": "Headline"},
        {"type": "chart", "kind": "bar", "title": "Quality by department", "data": "departments", "x": "name",
         "y": ["quality"], "y_title": "Score (%)"},
        {"type": "chart", "kind": "hbar", "title": "Documents per stage", "data": "stages", "x": "stage",
         "y": ["documents"]},
        {"type": "chart", "kind": "pie", "title": "Overdue by department", "data": "one", "x": "name",
         "y": ["overdue"]},
        {"type": "table", "title": "Departments", "data": "departments",
         "columns": [{"field": "name", "label": "Department"},
                     {"field": "quality", "label": "Quality", "format": "0.0"},
                     {"field": "meets", "label": "Meets target"}, {"field": "status", "label": "Status"},
                     {"field": "audit", "label": "Last audit", "format": "d mmm yyyy"}]},
    ],
}


def consistency_context(*, page: PageSpec = PageSpec(), data: dict[str, Any] | None = None) -> ReportContext:
    report = parse_spec(BASE_SPEC)
    kpis, bar, hbar, pie, table = report.sections
    bar = ChartWithAxis(**{**_fields(bar), "unit": "%", "reference_lines": (Line("Target", 90.0),)})
    columns = list(table.columns)
    columns[1] = UnitColumn(field=columns[1].field, label=columns[1].label, format=columns[1].format, unit="%")
    table = replace(table, columns=tuple(columns))
    sections = (kpis, Rules(data="rules"), bar, hbar, pie, table)
    report = replace(report, sections=sections, page=page)
    return ReportContext(
        title="Consistency", spec=BASE_SPEC, report=report, parameters={},
        parameter_lines=[("Period", "1 Nov 2026 – 30 Nov 2026")],
        generated_at=datetime(2026, 12, 1, 9, 0, tzinfo=ZoneInfo("Europe/Warsaw")),
        requested_by="Anna Kowalska", data=data if data is not None else DATA,
    )


def _fields(section: ChartSection) -> dict[str, Any]:
    from dataclasses import fields

    return {f.name: getattr(section, f.name) for f in fields(section)}
