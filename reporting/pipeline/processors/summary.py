"""qms.summary: the report's headline scores, computed from the raw sources (see scores.py)."""
from __future__ import annotations

from typing import Any

from .base import ProcessorInputs, ProcessorOutput, no_data_reason, number, unwrap
from .documents import document_kpis
from .kpi_rows import APPROVAL_TIME, DOCUMENT_EFFICIENCY, TRAINING_COMPLETION, SeedKpi, kpi_row, shown_value
from .quality import metric_averages, quality_kpis
from .scores import (
    DOCUMENT_SOURCE, QUALITY_SOURCE, TRAINING_SOURCE, Score, defined_scores, overall_definition, seed_scores,
)
from .training import training_kpis

_SOURCES = (QUALITY_SOURCE, TRAINING_SOURCE, DOCUMENT_SOURCE)
_TOPICS = {QUALITY_SOURCE: "Quality", TRAINING_SOURCE: "Training", DOCUMENT_SOURCE: "Document"}
DEFAULT_APPROVAL_DAYS = 5.0  # the seed's assumption when a document source gives no approval time


def process_summary(inputs: ProcessorInputs) -> ProcessorOutput:
    out = ProcessorOutput()
    declared = [name for name in _SOURCES if inputs.declares(name)]
    present = {name: unwrap(inputs.sources[name]) for name in declared if inputs.sources.get(name) is not None}
    present = {name: data for name, data in present.items() if isinstance(data, dict)}
    if not declared:
        out.warnings.append("qms.summary: the template lists none of quality_metrics, training_metrics, document_metrics")
        return out
    for name in declared:
        if name not in present:
            out.warnings.append(f"qms.summary: '{name}' is missing; its score has no data and is left out of overall")

    ignored: list[str] = []  # KPI warnings belong to the KPI processors, not to the summary
    values: dict[str, float | None] = {}
    total_kpis = 0
    quality = present.get(QUALITY_SOURCE)
    if quality is not None:
        metrics = quality.get("metrics") if isinstance(quality.get("metrics"), dict) else {}
        total_kpis += len(quality_kpis(metrics, ignored))
        values.update(metric_averages(metrics))
    training = present.get(TRAINING_SOURCE)
    if training is not None:
        total_kpis += len(training_kpis(training, ignored))
        values[TRAINING_COMPLETION] = number(training.get("completion_rate"))
    documents = present.get(DOCUMENT_SOURCE)
    if documents is not None:
        total_kpis += len(document_kpis(documents, ignored))
        approval = number(documents.get("average_approval_time"))
        if approval is None and not no_data_reason(documents) and not inputs.metrics.scores:
            # The seed's assumption (templates without definitions only); the report's notes say so.
            out.warnings.append(f"qms.summary: no approval time; document efficiency assumes {DEFAULT_APPROVAL_DAYS:g} days")
            out.data["summary_assumptions"] = [
                f"Document efficiency assumes {DEFAULT_APPROVAL_DAYS:g} days' approval time: "
                "the document data gives none."]
            approval = DEFAULT_APPROVAL_DAYS
        values[APPROVAL_TIME] = approval
        values[DOCUMENT_EFFICIENCY] = None if approval is None else 100 - min(approval * 10, 100)

    if inputs.metrics.scores:
        scores = defined_scores(inputs.metrics, values)
    else:
        scores = seed_scores(quality_averages=list(metric_averages(quality.get("metrics") or {}).values())
                             if quality is not None and isinstance(quality.get("metrics"), dict) else None,
                             completion_rate=values.get(TRAINING_COMPLETION), approval_days=values.get(APPROVAL_TIME))
    # Only scores made of sources the template lists: a training report says nothing of quality.
    scores = [s for s in scores if any(inputs.declares(source) for source in s.sources)]
    overall = overall_definition(inputs.metrics)
    summary: dict[str, Any] = {"total_kpis": total_kpis}
    summary.update({s.definition.name: s.value for s in scores})
    overall_score = next((s for s in scores if s.definition.name == overall.name), None)
    value = overall_score.value if overall_score else None
    summary["overall_status"] = overall.as_metric.status(
        shown_value(value, 1) if inputs.metrics.scores else value)
    out.data["summary"] = summary
    out.data["summary_kpis"] = [score_row(s, inputs) for s in scores]
    return out


def score_row(score: Score, inputs: ProcessorInputs) -> dict[str, Any]:
    note = None
    if score.value is None:
        lacking = [s for s in score.sources if inputs.declares(s) and inputs.sources.get(s) is None]
        note = (inputs.missing_text(lacking[0], _TOPICS[lacking[0]]) if lacking
                else f"No data for {score.definition.label.lower()} in this period.")
    seed = SeedKpi(name=score.definition.label, unit="%", trend=None, status=None)
    # The seed bands its scores on the exact value; a template's bands apply to the value as shown.
    return kpi_row(key=score.definition.name, value=score.value, seed=seed, definition=score.definition.as_metric,
                   note=note, band_shown=bool(inputs.metrics.scores))
