"""A readable diff between two template versions (pretty-printed JSON, line by line)."""
from __future__ import annotations

import difflib
import json
import re
from typing import Any

from .models import TemplateVersion


def pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)


def version_diff_unified(old: TemplateVersion, new: TemplateVersion, *, key: str = "spec") -> list[str]:
    return list(difflib.unified_diff(
        pretty_json(getattr(old, key)).splitlines(), pretty_json(getattr(new, key)).splitlines(),
        fromfile=f"{old} {key}", tofile=f"{new} {key}", lineterm="",
    ))


# difflib's navigation links are single letters (f, n, t): say what they do.
_NAV_WORDS = {"f": "First change", "n": "Next change", "t": "Top"}
_NAV_LINK = re.compile(r'(<a href="#difflib_chg_[^"]*">)([fnt])(</a>)')


def version_diff_html(old: TemplateVersion, new: TemplateVersion, *, key: str = "spec") -> str:
    """A side-by-side HTML table (difflib escapes the JSON text); only changed regions with context."""
    table = difflib.HtmlDiff(wrapcolumn=90).make_table(
        pretty_json(getattr(old, key)).splitlines(), pretty_json(getattr(new, key)).splitlines(),
        fromdesc=f"v{old.number}", todesc=f"v{new.number}", context=True, numlines=3,
    )
    return _NAV_LINK.sub(lambda m: f"{m.group(1)}{_NAV_WORDS[m.group(2)]}{m.group(3)}", table)
