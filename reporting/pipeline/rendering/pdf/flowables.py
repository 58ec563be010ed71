"""Small flowables of the story: a heading that is also a bookmark, and a chart that may shrink."""
from __future__ import annotations

import math

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, Paragraph

from reporting.pipeline.rendering.charts import build_drawing
from reporting.pipeline.rendering.chartspec import ChartSpec


class OutlinedParagraph(Paragraph):
    """A heading paragraph that also becomes a PDF bookmark."""

    def __init__(self, text: str, style: ParagraphStyle, outline_level: int, outline_text: str):
        super().__init__(text, style)
        self.outline_entry = (outline_level, outline_text)


class ChartFlowable(Flowable):
    """A chart at its preferred height, or shorter (down to its readable minimum) to finish a page.

    Shrinking lets a chart share a page with the KPIs above it instead of leaving a mostly empty page.
    """

    def __init__(self, spec: ChartSpec, width: float, min_height: float, preferred_height: float):
        super().__init__()
        self.spec = spec
        self.width = width
        self.min_height = min_height
        self.preferred_height = preferred_height
        self.height = preferred_height

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        if self.min_height <= avail_height < self.preferred_height:
            self.height = float(math.floor(avail_height))  # whole points: fewer distinct cached drawings
        else:
            self.height = self.preferred_height
        return self.width, self.height

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        return []  # a chart is never cut: it moves to the next page whole

    def draw(self) -> None:
        build_drawing(self.spec, self.width, self.height).drawOn(self.canv, 0, 0)
