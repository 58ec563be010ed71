"""PDF renderer: a styled, paginated report with vector charts, built with ReportLab platypus.

Design notes (why it is built this way; each module says more):
- "Page X of Y" costs one pass (``document``): each page's footer draws a PDF form XObject that is
  only defined when the canvas is saved and the page count is known.
- Long tables are laid out by ``paged_table.PagedTable``, one page worth of rows at a time, so a
  table costs time linear in its rows; ``tables`` builds one from a table section.
- Every piece of text from data, parameters or the spec is escaped (``markup``) before it reaches
  Paragraph markup.
- ``story`` turns the spec's sections into flowables (``kpi`` cards, ``flowables`` for headings and
  charts) and keeps each heading or title on a page with the start of what follows it.
"""
from reporting.pipeline.rendering.pdf.renderer import PdfRenderer

__all__ = ["PdfRenderer"]
