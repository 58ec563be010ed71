"""Locate and register the shipped DejaVu Sans TTF so any Unicode name renders as real text, make text
printable in it, and fit text to a width in it."""
from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont

FONT_REGULAR = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
_FONT_FILES = {FONT_REGULAR: "DejaVuSans.ttf", FONT_BOLD: "DejaVuSans-Bold.ttf"}

# Control characters have no glyph: the font draws its "missing glyph" box for them, and a workbook
# refuses most of them. C0 (TAB, CR and LF are handled apart), DEL and C1.
UNPRINTABLE_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile(r"\r\n?")

_lock = threading.Lock()
_registered = False


def static_dir() -> Path:
    """The project's static/ folder: from Django settings when configured, else relative to this file."""
    try:
        from django.conf import settings

        if settings.configured and getattr(settings, "BASE_DIR", None):
            candidate = Path(settings.BASE_DIR) / "static"
            if candidate.is_dir():
                return candidate
    except ImportError:  # rendering must work without Django installed/configured
        pass
    return Path(__file__).resolve().parents[3] / "static"


def fonts_dir() -> Path:
    return static_dir() / "fonts"


def register_fonts() -> None:
    """Register the TTFs once per process (ReportLab keeps a global font registry)."""
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        folder = fonts_dir()
        for name, filename in _FONT_FILES.items():
            path = folder / filename
            if not path.is_file():
                raise FileNotFoundError(f"report font missing: {path} (static/fonts must ship DejaVu Sans)")
            pdfmetrics.registerFont(TTFont(name, str(path)))
        # Bold markup and <b> in Paragraphs map to the bold face; there is no italic face shipped.
        addMapping(FONT_REGULAR, 0, 0, FONT_REGULAR)
        addMapping(FONT_REGULAR, 1, 0, FONT_BOLD)
        addMapping(FONT_REGULAR, 0, 1, FONT_REGULAR)
        addMapping(FONT_REGULAR, 1, 1, FONT_BOLD)
        _registered = True


def printable_text(value: Any, *, newlines: bool = False) -> str:
    """``value`` as text every report draws (PDF, chart, SVG): no control character reaches a font.

    Control characters are dropped and a TAB becomes a space (it separates words). Line breaks (LF,
    CR, CRLF) become one LF with ``newlines`` (Paragraph text and table cells break lines there),
    else a space (a chart label, a title drawn on the canvas: one line).
    """
    text = "" if value is None else str(value)
    if text.isprintable():  # the common case: one C-level scan, no copy
        return text
    text = UNPRINTABLE_CHARACTERS.sub("", text).replace("\t", " ")
    text = _LINE_BREAKS.sub("\n", text)
    return text if newlines else text.replace("\n", " ")


def truncate_to(text: str, max_width: float, font: str, size: float) -> str:
    """``text`` cut with an ellipsis to at most ``max_width`` points in ``font`` at ``size``."""
    if stringWidth(text, font, size) <= max_width:
        return text
    # The longest prefix that fits with the ellipsis, by bisection: a prefix's width only grows with
    # its length, and cutting one character at a time was quadratic in a long label.
    low, high = 0, len(text) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if stringWidth(text[:middle] + "…", font, size) <= max_width:
            low = middle
        else:
            high = middle - 1
    return text[:low] + "…"
