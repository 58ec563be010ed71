"""The PDF renderer (split into modules next)."""
from reporting.pipeline.rendering.pdf.story import MARGIN_BOTTOM, MIN_ROWS_AT_BREAK, PdfRenderer, generated_text

__all__ = ["MARGIN_BOTTOM", "MIN_ROWS_AT_BREAK", "PdfRenderer", "generated_text"]
