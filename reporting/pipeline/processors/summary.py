"""qms.summary: the report's headline scores (seed rules), computed from the raw sources."""
from __future__ import annotations

from typing import Any

from .base import ProcessorOutput, document_efficiency, mean_of_non_zero, number, overall_status, unwrap
from .documents import document_kpis
from .quality import quality_kpis
from .training import training_kpis

_SOURCES = ("quality_metrics", "training_metrics", "document_metrics")
DEFAULT_APPROVAL_DAYS = 5.0  # the seed's assumption when a document source gives no approval time


def process_summary(sources: dict[str, Any], parameters: dict[str, Any]) -> ProcessorOutput:
    out = ProcessorOutput()
    present = {name: unwrap(sources[name]) for name in _SOURCES if sources.get(name) is not None}
    present = {name: data for name, data in present.items() if isinstance(data, dict)}
    if not present:
        out.warnings.append("qms.summary: none of quality_metrics, training_metrics, document_metrics is available")
        return out
    for name in _SOURCES:
        if name not in present:
            out.warnings.append(f"qms.summary: '{name}' is missing; its score counts as 0 and is left out of overall")

    ignored: list[str] = []  # KPI warnings belong to the KPI processors, not to the summary
    total_kpis = 0
    quality_score = 0.0
    if "quality_metrics" in present:
        metrics = present["quality_metrics"].get("metrics")
        metrics = metrics if isinstance(metrics, dict) else {}
        total_kpis += len(quality_kpis(metrics, ignored))
        averages = [number(m.get("average")) for m in metrics.values() if isinstance(m, dict)]
        averages = [a for a in averages if a is not None]
        quality_score = sum(averages) / len(averages) if averages else 0.0
    training_compliance = 0.0
    if "training_metrics" in present:
        total_kpis += len(training_kpis(present["training_metrics"], ignored))
        training_compliance = number(present["training_metrics"].get("completion_rate")) or 0.0
    efficiency = 0.0
    if "document_metrics" in present:
        total_kpis += len(document_kpis(present["document_metrics"], ignored))
        approval = number(present["document_metrics"].get("average_approval_time"))
        if approval is None:
            out.warnings.append(f"qms.summary: no approval time; document efficiency assumes {DEFAULT_APPROVAL_DAYS:g} days")
            approval = DEFAULT_APPROVAL_DAYS
        efficiency = document_efficiency(approval)

    overall = mean_of_non_zero([quality_score, training_compliance, efficiency])
    out.data["summary"] = {
        "total_kpis": total_kpis,
        "quality_score": round(quality_score, 1),
        "training_compliance": round(training_compliance, 1),
        "document_efficiency": round(efficiency, 1),
        "overall_score": round(overall, 1),
        "overall_status": overall_status(overall),
    }
    out.data["summary_kpis"] = summary_kpis(out.data["summary"])
    return out


def summary_kpis(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The headline scores as KPI rows for the first page. The seed bands only the overall score
    (90/75/60); the component scores are out of 100 too and are banded the same way. A score of 0
    means its source was missing, so it gets no status rather than "critical"."""
    rows = []
    for key, name in (("overall_score", "Overall score"), ("quality_score", "Quality score"),
                      ("training_compliance", "Training compliance"), ("document_efficiency", "Document efficiency")):
        score = summary[key]
        rows.append({"name": name, "value": score, "unit": "%",
                     "status": overall_status(score) if score > 0 else None})
    return rows
