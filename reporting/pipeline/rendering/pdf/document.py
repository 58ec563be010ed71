"""The document and its page furniture: page size, margins, the header with title and logo, the
footer with the time and "Page X of Y", and the PDF outline.

"Page X of Y" costs one pass: each page's footer draws a PDF form XObject that is only defined
when the canvas is saved and the page count is known. No page is held back in memory.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, BinaryIO

from reportlab.lib.pagesizes import A4, LETTER, landscape, portrait
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from reporting.pipeline.context import ReportContext
from reporting.pipeline.rendering import theme
from reporting.pipeline.rendering.fonts import static_dir, truncate_to
from reporting.pipeline.rendering.pdf.markup import generated_text, plain_text

logger = logging.getLogger(__name__)

CREATOR = "QMS Reporting"
PAGE_SIZES = {"a4": A4, "letter": LETTER}
MARGIN_X = 16 * mm
MARGIN_TOP = 22 * mm
MARGIN_BOTTOM = 18 * mm


class PageCountingCanvas(Canvas):
    """Draws 'Page X of Y' through per-page form XObjects defined at save time, when Y is known."""

    footer_font_size = 7.5

    def __init__(self, *args: Any, footer_right_x: float = 0.0, footer_y: float = 0.0, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._pages_shown = 0
        self._footer_right_x = footer_right_x
        self._footer_y = footer_y

    def draw_page_number(self) -> None:
        self.saveState()
        self.translate(self._footer_right_x, self._footer_y)
        self.doForm(self._page_form_name(self.getPageNumber()))
        self.restoreState()

    def showPage(self) -> None:
        self._pages_shown += 1
        super().showPage()

    def save(self) -> None:
        if len(self._code):  # ReportLab would show a pending page inside save(); count it first
            self.showPage()
        total = self._pages_shown
        for number in range(1, total + 1):
            self.beginForm(self._page_form_name(number), lowerx=-200, lowery=-4, upperx=2, uppery=12)
            self.setFont(theme.BODY_FONT, self.footer_font_size)
            self.setFillColor(theme.MUTED)
            self.drawRightString(0, 0, f"Page {number} of {total}")
            self.endForm()
        super().save()

    @staticmethod
    def _page_form_name(number: int) -> str:
        return f"qmsPageNo{number}"


class ReportDocTemplate(BaseDocTemplate):
    def __init__(self, out: BinaryIO, context: ReportContext, pagesize: tuple[float, float],
                 logo: ImageReader | None):
        super().__init__(
            out, pagesize=pagesize, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM, title=plain_text(context.title), author=plain_text(context.requested_by),
            subject=_subject(context), creator=CREATOR, producer=CREATOR, pageCompression=1,
        )
        self._context = context
        self._logo = logo
        self._header_title = plain_text(context.title)
        self._generated = f"Generated {generated_text(context.generated_at)}"
        self._outline_seq = 0
        self._outline_level = -1
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body",
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        self.addPageTemplates([PageTemplate(id="report", frames=[frame], onPage=self._decorate_page)])

    def canvas_maker(self, *args: Any, **kwargs: Any) -> PageCountingCanvas:
        return PageCountingCanvas(*args, footer_right_x=self.pagesize[0] - MARGIN_X,
                                   footer_y=MARGIN_BOTTOM - 10 * mm, **kwargs)

    def afterFlowable(self, flowable: Flowable) -> None:
        entry = getattr(flowable, "outline_entry", None)
        if not entry:
            return
        level, text = entry
        # PDF outlines may not skip levels (an h2 before any h1 becomes a top-level entry).
        level = min(level, self._outline_level + 1)
        self._outline_level = level
        self._outline_seq += 1
        key = f"section{self._outline_seq}"
        self.canv.bookmarkPage(key)
        self.canv.addOutlineEntry(text, key, level=level, closed=False)

    def _decorate_page(self, canvas: PageCountingCanvas, doc: BaseDocTemplate) -> None:
        width, height = self.pagesize
        canvas.saveState()
        header_y = height - MARGIN_TOP + 7 * mm
        text_right = width - MARGIN_X
        if self._logo is not None:
            logo_w, logo_h = _logo_box(self._logo, max_height=9 * mm, max_width=40 * mm)
            canvas.drawImage(self._logo, width - MARGIN_X - logo_w, header_y - 1.5, logo_w, logo_h, mask="auto")
            text_right -= logo_w + 6
        canvas.setFont(theme.BOLD_FONT, 8.5)
        canvas.setFillColor(theme.HEADER_FILL)
        title = truncate_to(self._header_title, text_right - MARGIN_X, theme.BOLD_FONT, 8.5)
        canvas.drawString(MARGIN_X, header_y, title)
        canvas.setStrokeColor(theme.RULE)
        canvas.setLineWidth(0.6)
        canvas.line(MARGIN_X, header_y - 5, width - MARGIN_X, header_y - 5)

        footer_y = MARGIN_BOTTOM - 10 * mm
        canvas.line(MARGIN_X, footer_y + 10, width - MARGIN_X, footer_y + 10)
        canvas.setFont(theme.BODY_FONT, 7.5)
        canvas.setFillColor(theme.MUTED)
        canvas.drawString(MARGIN_X, footer_y, self._generated)
        canvas.restoreState()
        canvas.draw_page_number()


def _subject(context: ReportContext) -> str:
    parts = [f"{label}: {value}" for label, value in context.parameter_lines]
    return plain_text("; ".join(parts) or context.title)


def _logo_box(logo: ImageReader, max_height: float, max_width: float) -> tuple[float, float]:
    pixel_w, pixel_h = logo.getSize()
    scale = min(max_height / pixel_h, max_width / pixel_w)
    return pixel_w * scale, pixel_h * scale


def load_logo(relative_path: str | None, root: Path | None = None) -> ImageReader | None:
    """The logo under static/, or None; never reads outside static/ and never fetches a URL."""
    if not relative_path:
        return None
    base = (root or static_dir()).resolve()
    candidate = (base / str(relative_path)).resolve()
    if not candidate.is_relative_to(base) or not candidate.is_file():
        logger.warning("report logo %r not found under %s; rendering without it", relative_path, base)
        return None
    try:
        reader = ImageReader(str(candidate))
        reader.getSize()
        return reader
    except (OSError, ValueError):
        logger.warning("report logo %s is not a readable image; rendering without it", candidate, exc_info=True)
        return None


def page_size(spec: dict[str, Any]) -> tuple[float, float]:
    page = spec.get("page") or {}
    size = PAGE_SIZES.get(str(page.get("size", "A4")).lower(), A4)
    return landscape(size) if str(page.get("orientation", "portrait")).lower() == "landscape" else portrait(size)
