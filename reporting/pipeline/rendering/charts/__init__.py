"""Charts for the PDF and the web page: one ChartSpec -> a ReportLab vector drawing or SVG text."""
from reporting.pipeline.rendering.charts.drawing import build_drawing, chart_height_range, chart_svg

__all__ = ["build_drawing", "chart_height_range", "chart_svg"]
