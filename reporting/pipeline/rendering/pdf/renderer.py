"""The PDF renderer: a styled, paginated report with vector charts, built with ReportLab platypus."""
from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from reporting.pipeline.context import ReportContext
from reporting.pipeline.rendering.base import Renderer
from reporting.pipeline.rendering.fonts import register_fonts
from reporting.pipeline.rendering.pdf.document import ReportDocTemplate, load_logo, page_size
from reporting.pipeline.rendering.pdf.record_page import record_page
from reporting.pipeline.rendering.record import record_keywords
from reporting.pipeline.rendering.pdf.story import StoryBuilder


class PdfRenderer(Renderer):
    name = "pdf"
    content_type = "application/pdf"
    file_extension = "pdf"

    def __init__(self, static_root: Path | None = None):
        self._static_root = static_root

    def render(self, context: ReportContext, out: BinaryIO) -> None:
        register_fonts()
        size = page_size(context.spec)
        logo = load_logo(context.spec.get("logo"), self._static_root)
        doc = ReportDocTemplate(out, context, size, logo)
        story = StoryBuilder(context, doc.width, doc.height).build()
        # A job's PDF ends with its run manifest and names the job in its metadata (verify_report).
        story.extend(record_page(context.manifest, doc.width))
        if context.manifest:
            doc.keywords = record_keywords(context.manifest)
        doc.build(story, canvasmaker=doc.canvas_maker)
