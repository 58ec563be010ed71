"""Pre-aggregated figures behind /metrics: added to as jobs end, read in one query per scrape.

Kept apart from reporting/models.py (imported at its end) so the monitoring tables stay one small
module; the app label is still ``reporting``.
"""
from django.db import models


class MetricTotal(models.Model):
    """One sample of a Prometheus family: a counter's value, or a histogram's (non-cumulative)
    bucket count, sum or count. ``labels`` is the canonical ``k=v`` list joined by tabs."""

    name = models.CharField(max_length=100)
    labels = models.CharField(max_length=500, blank=True, default="")
    value = models.FloatField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "reporting"
        ordering = ["name", "labels"]
        constraints = [models.UniqueConstraint(fields=["name", "labels"], name="one_metric_total_per_labels")]

    def __str__(self) -> str:
        return f"{self.name}{{{self.labels}}} {self.value}"
