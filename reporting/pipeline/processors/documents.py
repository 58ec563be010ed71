"""qms.documents: document KPIs (the template's definitions, else the seed rules) and the approval
workflow by stage."""
from __future__ import annotations

from typing import Any

from .base import ProcessorInputs, ProcessorOutput, as_int_if_whole, no_data_reason, number, source_object
from .kpi_rows import APPROVAL_TIME, DOCUMENTS_CREATED, SeedKpi, kpi_row, previous_label

SOURCE = "document_metrics"
TOPIC = "Document"
KEYS = ("document_kpis", "workflow_analysis")


def process_documents(inputs: ProcessorInputs) -> ProcessorOutput:
    out = ProcessorOutput()
    data = source_object(inputs, SOURCE, processor="qms.documents", topic=TOPIC, keys=KEYS, out=out)
    if data is None:
        return out
    out.data["document_metrics"] = data
    out.data["document_kpis"] = document_kpis(data, out.warnings, inputs=inputs)
    out.data["workflow_analysis"] = workflow_analysis(data, out.warnings)
    reason = no_data_reason(data)
    if reason and not out.data["document_kpis"]:
        out.absent.update({key: reason for key in KEYS})
    return out


def document_kpis(data: dict[str, Any], warnings: list[str], *,
                  inputs: ProcessorInputs | None = None) -> list[dict[str, Any]]:
    book = inputs.metrics if inputs is not None else None
    kpis: list[dict[str, Any]] = []
    if no_data_reason(data):
        return kpis  # the source says the period has no data: the report says so, no warning per figure
    label = previous_label(data)
    created = number(data.get("documents_created"))
    if created is None:
        warnings.append("qms.documents: no numeric 'documents_created'")
    else:
        seed = SeedKpi(name="Documents Created", unit="docs", trend="up", status="good")
        kpis.append(kpi_row(key=DOCUMENTS_CREATED, value=as_int_if_whole(created), seed=seed,
                            definition=book.metric(DOCUMENTS_CREATED) if book else None,
                            previous=number(data.get("previous_documents_created")), previous_label=label))
    approval = number(data.get("average_approval_time"))
    if approval is None:
        warnings.append("qms.documents: no numeric 'average_approval_time'")
        # A card that says so, never a silent gap (nor a figure made up for it).
        seed = SeedKpi(name="Avg Approval Time", unit="days", trend=None, status=None)
        kpis.append(kpi_row(key=APPROVAL_TIME, value=None, seed=seed,
                            definition=book.metric(APPROVAL_TIME) if book else None,
                            note="The document data gives no approval time."))
    else:
        seed = SeedKpi(name="Avg Approval Time", unit="days", trend="down" if approval < 3 else "up",
                       status="excellent" if approval < 2 else "good")
        kpis.append(kpi_row(key=APPROVAL_TIME, value=approval, seed=seed,
                            definition=book.metric(APPROVAL_TIME) if book else None,
                            previous=number(data.get("previous_average_approval_time")), previous_label=label))
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
                "documents": None if count is None else as_int_if_whole(count),
                "avg_days_in_stage": days,
            }
        )
    return rows
