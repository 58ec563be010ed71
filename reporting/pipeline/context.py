"""The one object both renderers read: what to render and about which run."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from templates_app.spec import ReportSpec, Section


@dataclass(frozen=True)
class SourceFailure:
    """A source that could not be collected, and why (shown to the reader of the report)."""

    name: str
    reason: str
    required: bool
    # A failure that may go away by itself (timeout, refused connection, 429, 5xx): worth another attempt.
    retryable: bool = False


@dataclass
class ReportContext:
    title: str
    spec: dict[str, Any]
    # The spec parsed once (templates_app.spec.parse_spec): what the renderers and previews read.
    report: ReportSpec
    # Concrete values the job ran with (date ranges already resolved to dates).
    parameters: dict[str, Any]
    # (label, value as a person reads it), in declaration order.
    parameter_lines: list[tuple[str, str]]
    generated_at: datetime  # timezone-aware
    requested_by: str
    # Processed data: what the sections' "data" paths point into.
    data: dict[str, Any]
    missing_sources: list[SourceFailure] = field(default_factory=list)
    job_id: str = ""
    # The run manifest as plain data (built by the job service; None for a test render): the PDF's
    # "Report record" page and the workbook's "About" sheet print it.
    manifest: dict[str, Any] | None = None

    @property
    def is_partial(self) -> bool:
        return bool(self.missing_sources)

    @property
    def sections(self) -> tuple[Section, ...]:
        return self.report.sections
