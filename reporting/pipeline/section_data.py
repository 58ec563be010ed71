"""The rows a section shows, or why it shows none: one answer and one wording for every output.

The PDF, the workbook and the chart previews all ask here, so a section that has no data says the
same thing in each of them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reporting.pipeline.datapath import DataPathError, resolve_rows

NO_PATH = "the section names no data"
EMPTY = "the data set is empty"
NO_CHART_DATA = "No data for this chart"


def no_data_text(reason: str) -> str:
    return f"No data: {reason}"


@dataclass(frozen=True)
class SectionRows:
    rows: list[dict[str, Any]] = field(default_factory=list)
    # Why there is nothing to show ("" when there are rows).
    missing: str = ""

    @property
    def text(self) -> str:
        return no_data_text(self.missing) if self.missing else ""


def section_rows(data: Any, path: Any) -> SectionRows:
    if not path:
        return SectionRows(missing=NO_PATH)
    try:
        rows = resolve_rows(data, str(path))
    except DataPathError as error:
        return SectionRows(missing=str(error))
    if not rows:
        return SectionRows(missing=EMPTY)
    return SectionRows(rows=rows)
