"""SVG previews of a report's charts for web pages, from the same chart code as the PDF."""
from __future__ import annotations

import re
from typing import Any
from xml.etree import ElementTree

from reporting.pipeline.section_data import EMPTY, NO_CHART_DATA, no_data_text, section_rows
from reporting.pipeline.rendering.chartspec import ChartSectionError, ChartSpec
from reporting.pipeline.rendering.charts import chart_svg
from templates_app.spec import ReportSpec, parse_spec

UNSAFE_PREVIEW_NOTE = "The chart preview could not be shown safely; see the PDF."

# What ReportLab's renderSVG writes for our charts, and nothing that can run or load anything
# (no script, foreignObject, a/image/use, no event handler or href attribute).
_SVG_ELEMENTS = frozenset({"svg", "title", "desc", "defs", "clipPath", "g", "rect", "path", "polyline",
                           "polygon", "line", "circle", "ellipse", "text", "tspan"})
_SVG_ATTRIBUTES = frozenset({"width", "height", "viewBox", "preserveAspectRatio", "version", "id", "transform",
                             "style", "fill-rule", "d", "points", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy",
                             "r", "rx", "ry"})
_SVG_NS = "{http://www.w3.org/2000/svg}"
_SAFE_ID = re.compile(r"[A-Za-z][\w-]{0,63}\Z")
# CSS may reference the SVG's own clip paths (url(#clip)) and colours (rgb()); no other CSS function
# (image-set(), expression(), url() of anything outside the SVG), no at-rules, no escapes.
_STYLE_FUNCTION = re.compile(r"([a-z-]+)\s*\(\s*(#?)", re.IGNORECASE)
_SAFE_STYLE_FUNCTIONS = {"rgb", "rgba"}


def _unsafe_style(value: str) -> bool:
    if "@" in value or "\\" in value:
        return True
    for name, own_id in _STYLE_FUNCTION.findall(value):
        name = name.lower()
        if not ((name == "url" and own_id) or name in _SAFE_STYLE_FUNCTIONS):
            return True
    return False


def chart_previews(*, spec: ReportSpec | dict[str, Any], data: dict[str, Any], width: float = 520.0) -> list[dict[str, str]]:
    """One {"title", "svg"} per chart section (or {"title", "note"} when it has no data to draw).

    The page inserts the SVG as markup while titles, labels and categories come from the spec and
    from source data. ReportLab's renderSVG writes them as escaped XML text nodes; the SVG is
    still rebuilt from an allow-list (``sanitised_chart_svg``) so that a change in ReportLab cannot
    turn that text into markup on our pages.

    ``spec`` is the parsed spec; a spec dict is parsed first (SpecInvalid when it cannot be read).
    """
    report = spec if isinstance(spec, ReportSpec) else parse_spec(spec)
    previews = []
    for section in report.sections_of_type("chart"):
        title = section.title
        found = section_rows(data, section.data)
        if found.missing and found.missing != EMPTY:
            previews.append({"title": title, "note": found.text})
            continue
        try:
            chart = ChartSpec.from_section(section, found.rows)
        except ChartSectionError as exc:
            previews.append({"title": title, "note": no_data_text(str(exc))})
            continue
        if chart.is_empty:
            previews.append({"title": title, "note": NO_CHART_DATA})
            continue
        svg = sanitised_chart_svg(chart_svg(chart, width=width))
        previews.append({"title": title, "svg": svg} if svg else {"title": title, "note": UNSAFE_PREVIEW_NOTE})
    return previews


def preview_for_display(preview: Any) -> dict[str, str]:
    """A stored preview as a page shows it: its SVG checked again (rows written by older code or
    by anything else are not trusted), or its note."""
    preview = preview if isinstance(preview, dict) else {}
    title = str(preview.get("title", ""))
    if preview.get("svg"):
        svg = sanitised_chart_svg(preview["svg"])
        return {"title": title, "svg": svg} if svg else {"title": title, "note": UNSAFE_PREVIEW_NOTE}
    return {"title": title, "note": str(preview.get("note", ""))}


def sanitised_chart_svg(svg: Any) -> str | None:
    """The chart's ``<svg>`` element re-serialised from allow-listed elements and attributes, or None
    when it holds anything else.

    Re-serialising (rather than passing the text on) drops comments and processing instructions,
    which an HTML parser reads differently from an XML parser, and escapes every text node again.
    """
    if not isinstance(svg, str) or "<svg" not in svg:
        return None
    # From the root element on: without the prolog no DOCTYPE (and so no entity declaration) can follow.
    try:
        clean = _copy_allowed(ElementTree.fromstring(svg[svg.index("<svg"):]))
    except (ElementTree.ParseError, RecursionError):
        return None
    if clean is None or clean.tag != "svg":
        return None
    clean.set("xmlns", "http://www.w3.org/2000/svg")
    return ElementTree.tostring(clean, encoding="unicode", short_empty_elements=True)


def _copy_allowed(element: ElementTree.Element) -> ElementTree.Element | None:
    if not isinstance(element.tag, str) or not element.tag.startswith(_SVG_NS):
        return None
    tag = element.tag[len(_SVG_NS):]
    if tag not in _SVG_ELEMENTS:
        return None
    copy = ElementTree.Element(tag)
    for name, value in element.attrib.items():
        if name not in _SVG_ATTRIBUTES:
            return None
        if (name == "id" and not _SAFE_ID.match(value)) or (name == "style" and _unsafe_style(value)):
            return None
        copy.set(name, value)
    copy.text = element.text
    for child in element:
        child_copy = _copy_allowed(child)
        if child_copy is None:
            return None
        child_copy.tail = child.tail
        copy.append(child_copy)
    return copy
