"""The "rules" section: the metric definitions and status bands in force, as reader-facing lines
("Quality score (%, higher is better): excellent from 95, ..."), for the PDF and the workbook alike.

A rules section names its data like any section (``data``: a path into the processed data) whose
value is a list of strings (a single string, or rows with a "text", are read too).
"""
from __future__ import annotations

from typing import Any

from reporting.pipeline.datapath import DataPathError, resolve_path
from reporting.pipeline.rendering.fonts import printable_text

RULES_TYPE = "rules"
DEFAULT_RULES_TITLE = "How statuses are set"
MAX_RULES = 200
MAX_RULE_CHARS = 1_000


def is_rules_section(section: Any) -> bool:
    return getattr(section, "type", None) == RULES_TYPE


def rules_title(section: Any) -> str:
    return printable_text(getattr(section, "title", "") or "") or DEFAULT_RULES_TITLE


def rules_lines(data: Any, section: Any) -> list[str]:
    """The section's lines, printable and capped; [] when its data is missing or empty (the reader
    then sees no rules block rather than a developer's message about data paths)."""
    path = getattr(section, "data", "")
    if not path:
        return []
    try:
        value = resolve_path(data, str(path))
    except DataPathError:
        return []
    items = [value] if isinstance(value, str) else value if isinstance(value, (list, tuple)) else []
    lines = []
    for item in items[:MAX_RULES]:
        if isinstance(item, dict):
            item = item.get("text")
        if item is None or isinstance(item, (dict, list, tuple)):
            continue
        text = printable_text(item).strip()
        if text:
            lines.append(text if len(text) <= MAX_RULE_CHARS else text[: MAX_RULE_CHARS - 1] + "…")
    return lines
