"""qms.training: completion/overdue KPIs (seed rules) and compliance per department."""
from __future__ import annotations

from typing import Any

from .base import ProcessorOutput, as_int_if_whole, number, source_object

SOURCE = "training_metrics"
DEFAULT_TARGET = 90.0


def process_training(sources: dict[str, Any], parameters: dict[str, Any]) -> ProcessorOutput:
    out = ProcessorOutput()
    data = source_object(sources, SOURCE, processor="qms.training", left_out="training KPIs and compliance", out=out)
    if data is None:
        return out
    out.data["training_metrics"] = data
    out.data["training_kpis"] = training_kpis(data, out.warnings)
    out.data["compliance_status"] = compliance_status(data, parameters, out.warnings)
    return out


def training_kpis(data: dict[str, Any], warnings: list[str]) -> list[dict[str, Any]]:
    kpis = []
    rate = number(data.get("completion_rate"))
    if rate is None:
        warnings.append("qms.training: no numeric 'completion_rate'")
    else:
        kpis.append(
            {
                "name": "Training Completion Rate",
                "value": round(rate, 1),
                "unit": "%",
                "trend": "up" if rate > 85 else "down",
                "status": "excellent" if rate > 90 else "good",
            }
        )
    overdue = number(data.get("overdue_count"))
    if overdue is None:
        warnings.append("qms.training: no numeric 'overdue_count'")
    else:
        kpis.append(
            {
                "name": "Overdue Training Items",
                "value": as_int_if_whole(overdue),
                "unit": "items",
                "trend": "down" if overdue < 20 else "up",
                "status": "excellent" if overdue < 10 else "warning",
            }
        )
    return kpis


def compliance_status(data: dict[str, Any], parameters: dict[str, Any], warnings: list[str]) -> list[dict[str, Any]]:
    """Rows: department, completion_rate, target, meets_target, overdue."""
    departments = data.get("departments")
    if departments is None:
        warnings.append("qms.training: no 'departments' list; compliance status is empty")
        return []
    if not isinstance(departments, list):
        warnings.append("qms.training: 'departments' should be a list")
        return []
    default_target = number(data.get("target")) or number(parameters.get("training_target")) or DEFAULT_TARGET
    rows = []
    for index, item in enumerate(departments):
        if not isinstance(item, dict) or not item.get("name"):
            warnings.append(f"qms.training: 'departments.{index}' has no name; skipped")
            continue
        rate = number(item.get("completion_rate"))
        target = number(item.get("target")) or default_target
        overdue = number(item.get("overdue_count"))
        rows.append(
            {
                "department": str(item["name"]),
                "completion_rate": None if rate is None else round(rate, 1),
                "target": as_int_if_whole(target),
                "meets_target": rate is not None and rate >= target,
                "overdue": 0 if overdue is None else as_int_if_whole(overdue),
            }
        )
    return rows
