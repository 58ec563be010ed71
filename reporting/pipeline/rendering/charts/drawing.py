"""ChartSpec -> reportlab.graphics Drawing (vector, for the PDF) and SVG text (for the web job page).

Built drawings and SVG text are cached by a hash of the spec and its data in an in-process LRU;
the SVG text is also shared across jobs and processes through Django's cache when Django settings
are configured (ReportLab chart drawings cannot be pickled, and they are cheap to rebuild).
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import math
import pickle
import textwrap
import threading
from collections import OrderedDict
from typing import Any, Callable

from reportlab.graphics import renderSVG
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.doughnut import Doughnut
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, Group, Rect, String, UserNode
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from reporting.pipeline.rendering import theme
from reporting.pipeline.rendering.chartspec import ChartSpec
from reporting.pipeline.rendering.fonts import register_fonts

logger = logging.getLogger(__name__)

NO_DATA_TEXT = "No data for this chart"
DEFAULT_WIDTH = 480.0
DEFAULT_HEIGHT = 260.0
# Bump when drawing code changes so cached drawings from an older build are not reused.
_DRAWING_VERSION = "4"
_CACHE_TTL_SETTING = "REPORTING_CHART_CACHE_TTL_S"
_DEFAULT_CACHE_TTL = 24 * 60 * 60

AXIS_FONT_SIZE = 7.5
TITLE_FONT_SIZE = 10.5
LEGEND_FONT_SIZE = 7.5
VALUE_LABEL_SIZE = 6.5
MAX_LEGEND_LABEL = 34
MAX_VALUE_LABELS = 24


# --------------------------------------------------------------------------- public API


# Chart sizing: a chart is about half as tall as it is wide, never more than CHART_FRAME_SHARE of the
# page body (in landscape a width-based height would fill the whole page), never less than what its
# labels, legend and a readable plot area need.
CHART_ASPECT = 0.5
CHART_FRAME_SHARE = 0.6
PIE_FRAME_SHARE = 0.5
MIN_CHART_HEIGHT = 180.0
MIN_PLOT_HEIGHT = 110.0
MIN_PIE_HEIGHT = 170.0
HBAR_PREFERRED_BAND = 24.0
_CEILING_SHARE = 0.9  # the chart's title must still fit on the page


def chart_height_range(spec: ChartSpec, width: float, frame_height: float | None = None) -> tuple[float, float]:
    """(smallest readable, preferred) drawing height for ``spec`` drawn ``width`` wide.

    ``frame_height`` is the page body height; without it (SVG for the web) nothing caps the height.
    The PDF draws a chart at its preferred height, or shrinks it towards the minimum to finish a page.
    """
    if spec.is_empty:
        return 90.0, 90.0
    cap = frame_height * CHART_FRAME_SHARE if frame_height else math.inf
    ceiling = frame_height * _CEILING_SHARE if frame_height else math.inf
    if spec.kind == "hbar":
        bars = len(spec.categories) * (1 if spec.stacked else max(1, len(spec.series)))
        # Height follows the bar count (a width-based height only makes a few bars fat).
        overhead = 60 + _legend_height(spec, width)
        needed = max(MIN_CHART_HEIGHT, bars * 11 + overhead)
        preferred = min(max(min(bars * HBAR_PREFERRED_BAND + overhead, cap), needed), ceiling, 620.0)
        return min(needed, preferred), preferred
    if spec.kind in ("pie", "doughnut"):
        pie_cap = frame_height * PIE_FRAME_SHARE if frame_height else math.inf
        preferred = min(max(min(width * 0.38, pie_cap), 190.0), ceiling)
        return min(MIN_PIE_HEIGHT, preferred), preferred
    needed = max(MIN_CHART_HEIGHT, _category_overhead(spec, width) + MIN_PLOT_HEIGHT)
    preferred = min(max(min(width * CHART_ASPECT, cap), needed), ceiling)
    return min(needed, preferred), preferred


def chart_height_for(spec: ChartSpec, width: float, frame_height: float | None = None) -> float:
    """The preferred height (see ``chart_height_range``)."""
    return chart_height_range(spec, width, frame_height)[1]


def build_drawing(spec: ChartSpec, width: float = DEFAULT_WIDTH, height: float | None = None,
                  with_title: bool = False) -> Drawing:
    """The chart as a vector Drawing, from the cache when this spec+data was drawn before."""
    register_fonts()
    if height is None:
        height = chart_height_for(spec, width)
    key = _cache_key("drawing", spec, width, height, with_title)
    cached = _LOCAL_CACHE.get(key)
    if cached is not None:
        return cached
    # Across jobs (each runs in a fresh work horse) the drawing comes from Django's cache, as plain
    # shapes: chart widgets hold closures and weak references that do not pickle.
    drawing = _from_shared_cache(key, pickle.loads)
    if drawing is None:
        drawing = _plain_shapes(_draw(spec, width, height, with_title))
        _to_shared_cache(key, drawing, pickle.dumps)
    _LOCAL_CACHE.put(key, drawing)
    return drawing


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


def chart_svg(spec: ChartSpec, width: float = DEFAULT_WIDTH, height: float | None = None) -> str:
    """SVG text of the chart (title included) for the web job page."""
    register_fonts()
    if height is None:
        height = chart_height_for(spec, width) + (24 if spec.title else 0)
    key = _cache_key("svg", spec, width, height, True)
    cached = _LOCAL_CACHE.get(key)
    if cached is not None:
        return cached
    svg = _from_shared_cache(key, lambda raw: raw.decode("utf-8"))
    if svg is None:
        svg = renderSVG.drawToString(build_drawing(spec, width, height, with_title=True))
        _to_shared_cache(key, svg, lambda text: text.encode("utf-8"))
    _LOCAL_CACHE.put(key, svg)
    return svg


def clear_local_cache() -> None:
    _LOCAL_CACHE.clear()


# --------------------------------------------------------------------------- caching


class _LruCache:
    def __init__(self, maxsize: int):
        self._maxsize = maxsize
        self._items: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Any:
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: str, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._maxsize:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


_LOCAL_CACHE = _LruCache(maxsize=128)


def _cache_key(kind: str, spec: ChartSpec, width: float, height: float, with_title: bool) -> str:
    payload = json.dumps(
        [_DRAWING_VERSION, kind, dataclasses.asdict(spec), round(width, 2), round(height, 2), with_title],
        sort_keys=True, default=str,
    )
    return f"qms:chart:{kind}:{hashlib.sha256(payload.encode('utf-8')).hexdigest()}"


def _django_cache() -> Any:
    """Django's default cache when settings are configured; None for pure rendering (tests, benchmarks)."""
    try:
        from django.conf import settings
    except ImportError:
        return None
    if not settings.configured:
        return None
    from django.core.cache import cache

    return cache


def _cache_ttl() -> int:
    from django.conf import settings

    return int(getattr(settings, _CACHE_TTL_SETTING, _DEFAULT_CACHE_TTL))


def _from_shared_cache(key: str, decode: Callable[[bytes], Any]) -> Any:
    cache = _django_cache()
    if cache is None:
        return None
    try:
        raw = cache.get(key)
        return None if raw is None else decode(raw)
    except Exception:  # a broken cache must never fail a report: it only costs a redraw
        logger.warning("chart cache read failed for %s", key, exc_info=True)
        return None


def _to_shared_cache(key: str, value: Any, encode: Callable[[Any], bytes]) -> None:
    cache = _django_cache()
    if cache is None:
        return
    try:
        cache.set(key, encode(value), timeout=_cache_ttl())
    except Exception:  # see _from_shared_cache
        logger.warning("chart cache write failed for %s", key, exc_info=True)


# --------------------------------------------------------------------------- drawing


def _draw(spec: ChartSpec, width: float, height: float, with_title: bool) -> Drawing:
    drawing = Drawing(width, height)
    top = height
    if with_title and spec.title:
        drawing.add(String(0, height - TITLE_FONT_SIZE - 2, _truncate(spec.title, width, theme.BOLD_FONT,
                                                                         TITLE_FONT_SIZE),
                           fontName=theme.BOLD_FONT, fontSize=TITLE_FONT_SIZE, fillColor=theme.INK))
        top = height - TITLE_FONT_SIZE - 12
    area = _Box(0, 0, width, top)
    if spec.is_empty:
        _draw_no_data(drawing, area)
    elif spec.kind in ("pie", "doughnut"):
        _draw_pie(drawing, spec, area)
    elif spec.kind == "line":
        _draw_category_chart(drawing, spec, area, _line_chart)
    elif spec.kind == "hbar":
        _draw_hbar(drawing, spec, area)
    else:
        _draw_category_chart(drawing, spec, area, _vbar_chart)
    return drawing


@dataclasses.dataclass
class _Box:
    x: float
    y: float
    width: float
    height: float


def _draw_no_data(drawing: Drawing, area: _Box, text: str = NO_DATA_TEXT) -> None:
    drawing.add(Rect(area.x, area.y, area.width, area.height, fillColor=theme.PANEL_FILL,
                     strokeColor=theme.RULE, strokeWidth=0.6, strokeDashArray=[3, 2]))
    drawing.add(String(area.x + area.width / 2, area.y + area.height / 2 - 4, text, textAnchor="middle",
                       fontName=theme.BODY_FONT, fontSize=10, fillColor=theme.MUTED))


def _series_data(spec: ChartSpec) -> list[tuple[float | None, ...]]:
    return [tuple(s.values) for s in spec.series]


def _value_range(spec: ChartSpec) -> tuple[float, float]:
    """Min/max the value axis must show (sums per category when stacked)."""
    if spec.stacked and spec.kind in ("bar", "hbar"):
        positives = [sum(v for v in col if v is not None and v > 0) for col in zip(*_series_data(spec))]
        negatives = [sum(v for v in col if v is not None and v < 0) for col in zip(*_series_data(spec))]
        return min([0.0, *negatives]), max([0.0, *positives])
    values = [v for s in spec.series for v in s.values if v is not None]
    if spec.kind == "line" and values and min(values) > 0:
        low, high = min(values), max(values)
        if high - low < 0.5 * high:
            # A line shows change: from zero, scores between 85 and 95 would draw as flat lines.
            # (Bars keep the zero baseline: their length is the value.)
            return max(0.0, low - ((high - low) * 0.25 or high * 0.05)), high
    return min([0.0, *values]), max([0.0, *values])


def _nice_scale(low: float, high: float, ticks: int = 5) -> tuple[float, float, float]:
    if high == low:
        high = low + 1
    raw_step = (high - low) / ticks
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw_step)
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


def _axis_formatter(step: float) -> Callable[[float], str]:
    decimals = 0
    while decimals < 4 and abs(step * 10 ** decimals - round(step * 10 ** decimals)) > 1e-9:
        decimals += 1

    def fmt(value: float) -> str:
        return f"{value:,.{decimals}f}"

    return fmt


def _value_label_format(spec: ChartSpec) -> Callable[[float], str]:
    values = [abs(v) for s in spec.series for v in s.values if v is not None]
    integral = all(float(v).is_integer() for v in values)
    small = max(values, default=0) < 1  # fractions (rates 0..1) need two decimals to differ

    def fmt(value: float) -> str:
        if value is None:
            return ""
        if integral or abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:,.2f}" if small else f"{value:,.1f}"

    return fmt


def _truncate(text: str, max_width: float, font: str, size: float) -> str:
    if stringWidth(text, font, size) <= max_width:
        return text
    while text and stringWidth(text + "…", font, size) > max_width:
        text = text[:-1]
    return text + "…"


def _legend_labels(spec: ChartSpec) -> list[str]:
    return [_truncate(s.label, 150, theme.BODY_FONT, LEGEND_FONT_SIZE) for s in spec.series]


def _legend_columns(spec: ChartSpec, width: float) -> int:
    widest = max(stringWidth(label, theme.BODY_FONT, LEGEND_FONT_SIZE) for label in _legend_labels(spec))
    return max(1, min(len(spec.series), int(width // (widest + 26))))


def _legend_height(spec: ChartSpec, width: float) -> float:
    if len(spec.series) < 2:
        return 0.0
    rows = math.ceil(len(spec.series) / _legend_columns(spec, width))
    return rows * (LEGEND_FONT_SIZE + 5) + 8


def _legend(*, rows: int, column_width: float, row_height: float, x_padding: float) -> Legend:
    """The theme's legend: swatch then text, filled column by column, anchored at its top left."""
    legend = Legend()
    legend.alignment = "right"
    legend.fontName = theme.BODY_FONT
    legend.fontSize = LEGEND_FONT_SIZE
    legend.fillColor = theme.INK
    legend.dx = legend.dy = 7
    legend.dxTextSpace = 5
    legend.deltay = row_height
    legend.columnMaximum = rows
    legend.deltax = column_width
    legend.autoXPadding = x_padding
    legend.strokeColor = None
    legend.strokeWidth = 0
    legend.boxAnchor = "nw"
    return legend


def _add_legend(drawing: Drawing, pairs: list[tuple[colors.Color, str]], area: _Box) -> None:
    """A legend centred along the bottom edge of ``area``, in as many columns as fit."""
    widest = max(stringWidth(label, theme.BODY_FONT, LEGEND_FONT_SIZE) for _, label in pairs)
    column_width = widest + 26
    columns = max(1, min(len(pairs), int(area.width // column_width)))
    rows = math.ceil(len(pairs) / columns)
    legend = _legend(rows=rows, column_width=column_width, row_height=LEGEND_FONT_SIZE + 5, x_padding=12)
    used_width = columns * column_width
    legend.x = area.x + max(0.0, (area.width - used_width) / 2)
    legend.y = area.y + rows * (LEGEND_FONT_SIZE + 5)
    legend.colorNamePairs = pairs
    drawing.add(legend)


def _category_labels(categories: tuple[str, ...], band: float) -> tuple[list[str], float, int]:
    """Labels (wrapped, thinned or shortened), their rotation angle and the number of text lines."""
    count = len(categories)
    widest = max((stringWidth(c, theme.BODY_FONT, AXIS_FONT_SIZE) for c in categories), default=0)
    if widest <= band - 4:
        return list(categories), 0, 1
    # Wrap onto at most 3 lines when each line then fits the band.
    chars = max(4, int((band - 4) / (AXIS_FONT_SIZE * 0.55)))
    wrapped = [textwrap.wrap(c, chars, break_long_words=True) or [""] for c in categories]
    if band >= 28 and all(len(lines) <= 4 for lines in wrapped):
        return ["\n".join(lines) for lines in wrapped], 0, max(len(lines) for lines in wrapped)
    # Otherwise rotate, shorten to a readable length, and keep every n-th label when they would collide.
    step = max(1, math.ceil((AXIS_FONT_SIZE + 2) / max(band, 0.1)))
    labels = []
    for index, category in enumerate(categories):
        if index % step:
            labels.append("")
        else:
            labels.append(_truncate(category, 90, theme.BODY_FONT, AXIS_FONT_SIZE))
    return labels, 45 if count <= 40 else 90, 1


def _label_extent(labels: list[str], angle: float, lines: int) -> float:
    """Vertical room the category labels need under the axis."""
    if angle == 0:
        return lines * (AXIS_FONT_SIZE + 1.5) + 4
    widest = max((stringWidth(label, theme.BODY_FONT, AXIS_FONT_SIZE) for label in labels), default=0)
    return widest * math.sin(math.radians(angle)) + AXIS_FONT_SIZE + 4


def _style_value_axis(axis: Any, low: float, high: float) -> Callable[[float], str]:
    low, high, step = _nice_scale(low, high)
    axis.valueMin, axis.valueMax, axis.valueStep = low, high, step
    formatter = _axis_formatter(step)
    axis.labelTextFormat = formatter
    axis.labels.fontName = theme.BODY_FONT
    axis.labels.fontSize = AXIS_FONT_SIZE
    axis.labels.fillColor = theme.MUTED
    axis.strokeColor = theme.RULE
    axis.visibleGrid = True
    axis.gridStrokeColor = theme.GRID
    axis.gridStrokeWidth = 0.5
    axis.visibleTicks = False
    return formatter


def _style_category_axis(axis: Any, labels: list[str], angle: float) -> None:
    axis.categoryNames = labels
    axis.labels.fontName = theme.BODY_FONT
    axis.labels.fontSize = AXIS_FONT_SIZE
    axis.labels.fillColor = theme.INK
    axis.strokeColor = theme.RULE
    axis.visibleTicks = False
    axis.labels.angle = angle


def _widest_axis_label(low: float, high: float) -> float:
    nice_low, nice_high, step = _nice_scale(low, high)
    fmt = _axis_formatter(step)
    return max(stringWidth(fmt(v), theme.BODY_FONT, AXIS_FONT_SIZE) for v in (nice_low, nice_high))


def _vbar_chart(spec: ChartSpec) -> Any:
    chart = VerticalBarChart()
    chart.data = _series_data(spec)
    chart.categoryAxis.style = "stacked" if spec.stacked else "parallel"
    bars = len(spec.categories) * (1 if spec.stacked else len(spec.series))
    chart.groupSpacing = 6 if len(spec.categories) < 30 else 2
    chart.barSpacing = 1 if len(spec.series) > 1 else 0
    if not spec.stacked and bars <= MAX_VALUE_LABELS:
        chart.barLabelFormat = _value_label_format(spec)
        chart.barLabels.fontName = theme.BODY_FONT
        chart.barLabels.fontSize = VALUE_LABEL_SIZE
        chart.barLabels.fillColor = theme.INK
        chart.barLabels.boxAnchor = "s"
        chart.barLabels.dy = 3
    return chart


def _line_chart(spec: ChartSpec) -> Any:
    chart = HorizontalLineChart()
    chart.data = _series_data(spec)
    chart.joinedLines = 1
    points = len(spec.categories) * len(spec.series)
    if len(spec.categories) <= 40:
        for index in range(len(spec.series)):
            chart.lines[index].symbol = makeMarker("FilledCircle", size=3.5 if points <= 120 else 2.5)
    # ReportLab mislabels points after a gap (None), so value labels only on complete series.
    complete = all(v is not None for s in spec.series for v in s.values)
    if complete and points <= MAX_VALUE_LABELS and len(spec.series) <= 2:
        chart.lineLabelFormat = _value_label_format(spec)
        chart.lineLabels.fontName = theme.BODY_FONT
        chart.lineLabels.fontSize = VALUE_LABEL_SIZE
        chart.lineLabels.fillColor = theme.INK
        chart.lineLabels.dy = 6
    return chart


@dataclasses.dataclass(frozen=True)
class _CategoryLayout:
    """Horizontal placement of a vertical bar/line chart and the room its labels take under the plot."""

    left: float  # plot's left edge, from the drawing's left
    plot_width: float
    labels: list[str]
    angle: float
    label_h: float
    legend_h: float
    x_title_h: float

    @property
    def below_plot(self) -> float:
        return self.legend_h + self.x_title_h + self.label_h + 4


def _category_layout(spec: ChartSpec, width: float) -> _CategoryLayout:
    low, high = _value_range(spec)
    y_title_w = 14 if spec.y_title else 0
    left = y_title_w + _widest_axis_label(low, high) + 8
    plot_width = width - 8 - left
    band = plot_width / max(1, len(spec.categories))
    labels, angle, lines = _category_labels(spec.categories, band)
    return _CategoryLayout(left, plot_width, labels, angle, _label_extent(labels, angle, lines),
                           _legend_height(spec, width), 14 if spec.x_title else 0)


def _category_overhead(spec: ChartSpec, width: float) -> float:
    """Height a vertical bar/line chart needs besides its plot area."""
    return _category_layout(spec, width).below_plot + 10


def _draw_category_chart(drawing: Drawing, spec: ChartSpec, area: _Box, make: Callable[[ChartSpec], Any]) -> None:
    """Vertical bar and line charts: categories along x, values up y."""
    low, high = _value_range(spec)
    layout = _category_layout(spec, area.width)
    left = area.x + layout.left
    right = left + layout.plot_width
    plot_width = layout.plot_width
    labels, angle, legend_h = layout.labels, layout.angle, layout.legend_h
    bottom = area.y + layout.below_plot
    top = area.y + area.height - 10

    chart = make(spec)
    chart.x, chart.y = left, bottom
    chart.width, chart.height = plot_width, max(40.0, top - bottom)
    _style_value_axis(chart.valueAxis, low, high)
    _style_category_axis(chart.categoryAxis, labels, angle)
    chart.categoryAxis.labels.boxAnchor = "n" if angle == 0 else "ne"
    chart.categoryAxis.labels.dy = -4
    chart.categoryAxis.labels.textAnchor = "middle" if angle == 0 else "end"
    if low < 0:
        chart.categoryAxis.joinAxisMode = "bottom"  # labels stay under the plot, not on the zero line
    _colour_series(chart, spec, lines_chart=isinstance(chart, HorizontalLineChart))
    drawing.add(chart)
    _axis_titles(drawing, spec, area, left, right, bottom, top, legend_h)
    if len(spec.series) > 1:
        _add_legend(drawing, list(zip(_colours(spec), _legend_labels(spec))), _Box(area.x, area.y, area.width, legend_h))


def _draw_hbar(drawing: Drawing, spec: ChartSpec, area: _Box) -> None:
    low, high = _value_range(spec)
    legend_h = _legend_height(spec, area.width)
    x_title_h = 14 if spec.x_title else 0
    y_title_w = 14 if spec.y_title else 0
    label_room = min(area.width * 0.3, max(stringWidth(c, theme.BODY_FONT, AXIS_FONT_SIZE)
                                           for c in spec.categories) + 8)
    left = area.x + y_title_w + label_room
    right = area.x + area.width - 24
    bottom = area.y + legend_h + x_title_h + AXIS_FONT_SIZE + 10
    top = area.y + area.height - 6
    band = (top - bottom) / max(1, len(spec.categories))
    step = max(1, math.ceil((AXIS_FONT_SIZE + 1) / max(band, 0.1)))
    labels = [
        "" if index % step else _truncate(c, label_room - 8, theme.BODY_FONT, AXIS_FONT_SIZE)
        for index, c in enumerate(spec.categories)
    ]

    chart = HorizontalBarChart()
    # Categories read top-down like a table: ReportLab draws the first category at the bottom.
    chart.data = [tuple(reversed(values)) for values in _series_data(spec)]
    chart.categoryAxis.style = "stacked" if spec.stacked else "parallel"
    chart.x, chart.y = left, bottom
    chart.width, chart.height = right - left, max(40.0, top - bottom)
    chart.groupSpacing = 4 if len(spec.categories) < 30 else 1
    chart.barSpacing = 1 if len(spec.series) > 1 else 0
    _style_value_axis(chart.valueAxis, low, high)
    _style_category_axis(chart.categoryAxis, list(reversed(labels)), 0)
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -4
    if low < 0:
        chart.categoryAxis.joinAxisMode = "left"
    bars = len(spec.categories) * (1 if spec.stacked else len(spec.series))
    if not spec.stacked and bars <= 40 and band >= VALUE_LABEL_SIZE + 2:
        chart.barLabelFormat = _value_label_format(spec)
        chart.barLabels.fontName = theme.BODY_FONT
        chart.barLabels.fontSize = VALUE_LABEL_SIZE
        chart.barLabels.fillColor = theme.INK
        chart.barLabels.boxAnchor = "w"
        chart.barLabels.dx = 3
    _colour_series(chart, spec, lines_chart=False)
    drawing.add(chart)
    _axis_titles(drawing, spec, area, left, right, bottom, top, legend_h, horizontal=True)
    if len(spec.series) > 1:
        _add_legend(drawing, list(zip(_colours(spec), _legend_labels(spec))), _Box(area.x, area.y, area.width, legend_h))


def _colours(spec: ChartSpec) -> list[colors.Color]:
    return [theme.series_colour(i) for i in range(len(spec.series))]


def _colour_series(chart: Any, spec: ChartSpec, lines_chart: bool) -> None:
    for index, colour in enumerate(_colours(spec)):
        if lines_chart:
            chart.lines[index].strokeColor = colour
            chart.lines[index].strokeWidth = 1.6
            if getattr(chart.lines[index], "symbol", None) is not None:
                chart.lines[index].symbol.fillColor = colour
                chart.lines[index].symbol.strokeColor = colour
        else:
            chart.bars[index].fillColor = colour
            chart.bars[index].strokeColor = None
            chart.bars[index].strokeWidth = 0


def _axis_titles(drawing: Drawing, spec: ChartSpec, area: _Box, left: float, right: float, bottom: float,
                 top: float, legend_h: float, horizontal: bool = False) -> None:
    # For horizontal bars the value axis runs along x, so the titles swap places.
    along_x = spec.y_title if horizontal else spec.x_title
    along_y = spec.x_title if horizontal else spec.y_title
    if spec.x_title:
        drawing.add(String((left + right) / 2, area.y + legend_h + 2,
                           _truncate(along_x, right - left, theme.BODY_FONT, AXIS_FONT_SIZE + 0.5),
                           textAnchor="middle", fontName=theme.BODY_FONT, fontSize=AXIS_FONT_SIZE + 0.5,
                           fillColor=theme.MUTED))
    if spec.y_title:
        title = String(0, 0, _truncate(along_y, top - bottom, theme.BODY_FONT, AXIS_FONT_SIZE + 0.5),
                       textAnchor="middle", fontName=theme.BODY_FONT, fontSize=AXIS_FONT_SIZE + 0.5,
                       fillColor=theme.MUTED)

        group = Group(title)
        group.translate(area.x + AXIS_FONT_SIZE + 1, (bottom + top) / 2)
        group.rotate(90)
        drawing.add(group)


PIE_LEGEND_ROW = LEGEND_FONT_SIZE + 5
PIE_LEGEND_MIN_COLUMN = 150.0
PIE_SLICE_LABEL_SHARE = 0.06  # slices under 6% are too thin for a label inside; the legend has their share


def _draw_pie(drawing: Drawing, spec: ChartSpec, area: _Box) -> None:
    series = spec.series[0]
    pairs = [(c, v) for c, v in zip(spec.categories, series.values) if v is not None and v > 0]
    skipped = sum(1 for v in series.values if v is not None and v <= 0)
    if not pairs:
        _draw_no_data(drawing, area, "No positive values to chart")
        return
    total = sum(v for _, v in pairs)
    fmt = _value_label_format(spec)
    note_h = 12 if skipped else 0
    size = min(area.height - 16 - note_h, area.width * 0.45)
    legend_x = area.x + 10 + size + 24
    legend_area = _Box(legend_x, area.y + note_h, area.x + area.width - legend_x, area.height - note_h)
    rows_fit = max(1, int((legend_area.height - 8) // PIE_LEGEND_ROW))
    columns = max(1, min(math.ceil(len(pairs) / rows_fit), int(legend_area.width // PIE_LEGEND_MIN_COLUMN)))
    # Every slice keeps a colour of its own and a legend line: beyond that the smallest become "Other".
    pairs = _fold_small_slices(pairs, min(rows_fit * columns, len(theme.PALETTE)))
    columns = max(1, min(columns, math.ceil(len(pairs) / rows_fit)))

    pie = Doughnut() if spec.kind == "doughnut" else Pie()
    pie.x = area.x + 10
    pie.y = area.y + note_h + (area.height - note_h - size) / 2
    pie.width = pie.height = size
    pie.data = [v for _, v in pairs]
    pie.startAngle = 90
    pie.direction = "clockwise"
    pie.slices.strokeColor = colors.white
    pie.slices.strokeWidth = 1
    pie.slices.fontName = theme.BOLD_FONT
    pie.slices.fontSize = VALUE_LABEL_SIZE + 1
    if spec.kind == "doughnut":
        pie.innerRadiusFraction = 0.55
    pie.slices.labelRadius = 0.78 if spec.kind == "doughnut" else 0.65
    pie.labels = [f"{v / total:.0%}" if v / total >= PIE_SLICE_LABEL_SHARE else "" for _, v in pairs]
    for index in range(len(pairs)):
        fill = theme.series_colour(index)
        pie.slices[index].fillColor = fill
        pie.slices[index].fontColor = _readable_text_colour(fill)
    drawing.add(pie)
    if spec.kind == "doughnut":
        drawing.add(String(pie.x + size / 2, pie.y + size / 2 - 4, fmt(total), textAnchor="middle",
                           fontName=theme.BOLD_FONT, fontSize=11, fillColor=theme.INK))

    # Legend: name, value and share per slice, in as many columns as needed, each label cut to its column.
    rows = math.ceil(len(pairs) / columns)
    column_width = legend_area.width / columns
    swatch_room = 7 + 5 + 8  # swatch, gap to text, gap before the next column
    labels = []
    for category, value in pairs:
        share = f"  {fmt(value)} ({value / total:.1%})"
        room = column_width - swatch_room - stringWidth(share, theme.BODY_FONT, LEGEND_FONT_SIZE)
        labels.append(_truncate(category, max(room, 24), theme.BODY_FONT, LEGEND_FONT_SIZE) + share)
    legend = _legend(rows=rows, column_width=column_width, row_height=PIE_LEGEND_ROW, x_padding=0)
    legend.x = legend_x
    # Vertically centred on the pie.
    legend.y = pie.y + size / 2 + rows * PIE_LEGEND_ROW / 2
    legend.colorNamePairs = [(theme.series_colour(i), label) for i, label in enumerate(labels)]
    drawing.add(legend)
    if skipped:
        drawing.add(String(area.x, area.y + 2, f"{skipped} zero or negative value(s) not shown",
                           fontName=theme.BODY_FONT, fontSize=AXIS_FONT_SIZE, fillColor=theme.MUTED))


OTHER_LABEL = "Other"


def _fold_small_slices(pairs: list[tuple[str, float]], room: int) -> list[tuple[str, float]]:
    """At most ``room`` slices: the smallest ones become one "Other (n)" slice, so the legend fits."""
    if len(pairs) <= room:
        return pairs
    keep = max(1, room - 1)
    ranked = sorted(range(len(pairs)), key=lambda i: pairs[i][1], reverse=True)
    kept = sorted(ranked[:keep])
    folded = [pairs[i] for i in ranked[keep:]]
    return [pairs[i] for i in kept] + [(f"{OTHER_LABEL} ({len(folded)})", sum(v for _, v in folded))]


def _relative_luminance(colour: colors.Color) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(colour.red) + 0.7152 * channel(colour.green) + 0.0722 * channel(colour.blue)


def _readable_text_colour(fill: colors.Color) -> colors.Color:
    """White or ink, whichever contrasts more with ``fill`` (WCAG contrast ratio)."""
    fill_l = _relative_luminance(fill)
    on_white = 1.05 / (fill_l + 0.05)
    on_ink = (fill_l + 0.05) / (_relative_luminance(theme.INK) + 0.05)
    return colors.white if on_white >= on_ink else theme.INK
