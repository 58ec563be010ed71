"""What a processor returns, and defensive readers for untrusted source payloads."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ProcessorOutput:
    data: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def unwrap(payload: Any) -> Any:
    """Sources answer either ``{"data": {...}}`` or the object itself."""
    if isinstance(payload, dict) and isinstance(payload.get("data"), dict):
        return payload["data"]
    return payload


def source_object(sources: dict[str, Any], source: str, *, processor: str, left_out: str,
                  out: ProcessorOutput) -> dict[str, Any] | None:
    """The source's payload as an object, or None with a warning that says what the report lacks."""
    if sources.get(source) is None:
        out.warnings.append(f"{processor}: source '{source}' is missing; {left_out} are left out")
        return None
    data = unwrap(sources[source])
    if not isinstance(data, dict):
        out.warnings.append(f"{processor}: '{source}' should be an object, got {type(data).__name__}")
        return None
    return data


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


def overall_status(score: float) -> str:
    if score >= 90:
        return "excellent"
    if score >= 75:
        return "good"
    if score >= 60:
        return "warning"
    return "critical"


def document_efficiency(approval_days: float) -> float:
    return 100 - min(approval_days * 10, 100)


def mean_of_non_zero(scores: list[float]) -> float:
    present = [s for s in scores if s > 0]
    return sum(present) / len(present) if present else 0.0
