"""qms.documents: document KPIs (seed rules) and the approval workflow by stage."""
from __future__ import annotations

from typing import Any

from .base import ProcessorOutput, as_int_if_whole, number, source_object

SOURCE = "document_metrics"


def process_documents(sources: dict[str, Any], parameters: dict[str, Any]) -> ProcessorOutput:
    out = ProcessorOutput()
    data = source_object(sources, SOURCE, processor="qms.documents", left_out="document KPIs and workflow", out=out)
    if data is None:
        return out
    out.data["document_metrics"] = data
    out.data["document_kpis"] = document_kpis(data, out.warnings)
    out.data["workflow_analysis"] = workflow_analysis(data, out.warnings)
    return out


def document_kpis(data: dict[str, Any], warnings: list[str]) -> list[dict[str, Any]]:
    kpis = []
    created = number(data.get("documents_created"))
    if created is None:
        warnings.append("qms.documents: no numeric 'documents_created'")
    else:
        kpis.append(
            {"name": "Documents Created", "value": as_int_if_whole(created), "unit": "docs", "trend": "up", "status": "good"}
        )
    approval = number(data.get("average_approval_time"))
    if approval is None:
        warnings.append("qms.documents: no numeric 'average_approval_time'")
    else:
        kpis.append(
            {
                "name": "Avg Approval Time",
                "value": round(approval, 1),
                "unit": "days",
                "trend": "down" if approval < 3 else "up",
                "status": "excellent" if approval < 2 else "good",
            }
        )
    return kpis


def workflow_analysis(data: dict[str, Any], warnings: list[str]) -> list[dict[str, Any]]:
    """Rows: stage, documents, avg_days_in_stage — in the order the source lists the stages."""
    stages = data.get("workflow_stages")
    if stages is None:
        warnings.append("qms.documents: no 'workflow_stages'; workflow analysis is empty")
        return []
    if isinstance(stages, dict):  # {"Draft": {...}, ...} is accepted too
        stages = [{"stage": key, **value} if isinstance(value, dict) else {"stage": key} for key, value in stages.items()]
    if not isinstance(stages, list):
        warnings.append("qms.documents: 'workflow_stages' should be a list")
        return []
    rows = []
    for index, item in enumerate(stages):
        if not isinstance(item, dict) or not item.get("stage"):
            warnings.append(f"qms.documents: 'workflow_stages.{index}' has no stage; skipped")
            continue
        count = number(item.get("documents"))
        days = number(item.get("avg_days_in_stage"))
        rows.append(
            {
                "stage": str(item["stage"]),
                "documents": 0 if count is None else as_int_if_whole(count),
                "avg_days_in_stage": None if days is None else round(days, 1),
            }
        )
    return rows
