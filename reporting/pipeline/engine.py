"""The report engine: spec + parameters + collected sources in, processed data and files out.

It knows no job, no model and no queue (as django-sql-explorer's exporters know no query run):
the job service, the admin's test render and template validation all call the same functions,
so a report is processed and rendered the same way wherever it is made.
"""
from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.utils import timezone

from reporting.pipeline.aggregation.collector import AggregationResult, SourceRequest, collect_sources
from reporting.pipeline.context import ReportContext, SourceFailure
from reporting.pipeline.processors.registry import registered_processors, run_processors
from reporting.pipeline.rendering.base import Renderer, available_formats, get_renderer
from reporting.pipeline.rendering.previews import chart_previews
from templates_app.spec import ReportSpec, parse_spec
from templates_app.spec_metrics import parse_metric_book

__all__ = ["AggregationResult", "SourceFailure", "SourceRequest", "available_formats", "build_context",
           "chart_previews", "collect_sources", "process_sources", "registered_processors", "render_formats",
           "render_stage", "requested_formats"]


def process_sources(*, spec: dict[str, Any], sources: dict[str, Any], parameters: dict[str, Any],
                    failures: list[SourceFailure] | tuple[SourceFailure, ...] = (), declared: list[str] | None = None):
    """Run the spec's processors with the spec's metric definitions. Raw sources stay readable
    under their own names (sections may point at them directly); a processor output of the same
    name wins. ``failures``: the sources that could not be collected (the report says why);
    ``declared``: the sources the template lists (default: the spec's "sources")."""
    if declared is None and isinstance(spec.get("sources"), list):
        declared = [ref["source"] for ref in spec["sources"] if isinstance(ref, dict) and isinstance(ref.get("source"), str)]
    processed = run_processors(names=spec.get("processors", []), sources=sources, parameters=parameters,
                               metrics=parse_metric_book(spec.get("metrics"), spec.get("scores")),
                               failures={f.name: f.reason for f in failures}, declared=declared)
    processed.data = {**sources, **processed.data}
    return processed


def build_context(*, spec: dict[str, Any], parameters: dict[str, Any], parameter_lines: list[tuple[str, str]],
                  data: dict[str, Any], missing: list[SourceFailure], requested_by: str, job_id: str = "",
                  generated_at: datetime | None = None, report: ReportSpec | None = None,
                  manifest: dict[str, Any] | None = None) -> ReportContext:
    """The context the renderers read; ``report`` is ``spec`` parsed (parsed here when not given:
    SpecInvalid for a spec that cannot be read)."""
    return ReportContext(
        title=spec.get("title", ""), spec=spec, report=report if report is not None else parse_spec(spec),
        parameters=parameters, parameter_lines=parameter_lines,
        generated_at=generated_at or timezone.localtime(), requested_by=requested_by, data=data,
        missing_sources=missing, job_id=job_id, manifest=manifest,
    )


def requested_formats(formats: list[str]) -> list[str]:
    """The asked-for formats in render order (the order of REPORTING_RENDERERS)."""
    return [fmt for fmt in available_formats() if fmt in formats]


def render_stage(fmt: str) -> str:
    return f"render_{fmt}"


def render_formats(*, context: ReportContext, formats: list[str],
                   on_rendered: Callable[[str, Renderer, Any], None]) -> None:
    """Render each format into a temporary file and hand it to ``on_rendered(fmt, renderer, file)``."""
    for fmt in formats:
        renderer = get_renderer(fmt)
        with tempfile.TemporaryFile() as fh:
            renderer.render(context, fh)
            on_rendered(fmt, renderer, fh)
