"""Figures from demo facts: sums of counts, and rates as ratios of sums (never means of means).

Every figure of every demo endpoint comes from :func:`totals` over some facts followed by one of
the ``*_figures`` functions, so a department's figures, the all-department figures and each
month's series point are the same formulas over different sets of facts. A rate whose
denominator is 0 is None ("no data"), never 0.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .facts import SUMMED_FIELDS, WORKFLOW_STAGES, MonthFacts

# quality_score = 0.4 × first-pass yield + 0.3 × compliance rate + 0.3 × defect-free rate, each a %
# over the same facts (defect-free rate = 100 − defect rate); None when any part is None.
QUALITY_SCORE_WEIGHTS = {"first_pass_yield_percentage": 0.4, "compliance_rate": 0.3, "defect_free_rate": 0.3}
QUALITY_METRICS = (
    "defect_rate",
    "first_pass_yield_percentage",
    "quality_score",
    "compliance_rate",
    "capa_closure_time",
    "nonconformance_count",
)


def totals(facts: Iterable[MonthFacts]) -> dict[str, Any]:
    """Summed counts of the facts (stages as lists in WORKFLOW_STAGES order) and how many facts."""
    result: dict[str, Any] = dict.fromkeys(SUMMED_FIELDS, 0)
    result["stage_documents"] = [0] * len(WORKFLOW_STAGES)
    result["stage_days_total"] = [0] * len(WORKFLOW_STAGES)
    result["facts"] = 0
    for fact in facts:
        result["facts"] += 1
        for name in SUMMED_FIELDS:
            result[name] += getattr(fact, name)
        for index in range(len(WORKFLOW_STAGES)):
            result["stage_documents"][index] += fact.stage_documents[index]
            result["stage_days_total"][index] += fact.stage_days_total[index]
    return result


def ratio(numerator: float, denominator: float, scale: float = 1.0) -> float | None:
    return None if denominator == 0 else numerator / denominator * scale


def quality_figures(t: dict[str, Any]) -> dict[str, float | int | None]:
    """The six quality metrics over summed facts ``t``."""
    defect_rate = ratio(t["defects"], t["inspections"], 100)
    first_pass = ratio(t["units_passed_first_time"], t["units_produced"], 100)
    compliance = ratio(t["audit_checks_passed"], t["audit_checks_total"], 100)
    return {
        "defect_rate": defect_rate,
        "first_pass_yield_percentage": first_pass,
        "quality_score": quality_score(first_pass_yield=first_pass, compliance_rate=compliance, defect_rate=defect_rate),
        "compliance_rate": compliance,
        "capa_closure_time": ratio(t["capa_closure_days_total"], t["capas_closed"]),
        "nonconformance_count": t["nonconformances"] if t["facts"] else None,
    }


def quality_score(*, first_pass_yield: float | None, compliance_rate: float | None,
                  defect_rate: float | None) -> float | None:
    if first_pass_yield is None or compliance_rate is None or defect_rate is None:
        return None
    weights = QUALITY_SCORE_WEIGHTS
    return (weights["first_pass_yield_percentage"] * first_pass_yield + weights["compliance_rate"] * compliance_rate
            + weights["defect_free_rate"] * (100 - defect_rate))


def training_figures(t: dict[str, Any]) -> dict[str, float | int | None]:
    present = t["facts"] > 0
    return {
        "completion_rate": ratio(t["training_completed"], t["training_assigned"], 100),
        "overdue_count": t["training_overdue"] if present else None,
        "assigned_count": t["training_assigned"] if present else None,
        "completed_count": t["training_completed"] if present else None,
    }


def document_figures(t: dict[str, Any]) -> dict[str, Any]:
    present = t["facts"] > 0
    stages = [
        {"stage": stage, "documents": t["stage_documents"][i],
         "avg_days_in_stage": ratio(t["stage_days_total"][i], t["stage_documents"][i])}
        for i, stage in enumerate(WORKFLOW_STAGES)
    ]
    return {
        "documents_created": t["documents_created"] if present else None,
        "documents_revised": t["documents_revised"] if present else None,
        "documents_approved": t["documents_approved"] if present else None,
        "approval_days_total": t["approval_days_total"] if present else None,
        "average_approval_time": ratio(t["approval_days_total"], t["documents_approved"]),
        "workflow_stages": stages if present else [],
    }
