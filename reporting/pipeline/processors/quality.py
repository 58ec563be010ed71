"""qms.quality: quality metric KPIs (the template's definitions, else the seed rules) and per-period trends."""
from __future__ import annotations

from typing import Any

from .base import ProcessorInputs, ProcessorOutput, no_data_reason, number, source_object
from .kpi_rows import SEED_QUALITY_BANDS, SeedKpi, kpi_row, previous_label

SOURCE = "quality_metrics"
TOPIC = "Quality"
MAX_KPIS = 6
KEYS = ("kpis", "quality_trends")


def process_quality(inputs: ProcessorInputs) -> ProcessorOutput:
    out = ProcessorOutput()
    data = source_object(inputs, SOURCE, processor="qms.quality", topic=TOPIC, keys=KEYS, out=out)
    if data is None:
        return out
    metrics = data.get("metrics")
    if not isinstance(metrics, dict):
        out.warnings.append(f"qms.quality: '{SOURCE}' has no object at 'metrics'")
        metrics = {}
    out.data["quality_metrics"] = data
    out.data["kpis"] = quality_kpis(metrics, out.warnings, inputs=inputs, previous_label=previous_label(data))
    out.data["quality_trends"] = quality_trends(metrics, out.warnings)
    reason = no_data_reason(data)
    if reason and not out.data["kpis"]:
        out.absent.update({key: reason for key in KEYS})
    return out


def metric_averages(metrics: dict[str, Any]) -> dict[str, float]:
    """Each metric's numeric average by name (the values KPIs and headline scores are made of)."""
    averages = {}
    for name, metric in metrics.items():
        average = number(metric.get("average")) if isinstance(metric, dict) else None
        if average is not None:
            averages[str(name)] = average
    return averages


def quality_kpis(metrics: dict[str, Any], warnings: list[str], *, inputs: ProcessorInputs | None = None,
                 previous_label: str | None = None) -> list[dict[str, Any]]:
    book = inputs.metrics if inputs is not None else None
    kpis = []
    for name, metric in metrics.items():
        name = str(name)
        average = number(metric.get("average")) if isinstance(metric, dict) else None
        if average is None:
            warnings.append(f"qms.quality: metric '{name}' has no numeric 'average'; no KPI for it")
            continue
        previous = number(metric.get("previous_average"))
        seed = SeedKpi(name=name.replace("_", " ").title(), unit=metric_unit(name),
                       trend=metric_trend(average, previous), status=metric_status(name, average))
        kpis.append(kpi_row(key=name, value=average, seed=seed, definition=book.metric(name) if book else None,
                            previous=previous, previous_label=previous_label))
    return kpis[:MAX_KPIS]


def metric_unit(name: str) -> str:
    lowered = name.lower()
    if "percentage" in lowered or "rate" in lowered:
        return "%"
    if "time" in lowered:
        return "days"
    if "count" in lowered:
        return "items"
    return ""


def metric_trend(current: float, previous: float | None) -> str:
    if previous is None:
        previous = current
    if current > previous * 1.05:
        return "up"
    if current < previous * 0.95:
        return "down"
    return "flat"


def seed_status_applies(name: str) -> bool:
    lowered = name.lower()
    return "quality" in lowered or "compliance" in lowered


def metric_status(name: str, value: float) -> str:
    """The seed: quality and compliance metrics banded 95/85/70; any other metric is "good"."""
    if not seed_status_applies(name):
        return "good"
    for band, threshold in SEED_QUALITY_BANDS:
        if value >= threshold:
            return band
    return "critical"


def quality_trends(metrics: dict[str, Any], warnings: list[str]) -> list[dict[str, Any]]:
    """One row per period, sorted: {"period": "2026-08", "<metric>": value, ...} (full precision)."""
    by_period: dict[str, dict[str, Any]] = {}
    for name, metric in metrics.items():
        series = metric.get("series") if isinstance(metric, dict) else None
        if series is None:
            continue
        if not isinstance(series, list):
            warnings.append(f"qms.quality: 'metrics.{name}.series' should be a list")
            continue
        for point in series:
            if not isinstance(point, dict) or point.get("period") in (None, ""):
                warnings.append(f"qms.quality: a point in 'metrics.{name}.series' has no period; skipped")
                continue
            row = by_period.setdefault(str(point["period"]), {"period": str(point["period"])})
            row[str(name)] = number(point.get("value"))
    names = [str(n) for n, m in metrics.items() if isinstance(m, dict) and isinstance(m.get("series"), list)]
    # Every row carries every metric (None where a period lacks it) so charts line up.
    return [{**{n: None for n in names}, **by_period[p]} for p in sorted(by_period)]
