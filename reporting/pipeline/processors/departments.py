"""qms.departments: one scored row per department and a ranking against the average."""
from __future__ import annotations

from typing import Any

from .base import ProcessorOutput, as_int_if_whole, document_efficiency, mean_of_non_zero, number, overall_status, unwrap

SOURCE = "department_data"
_NUMBER_FIELDS = ("quality_score", "training_completion", "overdue_training", "documents_created", "avg_approval_days")


def process_departments(sources: dict[str, Any], parameters: dict[str, Any]) -> ProcessorOutput:
    out = ProcessorOutput()
    if sources.get(SOURCE) is None:
        out.warnings.append(f"qms.departments: source '{SOURCE}' is missing; department rows are left out")
        return out
    data = unwrap(sources[SOURCE])
    items = data.get("departments") if isinstance(data, dict) else data
    if not isinstance(items, list):
        out.warnings.append(f"qms.departments: '{SOURCE}' has no list at 'departments'")
        return out
    rows = department_rows(items, out.warnings)
    out.data["departments"] = rows
    out.data["department_comparison"] = department_comparison(rows)
    return out


def department_rows(items: list[Any], warnings: list[str]) -> list[dict[str, Any]]:
    """Rows: name, quality_score, training_completion, overdue_training, documents_created,
    avg_approval_days, overall_score, status (+ last_audit when the source gives it)."""
    rows = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not item.get("name"):
            warnings.append(f"qms.departments: 'departments.{index}' has no name; skipped")
            continue
        row: dict[str, Any] = {"name": str(item["name"])}
        raw: dict[str, float | None] = {}
        for field in _NUMBER_FIELDS:
            raw[field] = number(item.get(field))
            if raw[field] is None:
                warnings.append(f"qms.departments: '{row['name']}' has no numeric '{field}'")
            row[field] = None if raw[field] is None else as_int_if_whole(round(raw[field], 1))
        # The same rule as the report summary, per department (on unrounded values).
        approval = raw["avg_approval_days"]
        score = mean_of_non_zero(
            [
                raw["quality_score"] or 0,
                raw["training_completion"] or 0,
                document_efficiency(approval) if approval is not None else 0,
            ]
        )
        row["overall_score"] = round(score, 1)
        row["status"] = overall_status(score)
        if item.get("last_audit"):
            row["last_audit"] = item["last_audit"]
        rows.append(row)
    return rows


def department_comparison(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """{"ranking": [{rank, name, overall_score, gap_to_average}], "best", "worst", "average"}."""
    if not rows:
        return {"ranking": [], "best": None, "worst": None, "average": None}
    average = sum(r["overall_score"] for r in rows) / len(rows)
    ordered = sorted(rows, key=lambda r: (-r["overall_score"], r["name"]))
    ranking = []
    for position, row in enumerate(ordered, start=1):
        # Equal scores share a rank (1, 2, 2, 4).
        rank = ranking[-1]["rank"] if ranking and ranking[-1]["overall_score"] == row["overall_score"] else position
        ranking.append(
            {
                "rank": rank,
                "name": row["name"],
                "overall_score": row["overall_score"],
                "gap_to_average": round(row["overall_score"] - average, 1),
            }
        )
    return {
        "ranking": ranking,
        "best": {"name": ordered[0]["name"], "overall_score": ordered[0]["overall_score"]},
        "worst": {"name": ordered[-1]["name"], "overall_score": ordered[-1]["overall_score"]},
        "average": round(average, 1),
    }
