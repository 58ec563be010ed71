"""Headline scores: the template's score definitions, else the seed's summary rules.

Seed (DESIGN.md): quality score = mean of every quality metric's average; training compliance =
completion rate; document efficiency = 100 - min(approval days x 10, 100); overall = mean of the
scores there are, zeros left out; bands 90/75/60. A score without data is None ("no data"): it is
left out of the overall score and gets no status.

Defined: each score is the mean of its metrics that have a value (or of its scores); the overall
score is the score named "overall_score" (else the first score made of scores).
"""
from __future__ import annotations

from dataclasses import dataclass

from templates_app.spec_metrics import MetricBook, ScoreDefinition

from .base import document_efficiency, mean_of_non_zero, mean_of_present
from .kpi_rows import (
    APPROVAL_TIME, DOCUMENT_EFFICIENCY, DOCUMENTS_CREATED, SEED_OVERALL, TRAINING_COMPLETION, TRAINING_OVERDUE,
)

QUALITY_SOURCE, TRAINING_SOURCE, DOCUMENT_SOURCE = "quality_metrics", "training_metrics", "document_metrics"
SOURCE_OF_METRIC = {TRAINING_COMPLETION: TRAINING_SOURCE, TRAINING_OVERDUE: TRAINING_SOURCE,
                    DOCUMENTS_CREATED: DOCUMENT_SOURCE, APPROVAL_TIME: DOCUMENT_SOURCE, DOCUMENT_EFFICIENCY: DOCUMENT_SOURCE}
SEED_SCORES = (
    ScoreDefinition(name="quality_score", label="Quality score", bands=SEED_OVERALL.bands),
    ScoreDefinition(name="training_compliance", label="Training compliance", bands=SEED_OVERALL.bands),
    ScoreDefinition(name="document_efficiency", label="Document efficiency", bands=SEED_OVERALL.bands),
)
SEED_SOURCE_OF_SCORE = {"quality_score": QUALITY_SOURCE, "training_compliance": TRAINING_SOURCE,
                        "document_efficiency": DOCUMENT_SOURCE}


def source_of_metric(metric: str) -> str:
    """Which built-in source a metric's value comes from (quality metrics are named by the source)."""
    return SOURCE_OF_METRIC.get(metric, QUALITY_SOURCE)


@dataclass(frozen=True)
class Score:
    definition: ScoreDefinition
    value: float | None
    sources: tuple[str, ...]  # the sources its value is made of


def overall_definition(book: MetricBook) -> ScoreDefinition:
    if not book.scores:
        return SEED_OVERALL
    named = book.score("overall_score")
    return named or next((s for s in book.scores if s.scores), SEED_OVERALL)


def defined_scores(book: MetricBook, values: dict[str, float | None]) -> list[Score]:
    """Every defined score, in the template's order, from metric values (None: the metric has no data)."""
    simple: dict[str, Score] = {}
    for score in book.scores:
        if score.metrics:
            simple[score.name] = Score(score, mean_of_present([values.get(m) for m in score.metrics]),
                                       tuple(dict.fromkeys(source_of_metric(m) for m in score.metrics)))
    result = []
    for score in book.scores:
        if score.metrics:
            result.append(simple[score.name])
            continue
        parts = [simple[name] for name in score.scores if name in simple]
        sources = tuple(dict.fromkeys(s for part in parts for s in part.sources))
        result.append(Score(score, mean_of_present([part.value for part in parts]), sources))
    return result


def seed_scores(*, quality_averages: list[float] | None, completion_rate: float | None,
                approval_days: float | None) -> list[Score]:
    """The seed's three scores and its overall; an argument of None means that source has no data."""
    quality = sum(quality_averages) / len(quality_averages) if quality_averages else None
    efficiency = document_efficiency(approval_days) if approval_days is not None else None
    scores = [Score(SEED_SCORES[0], quality, (QUALITY_SOURCE,)), Score(SEED_SCORES[1], completion_rate, (TRAINING_SOURCE,)),
              Score(SEED_SCORES[2], efficiency, (DOCUMENT_SOURCE,))]
    overall = Score(SEED_OVERALL, mean_of_non_zero([s.value for s in scores]), (QUALITY_SOURCE, TRAINING_SOURCE, DOCUMENT_SOURCE))
    return [overall, *scores]


def row_overall(book: MetricBook, values: dict[str, float | None]) -> float | None:
    """A department row's overall score by the same rule as the report's (metrics the row lacks are left out)."""
    if not book.scores:
        approval = values.get(APPROVAL_TIME)
        return mean_of_non_zero([values.get("quality_score"), values.get(TRAINING_COMPLETION),
                                 document_efficiency(approval) if approval is not None else None])
    overall = overall_definition(book)
    scores = {s.definition.name: s for s in defined_scores(book, values)}
    found = scores.get(overall.name)
    return found.value if found else None
