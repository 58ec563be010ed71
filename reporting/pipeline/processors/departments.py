"""qms.departments: one scored row per department and a ranking against the average."""
from __future__ import annotations

from typing import Any

from .base import ProcessorInputs, ProcessorOutput, as_int_if_whole, document_efficiency, number, source_object
from .kpi_rows import (
    APPROVAL_TIME, DOCUMENT_EFFICIENCY, DOCUMENTS_CREATED, TRAINING_COMPLETION, TRAINING_OVERDUE, shown_value,
)
from .scores import overall_definition, row_overall

SOURCE = "department_data"
TOPIC = "Department"
KEYS = ("departments", "department_comparison")
_NUMBER_FIELDS = ("quality_score", "training_completion", "overdue_training", "documents_created", "avg_approval_days")
# Row field -> the metric it measures, so a row is scored by the same rule as the report's headline.
_METRIC_OF_FIELD = {"quality_score": "quality_score", "training_completion": TRAINING_COMPLETION,
                    "overdue_training": TRAINING_OVERDUE, "documents_created": DOCUMENTS_CREATED,
                    "avg_approval_days": APPROVAL_TIME}
# Weights and counts a source may add so rows can be re-aggregated; passed through as they are.
_PASSED_THROUGH = ("open_capas", "last_audit", "inspections", "training_assigned", "documents_approved")


def process_departments(inputs: ProcessorInputs) -> ProcessorOutput:
    out = ProcessorOutput()
    data = source_object(inputs, SOURCE, processor="qms.departments", topic=TOPIC, keys=KEYS, out=out)
    if data is None:
        return out
    items = data.get("departments")
    if not isinstance(items, list):
        out.warnings.append(f"qms.departments: '{SOURCE}' has no list at 'departments'")
        out.absent.update({key: f"{TOPIC} data could not be read: {SOURCE} sent no department list." for key in KEYS})
        return out
    rows = department_rows(items, out.warnings, inputs=inputs)
    out.data["departments"] = rows
    out.data["department_comparison"] = department_comparison(rows)
    if not rows and isinstance(data.get("no_data_reason"), str):
        out.absent.update({key: data["no_data_reason"] for key in KEYS})
    return out


def department_rows(items: list[Any], warnings: list[str], *, inputs: ProcessorInputs) -> list[dict[str, Any]]:
    """Rows: name, the number fields (full precision; None: no data), overall_score, status."""
    overall = overall_definition(inputs.metrics).as_metric
    rows = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not item.get("name"):
            warnings.append(f"qms.departments: 'departments.{index}' has no name; skipped")
            continue
        row: dict[str, Any] = {"name": str(item["name"])}
        values: dict[str, float | None] = {}
        for field in _NUMBER_FIELDS:
            value = number(item.get(field))
            if value is None:
                warnings.append(f"qms.departments: '{row['name']}' has no numeric '{field}'")
            row[field] = None if value is None else as_int_if_whole(value)
            values[_METRIC_OF_FIELD[field]] = value
        # A defined metric the row gives under its own name (e.g. first_pass_yield_percentage) counts too,
        # so a row is scored from the same metrics as the headline wherever the source has them.
        for metric in inputs.metrics.metrics:
            if metric not in values and number(item.get(metric)) is not None:
                values[metric] = number(item.get(metric))
        approval = values[APPROVAL_TIME]
        values[DOCUMENT_EFFICIENCY] = document_efficiency(approval) if approval is not None else None
        score = row_overall(inputs.metrics, values)
        row["overall_score"] = score
        # The seed bands the exact score; defined bands apply to the score as shown (one decimal).
        row["status"] = overall.status(shown_value(score, 1) if inputs.metrics.scores else score)
        for field in _PASSED_THROUGH:
            if item.get(field) is not None:
                row[field] = item[field]
        rows.append(row)
    return rows


def department_comparison(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """{"ranking": [{rank, name, overall_score, gap_to_average}], "best", "worst", "average"}; rows
    without an overall score are not ranked."""
    scored = [r for r in rows if r["overall_score"] is not None]
    if not scored:
        return {"ranking": [], "best": None, "worst": None, "average": None}
    average = sum(r["overall_score"] for r in scored) / len(scored)
    ordered = sorted(scored, key=lambda r: (-r["overall_score"], r["name"]))
    ranking = []
    for position, row in enumerate(ordered, start=1):
        # Equal scores share a rank (1, 2, 2, 4).
        rank = ranking[-1]["rank"] if ranking and ranking[-1]["overall_score"] == row["overall_score"] else position
        ranking.append({"rank": rank, "name": row["name"], "overall_score": row["overall_score"],
                        "gap_to_average": row["overall_score"] - average})
    return {
        "ranking": ranking,
        "best": {"name": ordered[0]["name"], "overall_score": ordered[0]["overall_score"]},
        "worst": {"name": ordered[-1]["name"], "overall_score": ordered[-1]["overall_score"]},
        "average": average,
    }
