"""A template's metric definitions and headline scores, as typed objects (part of the parsed spec).

A template may say, per metric: its label, unit, whether higher or lower is better, a target and
the status bands; and which metrics make up each headline score. What it leaves out falls back to
the seed rules (DESIGN.md "Seed rules"), which the QMS processors apply themselves.

Bands: ``{"excellent": 95, "good": 85, "warning": 70}`` — each number is where that band starts
(higher is better: from that value up; lower is better: up to that value); anything past the last
band is "critical". A band may be left out; a metric without bands gets no status at all.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DIRECTIONS = ("higher", "lower")
BANDS = ("excellent", "good", "warning")  # best first; below the last is "critical"
STATUSES = (*BANDS, "critical")


@dataclass(frozen=True, kw_only=True)
class MetricDefinition:
    name: str
    label: str = ""
    unit: str = ""
    direction: str | None = None  # "higher" / "lower"; None: neither (a count that is just a count)
    target: float | None = None
    bands: tuple[tuple[str, float], ...] = ()  # (band, threshold), best band first
    decimals: int | None = None

    def status(self, value: float | None) -> str | None:
        """The band ``value`` falls in; None without a value or without bands."""
        if value is None or not self.bands or self.direction is None:
            return None
        for band, threshold in self.bands:
            if (value >= threshold) if self.direction == "higher" else (value <= threshold):
                return band
        return "critical"

    def assessment(self, change: float | None) -> str | None:
        """A change judged by direction: "better", "worse" or "unchanged"; None when it cannot be judged."""
        if change is None or self.direction is None:
            return None
        if change == 0:
            return "unchanged"
        return "better" if (change > 0) == (self.direction == "higher") else "worse"


@dataclass(frozen=True, kw_only=True)
class ScoreDefinition:
    """A headline score: the mean of the listed metrics (or of other scores), a percentage."""

    name: str
    label: str
    metrics: tuple[str, ...] = ()
    scores: tuple[str, ...] = ()
    bands: tuple[tuple[str, float], ...] = ()

    @property
    def as_metric(self) -> MetricDefinition:
        return MetricDefinition(name=self.name, label=self.label, unit="%", direction="higher", bands=self.bands,
                                decimals=1)


@dataclass(frozen=True)
class MetricBook:
    """Every definition of one template; ``metric(name)`` is None where the template defines nothing."""

    metrics: Mapping[str, MetricDefinition] = field(default_factory=dict)
    scores: tuple[ScoreDefinition, ...] = ()

    def metric(self, name: str) -> MetricDefinition | None:
        return self.metrics.get(name)

    def score(self, name: str) -> ScoreDefinition | None:
        return next((s for s in self.scores if s.name == name), None)

    @property
    def is_empty(self) -> bool:
        return not self.metrics and not self.scores


def parse_bands(raw: Any) -> tuple[tuple[str, float], ...]:
    if not isinstance(raw, Mapping):
        return ()
    return tuple((band, float(raw[band])) for band in BANDS if isinstance(raw.get(band), (int, float))
                 and not isinstance(raw.get(band), bool))


def parse_metric_book(raw_metrics: Any, raw_scores: Any) -> MetricBook:
    """The spec's "metrics" object and "scores" list (validated before; odd parts are skipped)."""
    metrics: dict[str, MetricDefinition] = {}
    for name, raw in (raw_metrics or {}).items() if isinstance(raw_metrics, Mapping) else ():
        if not isinstance(raw, Mapping):
            continue
        target = raw.get("target")
        decimals = raw.get("decimals")
        metrics[str(name)] = MetricDefinition(
            name=str(name), label=str(raw.get("label") or ""), unit=str(raw.get("unit") or ""),
            direction=raw.get("direction") if raw.get("direction") in DIRECTIONS else None,
            target=float(target) if isinstance(target, (int, float)) and not isinstance(target, bool) else None,
            bands=parse_bands(raw.get("bands")),
            decimals=decimals if isinstance(decimals, int) and not isinstance(decimals, bool) else None,
        )
    scores = []
    for raw in raw_scores if isinstance(raw_scores, list) else ():
        if not isinstance(raw, Mapping) or not isinstance(raw.get("name"), str):
            continue
        scores.append(ScoreDefinition(
            name=raw["name"], label=str(raw.get("label") or raw["name"].replace("_", " ").capitalize()),
            metrics=tuple(str(m) for m in raw.get("metrics") or ()), scores=tuple(str(s) for s in raw.get("scores") or ()),
            bands=parse_bands(raw.get("bands")),
        ))
    return MetricBook(metrics=metrics, scores=tuple(scores))
