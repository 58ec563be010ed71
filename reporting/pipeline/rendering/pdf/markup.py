"""Text for the PDF: untrusted text escaped for Paragraph markup, plain text for the canvas, long
text cut into Paragraph-sized pieces or shortened, times.

Every piece of text from data, parameters or the spec is escaped before it reaches Paragraph
markup; table cells that need no wrapping are plain strings, which ReportLab never parses. Both
pass through ``printable_text``, so no control character is drawn as the font's missing-glyph box.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from reporting.pipeline.rendering.fonts import printable_text

# A text section is cut into Paragraphs of at most this many characters (about 20 lines). A frame
# re-wraps the whole rest of a Paragraph on every page it continues on, so one 160k-character
# Paragraph costs pages x length (quadratic); pieces of bounded size keep it linear.
TEXT_CHUNK_CHARS = 2_000


def markup_text(value: Any) -> str:
    """Untrusted text made safe for Paragraph markup: shows literally, newlines kept as line breaks."""
    return escape(printable_text(value, newlines=True)).replace("\n", "<br/>")


def plain_text(value: Any, *, newlines: bool = False) -> str:
    """Text drawn as is (canvas, table cell strings): one line unless ``newlines`` keeps its line breaks."""
    return printable_text(value, newlines=newlines)


def text_chunks(value: Any, limit: int = TEXT_CHUNK_CHARS) -> Iterator[str]:
    """Printable ``value`` in consecutive pieces of at most ``limit`` characters that read as the whole.

    Pieces end at a line break (which they consume: the next piece starts on a new line anyway) or,
    inside a line longer than ``limit``, after the last sentence end or space; only a run of
    ``limit`` characters without a space is cut mid-word. A short text is one piece, unchanged.
    """
    text = printable_text(value, newlines=True)
    start, length = 0, len(text)
    while length - start > limit:
        window_end = start + limit
        cut = text.rfind("\n", start, window_end + 1)
        while cut > start and text[cut - 1] == "\n":
            # Blank lines go to the start of the next piece: a Paragraph shows leading line breaks
            # as empty lines but drops trailing ones.
            cut -= 1
        if cut > start:
            yield text[start:cut]
            start = cut + 1
            continue
        # One line longer than a piece: end after a sentence in the second half, else after a word.
        cut = text.rfind(". ", start + limit // 2, window_end)
        cut = cut + 1 if cut >= 0 else text.rfind(" ", start, window_end)
        if cut <= start:
            cut = window_end
        yield text[start:cut]
        start = cut + 1 if text[cut:cut + 1] == " " else cut
    yield text[start:]


def shortened(value: Any, max_chars: int, max_lines: int) -> tuple[str, bool]:
    """Printable ``value`` cut with an ellipsis to ``max_chars`` characters and ``max_lines`` lines, at
    a word boundary where there is one; and whether it was cut."""
    text = printable_text(value, newlines=True)
    lines = text.split("\n", max_lines)
    if len(text) <= max_chars and len(lines) <= max_lines:
        return text, False
    text = "\n".join(lines[:max_lines])[:max_chars]
    space = text.rfind(" ", max_chars // 2)
    if space > 0 and len(text) == max_chars:
        text = text[:space]
    return text.rstrip() + "…", True


def generated_text(moment: datetime) -> str:
    """'28 Nov 2026, 17:21 CET' - a reader needs the zone to trust the time."""
    text = f"{moment.day} {moment.strftime('%b %Y, %H:%M')}"
    zone = moment.tzname()
    if zone:
        if zone.startswith(("UTC+", "UTC-", "+", "-")):
            return f"{text} {zone if zone.startswith('UTC') else 'UTC' + zone}"
        return f"{text} {zone}"
    return text
