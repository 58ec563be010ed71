"""The rules printed in the report, written from the rules applied (definitions or seed), and notes
about the data the report is made of. Reader-facing sentences; a "rules" section shows them."""
from __future__ import annotations

from datetime import date
from typing import Any

from templates_app.spec_metrics import MetricBook, MetricDefinition, ScoreDefinition

from .base import ProcessorInputs, unwrap
from .kpi_rows import APPROVAL_TIME, DOCUMENT_EFFICIENCY, SEED_OVERALL, SEED_QUALITY_BANDS, TRAINING_COMPLETION, TRAINING_OVERDUE
from .quality import SOURCE as QUALITY_SOURCE
from .quality import seed_status_applies
from .scores import overall_definition

_TOPICS = {"quality_metrics": "Quality", "training_metrics": "Training", "document_metrics": "Document",
           "department_data": "Department"}


def _number(value: float, unit: str = "") -> str:
    # Exact up to 4 decimals: a threshold printed rounded would not be the threshold applied.
    text = f"{value:,.4f}".rstrip("0").rstrip(".")
    return f"{text} %" if unit == "%" else f"{text} {unit}".rstrip()


def bands_text(bands: tuple[tuple[str, float], ...], direction: str | None, unit: str = "") -> str:
    if not bands:
        return "no status"
    word = "from" if direction != "lower" else "up to"
    return ", ".join(f"{band} {word} {_number(value, unit)}" for band, value in bands) + ", otherwise critical"


def metric_line(definition: MetricDefinition, fallback_label: str) -> str:
    label = definition.label or fallback_label
    about = ", ".join(p for p in (definition.unit, f"{definition.direction} is better" if definition.direction else "") if p)
    text = f"{label}{f' ({about})' if about else ''}: {bands_text(definition.bands, definition.direction, definition.unit)}"
    if definition.target is not None:
        text += f"; target {_number(definition.target, definition.unit)}"
    return text + "."


def score_line(score: ScoreDefinition, book: MetricBook, *, is_overall: bool, printed: frozenset[str] = frozenset()) -> str:
    single = book.metric(score.metrics[0]) if len(score.metrics) == 1 and score.metrics[0] in printed else None
    if single is not None and single.bands == score.bands:
        return f"Headline {score.label.lower()}: the {(single.label or single.name).lower()} figure, with the same bands."
    if score.metrics:
        parts = [_metric_words(book, m) for m in score.metrics]
    else:
        parts = [(book.score(s).label if book.score(s) else s) for s in score.scores]
    if len(parts) == 1:
        made_of = f"the {parts[0].lower()} figure"
    else:
        made_of = f"the mean of {', '.join(p.lower() for p in parts[:-1])} and {parts[-1].lower()} (those with data)"
    text = f"Headline {score.label.lower()}: {made_of}; {bands_text(score.bands, 'higher', '%')}."
    return text + (" Departments are rated by the same rule." if is_overall else "")


def _metric_words(book: MetricBook, metric: str) -> str:
    label = book.metric(metric).label if book.metric(metric) and book.metric(metric).label else metric.replace("_", " ")
    if metric == DOCUMENT_EFFICIENCY:  # derived, not shown as a KPI: say how it is made
        return f"{label} (100 − 10 × the average approval days, at least 0)"
    return label


def rules_lines(inputs: ProcessorInputs, names: list[str]) -> list[str]:
    book = inputs.metrics
    lines: list[str] = []
    if "qms.quality" in names:
        lines += _quality_lines(inputs)
    if "qms.training" in names:
        lines += [metric_line(book.metric(TRAINING_COMPLETION), "Training completion")
                  if book.metric(TRAINING_COMPLETION) else "Training completion: excellent above 90 %, otherwise good.",
                  metric_line(book.metric(TRAINING_OVERDUE), "Overdue training items")
                  if book.metric(TRAINING_OVERDUE) else "Overdue training items: excellent below 10, otherwise warning."]
    if "qms.documents" in names:
        lines.append(metric_line(book.metric(APPROVAL_TIME), "Average approval time") if book.metric(APPROVAL_TIME)
                     else "Average approval time: excellent below 2 days, otherwise good.")
    if "qms.summary" in names:
        lines += _score_lines(book, _printed_metrics(inputs, names))
    seed = _seed_figures(inputs, names)
    if book.metrics:
        lines.append("Changes are against the previous period: ▲ or ▼ shows the direction, green better and red worse. "
                     "A defined status is set on the figure as shown (rounded half up).")
    if seed:
        lines += _seed_trend_lines(seed)
        lines.append(f"{_join(seed)}: the QMS default rules, status set on the unrounded figure.")
    lines.append("A figure without data shows “no data”, gets no status and is left out of every score.")
    return lines


def _quality_metric_names(inputs: ProcessorInputs) -> list[str] | None:
    """The metric names the quality source answered with; None when it sent no metrics object."""
    payload = unwrap(inputs.sources.get(QUALITY_SOURCE))
    metrics = payload.get("metrics") if isinstance(payload, dict) else None
    return [str(n) for n in metrics] if isinstance(metrics, dict) else None


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def _seed_figures(inputs: ProcessorInputs, names: list[str]) -> list[str]:
    """Which groups of figures follow the seed rules (the template defines nothing for them)."""
    book, groups = inputs.metrics, []
    if "qms.quality" in names:
        metrics = _quality_metric_names(inputs)
        if metrics is None or any(not book.metric(n) for n in metrics):
            groups.append("Quality metrics")
    if "qms.training" in names and not (book.metric(TRAINING_COMPLETION) and book.metric(TRAINING_OVERDUE)):
        groups.append("Training figures")
    if "qms.documents" in names and not book.metric(APPROVAL_TIME):
        groups.append("Document figures")
    if "qms.summary" in names and not book.scores:
        groups.append("Headline scores")
    return groups


def _seed_trend_lines(groups: list[str]) -> list[str]:
    """The seed's trend rules, as the seed applies them (thresholds, not the change)."""
    lines = []
    if "Quality metrics" in groups:
        lines.append("Quality metric trend: up when more than 5 % above the previous period's figure, "
                     "down when more than 5 % below, otherwise flat.")
    if "Training figures" in groups:
        lines.append("Training trend: completion up above 85 %, otherwise down; overdue items down below 20, "
                     "otherwise up.")
    if "Document figures" in groups:
        lines.append("Document trend: documents created up; approval time down below 3 days, otherwise up.")
    return lines


def headline_lines(inputs: ProcessorInputs, names: list[str]) -> list[str]:
    """The rule behind the headline, short enough for the first page; the full list is in ``rules``."""
    if "qms.summary" not in names:
        return []
    book = inputs.metrics
    overall = overall_definition(book)
    line = (score_line(overall, book, is_overall=True) if book.scores and (overall.scores or overall.metrics)
            else _score_lines(book)[-1])
    return [line.removeprefix("Headline ")[:1].upper() + line.removeprefix("Headline ")[1:] if line.startswith("Headline ") else line,
            "Every other threshold is listed under “How statuses are set”."]


def _quality_lines(inputs: ProcessorInputs) -> list[str]:
    book = inputs.metrics
    metrics = _quality_metric_names(inputs)
    names = metrics if metrics is not None else list(book.metrics)
    lines = [metric_line(book.metric(n), n.replace("_", " ").capitalize()) for n in names if book.metric(n)]
    undefined = [n for n in names if not book.metric(n)]
    if undefined or not names:
        banded = [n for n in undefined if seed_status_applies(n)]
        others = [n for n in undefined if not seed_status_applies(n)]
        if banded or not names:
            lines.append(f"Quality and compliance metrics: {bands_text(SEED_QUALITY_BANDS, 'higher', '%')}.")
        if others:
            lines.append(f"{', '.join(n.replace('_', ' ').capitalize() for n in others)}: no threshold; shown as good.")
    return lines


def _printed_metrics(inputs: ProcessorInputs, names: list[str]) -> frozenset[str]:
    """The defined metrics whose own rule line the report prints (those shown as KPIs)."""
    printed = set()
    if "qms.quality" in names:
        metrics = _quality_metric_names(inputs)
        printed |= set(metrics) if metrics is not None else set(inputs.metrics.metrics)
    if "qms.training" in names:
        printed |= {TRAINING_COMPLETION, TRAINING_OVERDUE}
    if "qms.documents" in names:
        printed.add(APPROVAL_TIME)
    return frozenset(n for n in printed if inputs.metrics.metric(n))


def _score_lines(book: MetricBook, printed: frozenset[str] = frozenset()) -> list[str]:
    if not book.scores:
        return [
            "Quality score: the mean of every quality metric's average. Training compliance: the completion rate. "
            "Document efficiency: 100 − 10 × the average approval days (at least 0).",
            f"Overall score: the mean of the headline scores that have data; {bands_text(SEED_OVERALL.bands, 'higher', '%')}"
            " — the same bands for each headline score. Departments are rated by the same rule.",
        ]
    overall = overall_definition(book)
    return [score_line(s, book, is_overall=s.name == overall.name, printed=printed)
            for s in book.scores if s.metrics or s.scores]


def _human(iso: Any) -> str | None:
    try:
        day = date.fromisoformat(str(iso))
    except ValueError:
        return None
    return f"{day.day} {day:%b %Y}"


def data_notes(inputs: ProcessorInputs, declared: list[str]) -> list[str]:
    """What the reader should know about the data: how far it reaches, what is missing."""
    notes: list[str] = []
    for source in declared:
        payload = unwrap(inputs.sources.get(source))
        if payload is None:
            notes.append(inputs.missing_text(source, _TOPICS.get(source, source.replace("_", " ").capitalize())))
            continue
        if not isinstance(payload, dict):
            continue
        coverage, period = payload.get("coverage"), payload.get("period")
        if not isinstance(coverage, dict):
            continue
        if coverage.get("through") is None:
            notes.append(str(payload.get("no_data_reason") or "No data for this period."))
        elif not coverage.get("complete") and isinstance(period, dict):
            since, start = _human(coverage.get("from")), _human(period.get("start"))
            through, end = _human(coverage.get("through")), _human(period.get("end"))
            if since and start and since != start:
                notes.append(f"Data from {since}: the period starts {start}; there is no data before {since}.")
            if through and end and through != end:
                notes.append(f"Data through {through}: the period runs to {end}; there is no data after {through}.")
    notes = list(dict.fromkeys(notes))
    return notes or ["Every data source answered, for the whole period."]
