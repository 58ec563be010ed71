"""qms.quality: quality metric KPIs (seed rules) and per-period trends."""
from __future__ import annotations

from typing import Any

from .base import ProcessorOutput, number, source_object

SOURCE = "quality_metrics"
MAX_KPIS = 6


def process_quality(sources: dict[str, Any], parameters: dict[str, Any]) -> ProcessorOutput:
    out = ProcessorOutput()
    data = source_object(sources, SOURCE, processor="qms.quality", left_out="quality KPIs and trends", out=out)
    if data is None:
        return out
    metrics = data.get("metrics")
    if not isinstance(metrics, dict):
        out.warnings.append(f"qms.quality: '{SOURCE}' has no object at 'metrics'")
        metrics = {}
    out.data["quality_metrics"] = data
    out.data["kpis"] = quality_kpis(metrics, out.warnings)
    out.data["quality_trends"] = quality_trends(metrics, out.warnings)
    return out


def quality_kpis(metrics: dict[str, Any], warnings: list[str]) -> list[dict[str, Any]]:
    kpis = []
    for name, metric in metrics.items():
        average = number(metric.get("average")) if isinstance(metric, dict) else None
        if average is None:
            warnings.append(f"qms.quality: metric '{name}' has no numeric 'average'; no KPI for it")
            continue
        kpis.append(
            {
                "name": str(name).replace("_", " ").title(),
                "value": round(average, 1),
                "unit": metric_unit(str(name)),
                "trend": metric_trend(average, number(metric.get("previous_average"))),
                "status": metric_status(str(name), average),
            }
        )
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


def metric_status(name: str, value: float) -> str:
    lowered = name.lower()
    if "quality" not in lowered and "compliance" not in lowered:
        return "good"
    if value >= 95:
        return "excellent"
    if value >= 85:
        return "good"
    if value >= 70:
        return "warning"
    return "critical"


def quality_trends(metrics: dict[str, Any], warnings: list[str]) -> list[dict[str, Any]]:
    """One row per period, sorted: {"period": "2026-08", "<metric>": value, ...}."""
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
            value = number(point.get("value"))
            row[str(name)] = None if value is None else round(value, 2)
    names = [str(n) for n, m in metrics.items() if isinstance(m, dict) and isinstance(m.get("series"), list)]
    # Every row carries every metric (None where a period lacks it) so charts line up.
    return [{**{n: None for n in names}, **by_period[p]} for p in sorted(by_period)]
