"""SVG previews of a report's charts for web pages, from the same chart code as the PDF."""
from __future__ import annotations

from typing import Any

from reporting.pipeline.datapath import DataPathError, resolve_rows
from reporting.pipeline.rendering.chartspec import ChartSectionError, ChartSpec
from reporting.pipeline.rendering.pdf_charts import chart_svg


def chart_previews(*, spec: dict[str, Any], data: dict[str, Any], width: float = 520.0) -> list[dict[str, str]]:
    """One {"title", "svg"} per chart section (or {"title", "note"} when it has no data to draw).

    The SVG comes from ReportLab's renderSVG, which writes labels as XML text nodes, so text from
    data arrives escaped.
    """
    previews = []
    for section in spec.get("sections", []):
        if section.get("type") != "chart":
            continue
        title = str(section.get("title", ""))
        try:
            chart = ChartSpec.from_section(section, resolve_rows(data, section["data"]))
        except (DataPathError, ChartSectionError) as exc:
            previews.append({"title": title, "note": f"No data: {exc}"})
            continue
        if chart.is_empty:
            previews.append({"title": title, "note": "No data for this chart."})
            continue
        svg = chart_svg(chart, width=width)
        # Inline in HTML: drop the XML prolog and DOCTYPE, keep the <svg> element.
        previews.append({"title": title, "svg": svg[svg.index("<svg"):]})
    return previews
