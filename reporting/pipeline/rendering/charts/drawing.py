"""ChartSpec -> reportlab.graphics Drawing (vector, for the PDF) and SVG text (for the web job page).

Built drawings and SVG text are kept in an in-process LRU (``functools.lru_cache``, one for both,
keyed by a hash of the spec and its data) in front of Django's cache, which shares them across
jobs and processes when Django settings are configured (see ``cache``). Drawings are stored as
plain shapes: ReportLab chart widgets hold closures and weak references that do not pickle.
"""
from __future__ import annotations

import dataclasses
import functools
import pickle
from typing import Any

from reportlab.graphics import renderSVG
from reportlab.graphics.shapes import Drawing, Group, String, UserNode

from reporting.pipeline.rendering import theme
from reporting.pipeline.rendering.charts.bars import draw_hbar, vbar_chart
from reporting.pipeline.rendering.charts.cache import cache_key, shared_or_build
from reporting.pipeline.rendering.charts.category import draw_category_chart
from reporting.pipeline.rendering.charts.common import TITLE_FONT_SIZE, Box, draw_no_data
from reporting.pipeline.rendering.charts.lines import line_chart
from reporting.pipeline.rendering.charts.pie import draw_pie
from reporting.pipeline.rendering.charts.sizing import chart_height_for
from reporting.pipeline.rendering.chartspec import ChartSpec
from reporting.pipeline.rendering.fonts import register_fonts, truncate_to

DEFAULT_WIDTH = 480.0
LOCAL_CACHE_SIZE = 128  # drawings and SVG texts together


def build_drawing(spec: ChartSpec, width: float = DEFAULT_WIDTH, height: float | None = None,
                  with_title: bool = False) -> Drawing:
    """The chart as a vector Drawing, from the cache when this spec+data was drawn before."""
    register_fonts()
    if height is None:
        height = chart_height_for(spec, width)
    return _cached(_Chart.of("drawing", spec, width, height, with_title))


def chart_svg(spec: ChartSpec, width: float = DEFAULT_WIDTH, height: float | None = None) -> str:
    """SVG text of the chart (title included) for the web job page."""
    register_fonts()
    if height is None:
        height = chart_height_for(spec, width) + (24 if spec.title else 0)
    return _cached(_Chart.of("svg", spec, width, height, True))


def clear_local_cache() -> None:
    _cached.cache_clear()


@dataclasses.dataclass(frozen=True)
class _Chart:
    """One drawing or SVG text to build; equal to (and hashed as) any other with the same cache key."""

    key: str
    kind: str = dataclasses.field(compare=False)
    spec: ChartSpec = dataclasses.field(compare=False)
    width: float = dataclasses.field(compare=False)
    height: float = dataclasses.field(compare=False)
    with_title: bool = dataclasses.field(compare=False)

    @classmethod
    def of(cls, kind: str, spec: ChartSpec, width: float, height: float, with_title: bool) -> _Chart:
        return cls(cache_key(kind, spec, width, height, with_title), kind, spec, width, height, with_title)


# How each kind is stored in Django's cache: (encode, decode).
_CODECS = {
    "drawing": (pickle.dumps, pickle.loads),
    "svg": (lambda text: text.encode("utf-8"), lambda raw: raw.decode("utf-8")),
}


@functools.lru_cache(maxsize=LOCAL_CACHE_SIZE)
def _cached(chart: _Chart) -> Any:
    """In process from this LRU; across jobs (each runs in a fresh work horse) from Django's cache."""
    encode, decode = _CODECS[chart.kind]
    return shared_or_build(chart.key, functools.partial(_build, chart), encode=encode, decode=decode)


def _build(chart: _Chart) -> Any:
    if chart.kind == "drawing":
        return _plain_shapes(draw(chart.spec, chart.width, chart.height, chart.with_title))
    return renderSVG.drawToString(build_drawing(chart.spec, chart.width, chart.height, with_title=True))


def _plain_shapes(drawing: Drawing) -> Drawing:
    """The same picture with every chart widget replaced by the shapes it draws."""

    def flatten(node: Any) -> Any:
        if isinstance(node, UserNode):
            return flatten(node.provideNode())
        if isinstance(node, Group):
            group = Group(transform=node.transform)
            for child in node.contents:
                group.add(flatten(child))
            return group
        return node

    plain = Drawing(drawing.width, drawing.height)
    for child in drawing.contents:
        plain.add(flatten(child))
    return plain


def draw(spec: ChartSpec, width: float, height: float, with_title: bool) -> Drawing:
    """The chart drawn afresh, with its widgets (no cache)."""
    drawing = Drawing(width, height)
    top = height
    if with_title and spec.title:
        drawing.add(String(0, height - TITLE_FONT_SIZE - 2, truncate_to(spec.title, width, theme.BOLD_FONT,
                                                                           TITLE_FONT_SIZE),
                           fontName=theme.BOLD_FONT, fontSize=TITLE_FONT_SIZE, fillColor=theme.INK))
        top = height - TITLE_FONT_SIZE - 12
    area = Box(0, 0, width, top)
    if spec.is_empty:
        draw_no_data(drawing, area)
    elif spec.kind in ("pie", "doughnut"):
        draw_pie(drawing, spec, area)
    elif spec.kind == "line":
        draw_category_chart(drawing, spec, area, line_chart)
    elif spec.kind == "hbar":
        draw_hbar(drawing, spec, area)
    else:
        draw_category_chart(drawing, spec, area, vbar_chart)
    return drawing
