"""qms.training: completion/overdue KPIs (the template's definitions, else the seed rules) and
compliance per department."""
from __future__ import annotations

from typing import Any

from .base import ProcessorInputs, ProcessorOutput, as_int_if_whole, no_data_reason, number, source_object
from .kpi_rows import TRAINING_COMPLETION, TRAINING_OVERDUE, SeedKpi, kpi_row, previous_label

SOURCE = "training_metrics"
TOPIC = "Training"
DEFAULT_TARGET = 90.0
KEYS = ("training_kpis", "compliance_status")


def process_training(inputs: ProcessorInputs) -> ProcessorOutput:
    out = ProcessorOutput()
    data = source_object(inputs, SOURCE, processor="qms.training", topic=TOPIC, keys=KEYS, out=out)
    if data is None:
        return out
    out.data["training_metrics"] = data
    out.data["training_kpis"] = training_kpis(data, out.warnings, inputs=inputs)
    out.data["compliance_status"] = compliance_status(data, inputs, out.warnings)
    reason = no_data_reason(data)
    if reason and number(data.get("completion_rate")) is None:
        out.absent.update({key: reason for key in KEYS})
    return out


def training_kpis(data: dict[str, Any], warnings: list[str], *,
                  inputs: ProcessorInputs | None = None) -> list[dict[str, Any]]:
    book = inputs.metrics if inputs is not None else None
    kpis: list[dict[str, Any]] = []
    if no_data_reason(data):
        return kpis  # the source says the period has no data: the report says so, no warning per figure
    label = previous_label(data)
    rate = number(data.get("completion_rate"))
    if rate is None:
        warnings.append("qms.training: no numeric 'completion_rate'")
    else:
        seed = SeedKpi(name="Training Completion Rate", unit="%", trend="up" if rate > 85 else "down",
                       status="excellent" if rate > 90 else "good")
        kpis.append(kpi_row(key=TRAINING_COMPLETION, value=rate, seed=seed,
                            definition=book.metric(TRAINING_COMPLETION) if book else None,
                            previous=number(data.get("previous_completion_rate")), previous_label=label))
    overdue = number(data.get("overdue_count"))
    if overdue is None:
        warnings.append("qms.training: no numeric 'overdue_count'")
    else:
        seed = SeedKpi(name="Overdue Training Items", unit="items", trend="down" if overdue < 20 else "up",
                       status="excellent" if overdue < 10 else "warning")
        kpis.append(kpi_row(key=TRAINING_OVERDUE, value=as_int_if_whole(overdue), seed=seed,
                            definition=book.metric(TRAINING_OVERDUE) if book else None,
                            previous=number(data.get("previous_overdue_count")), previous_label=label))
    return kpis


def compliance_status(data: dict[str, Any], inputs: ProcessorInputs, warnings: list[str]) -> list[dict[str, Any]]:
    """Rows: department, completion_rate, target, meets_target, overdue (None where the source has no figure)."""
    departments = data.get("departments")
    if departments is None:
        warnings.append("qms.training: no 'departments' list; compliance status is empty")
        return []
    if not isinstance(departments, list):
        warnings.append("qms.training: 'departments' should be a list")
        return []
    defined = inputs.metrics.metric(TRAINING_COMPLETION)
    default_target = (number(data.get("target")) or number(inputs.parameters.get("training_target"))
                      or (defined.target if defined else None) or DEFAULT_TARGET)
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
                "completion_rate": rate,
                "target": as_int_if_whole(target),
                "meets_target": None if rate is None else rate >= target,
                "overdue": None if overdue is None else as_int_if_whole(overdue),
            }
        )
    return rows
