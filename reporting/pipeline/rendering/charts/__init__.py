"""Charts for the PDF and the web page: one ChartSpec -> a ReportLab vector drawing or SVG text.

``drawing`` builds (and caches) them; ``bars``, ``lines`` (laid out by ``category``) and ``pie`` draw
each kind over the shared ``axes``, ``legends`` and ``common`` parts; ``sizing`` says how tall.
"""
from reporting.pipeline.rendering.charts.drawing import build_drawing, chart_svg
from reporting.pipeline.rendering.charts.sizing import chart_height_range

__all__ = ["build_drawing", "chart_height_range", "chart_svg"]
