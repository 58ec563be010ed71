"""Locate and register the shipped DejaVu Sans TTF so any Unicode name renders as real text, and fit
text to a width in it."""
from __future__ import annotations

import threading
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont

FONT_REGULAR = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
_FONT_FILES = {FONT_REGULAR: "DejaVuSans.ttf", FONT_BOLD: "DejaVuSans-Bold.ttf"}

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


def truncate_to(text: str, max_width: float, font: str, size: float) -> str:
    """``text`` cut with an ellipsis to at most ``max_width`` points in ``font`` at ``size``."""
    if stringWidth(text, font, size) <= max_width:
        return text
    while text and stringWidth(text + "…", font, size) > max_width:
        text = text[:-1]
    return text + "…"
