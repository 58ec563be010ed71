"""What a processor returns, and defensive readers for untrusted source payloads."""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reporting.pipeline.datapath import ABSENT_KEY
from templates_app.spec_metrics import MetricBook

__all__ = ["ABSENT_KEY", "ProcessorInputs", "ProcessorOutput"]


@dataclass(frozen=True)
class ProcessorInputs:
    """What every processor reads: the collected sources and the template's own definitions."""

    sources: Mapping[str, Any]
    parameters: Mapping[str, Any] = field(default_factory=dict)
    metrics: MetricBook = MetricBook()
    # Source name -> why it could not be collected (the collector's reason, e.g. "HTTP 404 Not Found").
    failures: Mapping[str, str] = field(default_factory=dict)
    # The sources the template lists; None when unknown (sample data): then every given source counts.
    declared: frozenset[str] | None = None

    def declares(self, source: str) -> bool:
        return source in self.sources if self.declared is None else source in self.declared

    def missing_text(self, source: str, topic: str) -> str:
        """Why a source's figures are absent, for the reader: "Training data is missing: …"."""
        reason = self.failures.get(source)
        if not reason:
            return f"{topic} data is missing: {source} gave nothing."
        said = f"{source} answered {reason}" if reason.startswith("HTTP ") else f"{source}: {reason}"
        return f"{topic} data is missing: {said}."


@dataclass
class ProcessorOutput:
    data: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # Data key -> why it is absent (reader text); the report shows it where the section would be.
    absent: dict[str, str] = field(default_factory=dict)


def unwrap(payload: Any) -> Any:
    """Sources answer either ``{"data": {...}}`` or the object itself."""
    if isinstance(payload, dict) and isinstance(payload.get("data"), dict):
        return payload["data"]
    return payload


def source_object(inputs: ProcessorInputs, source: str, *, processor: str, topic: str, keys: tuple[str, ...],
                  out: ProcessorOutput) -> dict[str, Any] | None:
    """The source's payload as an object, or None: then a warning for the job page and, for each of
    the processor's data ``keys``, the reason in the reader's words."""
    if inputs.sources.get(source) is None:
        out.warnings.append(f"{processor}: source '{source}' is missing; {', '.join(keys)} are left out")
        out.absent.update({key: inputs.missing_text(source, topic) for key in keys})
        return None
    data = unwrap(inputs.sources[source])
    if not isinstance(data, dict):
        out.warnings.append(f"{processor}: '{source}' should be an object, got {type(data).__name__}")
        out.absent.update({key: f"{topic} data could not be read: {source} sent no object." for key in keys})
        return None
    return data


def no_data_reason(data: Mapping[str, Any]) -> str | None:
    """A source's own word that the period has no data (the demo API's "no_data_reason")."""
    reason = data.get("no_data_reason")
    return str(reason) if isinstance(reason, str) and reason else None


def number(value: Any) -> float | None:
    """A finite real number, or None for null/bool/text (bool is an int in Python but never a metric).

    JSON sources may send NaN, Infinity or integers past float range: none of them is a measurement.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        result = float(value)
    except OverflowError:
        return None
    return result if math.isfinite(result) else None


def as_int_if_whole(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def overall_status(score: float) -> str:  # the seed bands (kpi_rows.SEED_OVERALL)
    if score >= 90:
        return "excellent"
    if score >= 75:
        return "good"
    if score >= 60:
        return "warning"
    return "critical"


def document_efficiency(approval_days: float) -> float:
    return 100 - min(approval_days * 10, 100)


def mean_of_non_zero(scores: list[float | None]) -> float | None:
    """The seed's overall score: the mean of the scores there are (None: no data) that are not zero;
    0 when every score there is, is 0; None when there is none."""
    present = [s for s in scores if s is not None]
    non_zero = [s for s in present if s > 0]
    if non_zero:
        return sum(non_zero) / len(non_zero)
    return 0.0 if present else None


def mean_of_present(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None
