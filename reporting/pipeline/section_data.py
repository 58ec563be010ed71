"""The rows a section shows, or why it shows none: one answer and one wording for every output.

The PDF, the workbook and the chart previews all ask here, so a section that has no data says the
same thing in each of them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reporting.pipeline.datapath import ABSENT_KEY, DataPathError, resolve_rows

NO_PATH = "the section names no data"
EMPTY = "there is nothing to show for this period"
UNRESOLVED = "this part of the report was not produced"
NO_CHART_DATA = "No data for this chart"


def no_data_text(reason: str) -> str:
    return f"No data: {reason}"


@dataclass(frozen=True)
class SectionRows:
    rows: list[dict[str, Any]] = field(default_factory=list)
    # Why there is nothing to show ("" when there are rows).
    missing: str = ""
    # The processors' own sentence for the reader ("Training data is missing: …"), shown as it is.
    explained: bool = False

    @property
    def text(self) -> str:
        if not self.missing:
            return ""
        return self.missing if self.explained else no_data_text(self.missing)


def absent_reason(data: Any, path: str) -> str | None:
    """Why the processors left ``path``'s data out, in the reader's words (None: they did not say)."""
    absent = data.get(ABSENT_KEY) if isinstance(data, dict) else None
    if not isinstance(absent, dict):
        return None
    reason = absent.get(path.split(".", 1)[0])
    return reason if isinstance(reason, str) and reason else None


def section_rows(data: Any, path: Any) -> SectionRows:
    """The rows at ``path``, or why there are none — in words for the report's reader, never a data path."""
    if not path:
        return SectionRows(missing=NO_PATH)
    reason = absent_reason(data, str(path))
    try:
        rows = resolve_rows(data, str(path))
    except DataPathError:
        return SectionRows(missing=reason, explained=True) if reason else SectionRows(missing=UNRESOLVED)
    if not rows:
        return SectionRows(missing=reason, explained=True) if reason else SectionRows(missing=EMPTY)
    return SectionRows(rows=rows)
