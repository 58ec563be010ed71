"""Dotted paths ("departments", "summary.scores", "rows.0.name") into processed data."""
from __future__ import annotations

from typing import Any

_MISSING = object()

# Processed data key: data key -> why the processors left it empty, in words for the report's reader.
ABSENT_KEY = "_absent"


class DataPathError(LookupError):
    def __init__(self, path: str, failed_at: str):
        self.path = path
        self.failed_at = failed_at
        super().__init__(f"data path '{path}' does not resolve (no '{failed_at}')")


def resolve_path(data: Any, path: str) -> Any:
    """Return the value at ``path``; raise DataPathError naming the first missing part."""
    current = data
    if not path:
        return current
    for part in path.split("."):
        nxt = _MISSING
        if isinstance(current, dict):
            nxt = current.get(part, _MISSING)
        elif isinstance(current, list) and part.lstrip("-").isdigit():
            index = int(part)
            if -len(current) <= index < len(current):
                nxt = current[index]
        if nxt is _MISSING:
            raise DataPathError(path, part)
        current = nxt
    return current


def resolve_rows(data: Any, path: str) -> list[dict[str, Any]]:
    """Rows for a table/chart section: a list of dicts (a dict of dicts becomes rows with 'key')."""
    value = resolve_path(data, path)
    if value is None:
        return []
    if isinstance(value, dict):
        rows = []
        for key, item in value.items():
            row = {"key": key}
            if isinstance(item, dict):
                row.update(item)
            else:
                row["value"] = item
            rows.append(row)
        return rows
    if isinstance(value, list):
        return [row if isinstance(row, dict) else {"value": row} for row in value]
    raise DataPathError(path, f"{path} (a {type(value).__name__}, not rows)")
