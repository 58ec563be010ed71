"""A readable diff between two template versions (pretty-printed JSON, line by line)."""
from __future__ import annotations

import difflib
import json
from typing import Any

from .models import TemplateVersion


def pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)


def version_diff_unified(old: TemplateVersion, new: TemplateVersion, *, key: str = "spec") -> list[str]:
    return list(difflib.unified_diff(
        pretty_json(getattr(old, key)).splitlines(), pretty_json(getattr(new, key)).splitlines(),
        fromfile=f"{old} {key}", tofile=f"{new} {key}", lineterm="",
    ))


def version_diff_html(old: TemplateVersion, new: TemplateVersion, *, key: str = "spec") -> str:
    """A side-by-side HTML table (difflib escapes the JSON text); only changed regions with context."""
    return difflib.HtmlDiff(wrapcolumn=90).make_table(
        pretty_json(getattr(old, key)).splitlines(), pretty_json(getattr(new, key)).splitlines(),
        fromdesc=f"v{old.number}", todesc=f"v{new.number}", context=True, numlines=3,
    )
