"""Text for the PDF: untrusted text escaped for Paragraph markup, plain text for the canvas, times.

Every piece of text from data, parameters or the spec is escaped before it reaches Paragraph
markup; table cells that need no wrapping are plain strings, which ReportLab never parses.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def markup_text(value: Any) -> str:
    """Untrusted text made safe for Paragraph markup: shows literally, newlines kept as line breaks."""
    text = _CONTROL_CHARS.sub("", "" if value is None else str(value))
    return escape(text).replace("\r\n", "\n").replace("\n", "<br/>")


def plain_text(value: Any) -> str:
    return _CONTROL_CHARS.sub("", "" if value is None else str(value))


def generated_text(moment: datetime) -> str:
    """'28 Nov 2026, 17:21 CET' - a reader needs the zone to trust the time."""
    text = f"{moment.day} {moment.strftime('%b %Y, %H:%M')}"
    zone = moment.tzname()
    if zone:
        if zone.startswith(("UTC+", "UTC-", "+", "-")):
            return f"{text} {zone if zone.startswith('UTC') else 'UTC' + zone}"
        return f"{text} {zone}"
    return text
