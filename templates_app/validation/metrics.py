"""Checks of a template's metric definitions, headline scores and chart axes (what the schema cannot say)."""
from __future__ import annotations

from typing import Any

from ..spec_metrics import BANDS
from .problems import json_objects

# Keys the summary processor writes beside the scores (a score of that name would overwrite them).
RESERVED_SCORE_NAMES = ("total_kpis", "overall_status")


class MetricChecks:
    def __init__(self, checks, spec: dict[str, Any]):
        self.checks = checks  # SemanticChecks: collects the problems
        self.spec = spec
        raw = spec.get("metrics")
        self.metrics = raw if isinstance(raw, dict) else {}

    def run(self) -> None:
        for name, metric in self.metrics.items():
            if isinstance(metric, dict):
                self.bands(["metrics", name, "bands"], metric.get("bands"), metric.get("direction"),
                           where=f"Metric '{name}'")
        self.scores()
        self.charts()

    def bands(self, path: list[Any], bands: Any, direction: Any, *, where: str) -> None:
        if not isinstance(bands, dict):
            return
        if direction not in ("higher", "lower"):
            self.checks.add(path, "bands_without_direction",
                            f"{where} has status bands but no direction: say whether higher or lower is better.")
            return
        given = [(band, bands[band]) for band in BANDS
                 if isinstance(bands.get(band), (int, float)) and not isinstance(bands.get(band), bool)]
        values = [value for _, value in given]
        ordered = values == sorted(values, reverse=(direction == "higher"))
        if not ordered or len(set(values)) != len(values):
            order = "excellent > good > warning" if direction == "higher" else "excellent < good < warning"
            shown = ", ".join(f"{band} {value:g}" for band, value in given)
            self.checks.add(path, "bands_out_of_order",
                            f"{where}: the bands must run {order} when {direction} is better (they are {shown}).")

    def scores(self) -> None:
        seen: dict[str, dict[str, Any]] = {}
        entries = list(json_objects(self.spec.get("scores")))
        names = {s.get("name") for _, s in entries if isinstance(s.get("name"), str)}
        for i, score in entries:
            name = score.get("name")
            if not isinstance(name, str):
                continue
            if name in seen:
                self.checks.add(["scores", i, "name"], "duplicate_score", f"Score name '{name}' is used twice.")
            if name in RESERVED_SCORE_NAMES:
                self.checks.add(["scores", i, "name"], "score_name_reserved",
                                f"Score name '{name}' is taken by the summary itself; choose another name.")
            seen[name] = score
            self.bands(["scores", i, "bands"], score.get("bands"), "higher", where=f"Score '{name}'")
            for j, metric in _texts(score.get("metrics")):
                self.score_metric(["scores", i, "metrics", j], name, metric)
            for j, other in _texts(score.get("scores")):
                if other not in names or other == name:
                    self.checks.add(["scores", i, "scores", j], "score_unknown",
                                    f"Score '{name}' is made of '{other}', which is not another score of this template.")
        for i, score in entries:
            for j, other in _texts(score.get("scores")):
                if isinstance(seen.get(other), dict) and seen[other].get("scores"):
                    self.checks.add(["scores", i, "scores", j], "score_of_composite",
                                    f"Score '{score.get('name')}' is made of '{other}', which is itself made of "
                                    "scores: a score is the mean of metrics, or of scores made of metrics.")

    def score_metric(self, path: list[Any], score: str, metric: Any) -> None:
        definition = self.metrics.get(metric)
        if not isinstance(definition, dict):
            self.checks.add(path, "score_metric_undefined",
                            f"Score '{score}' uses metric '{metric}', which \"metrics\" does not define.")
        elif definition.get("unit") != "%" or definition.get("direction") != "higher":
            # A mean of percentages and days, or of "higher is better" and "lower is better", means nothing.
            self.checks.add(path, "score_metric_not_percent",
                            f"Score '{score}' uses metric '{metric}', but a score is a mean of percentages where "
                            "higher is better: give it unit \"%\" and direction \"higher\".")

    def charts(self) -> None:
        for i, section in json_objects(self.spec.get("sections")):
            if section.get("type") != "chart":
                continue
            low, high = section.get("y_min"), section.get("y_max")
            numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (low, high))
            if numbers and low >= high:
                self.checks.add(["sections", i, "y_max"], "axis_range_empty",
                                f"The value axis must end above where it starts (y_min {low:g}, y_max {high:g}).")


def _texts(value: Any) -> list[tuple[int, str]]:
    """(index, item) of the strings in a JSON list (the schema reports anything else)."""
    return [(i, item) for i, item in enumerate(value) if isinstance(item, str)] if isinstance(value, list) else []
