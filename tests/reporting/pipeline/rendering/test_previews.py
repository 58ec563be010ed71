from xml.etree import ElementTree

import pytest

from reporting.pipeline.section_data import section_rows
from reporting.pipeline.rendering import theme
from reporting.pipeline.rendering.previews import chart_previews

SVG = "{http://www.w3.org/2000/svg}"

SPEC = {"title": "Previews", "sections": [
    {"type": "heading", "text": "not a chart"},
    {"type": "chart", "kind": "bar", "title": "Scores", "data": "rows", "x": "name", "y": ["value"]},
    {"type": "chart", "kind": "pie", "title": "Empty", "data": "empty", "x": "name", "y": ["value"]},
    {"type": "chart", "kind": "line", "title": "Missing", "data": "nowhere", "x": "name", "y": ["value"]},
]}


def test_one_preview_per_chart_with_escaped_text(db):
    data = {"rows": [{"name": "<script>alert(1)</script>", "value": 3}, {"name": "Zoë & Ğ", "value": -2}],
            "empty": []}

    previews = chart_previews(spec=SPEC, data=data)

    assert [p["title"] for p in previews] == ["Scores", "Empty", "Missing"]
    svg = previews[0]["svg"]
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "<script>" not in svg and "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    assert "Zoë &amp; Ğ" in svg
    # The chart itself: its title, and one bar per data point in the series colour, each as long as its value
    # (3 up and 2 down from the zero line, where they meet).
    assert "Scores" in svg_texts(svg)
    bars = filled_rects(svg, theme.series_colour(0))
    assert len(bars) == len(data["rows"]) == 2
    up, down = bars
    assert up["height"] / down["height"] == pytest.approx(3 / 2, rel=1e-3)
    assert up["y"] == pytest.approx(down["y"] + down["height"])
    assert previews[1] == {"title": "Empty", "note": "No data for this chart"}
    # The reader's words (section_data), never a data path.
    assert previews[2]["note"] == section_rows({}, "nowhere").text
    assert previews[2]["note"].startswith("No data: ") and "nowhere" not in previews[2]["note"]


def svg_texts(svg: str) -> list[str]:
    return [el.text for el in ElementTree.fromstring(svg).iter(f"{SVG}text") if el.text]


def filled_rects(svg: str, colour) -> list[dict[str, float]]:
    """The rectangles filled with ``colour`` (ReportLab's renderSVG writes fills as rgb(%d%%,%d%%,%d%%)), left to right."""
    fill = f"fill: rgb({int(colour.red * 100)}%,{int(colour.green * 100)}%,{int(colour.blue * 100)}%)"
    rects = [{name: float(rect.get(name)) for name in ("x", "y", "width", "height")}
             for rect in ElementTree.fromstring(svg).iter(f"{SVG}rect") if fill in (rect.get("style") or "")]
    return sorted(rects, key=lambda rect: rect["x"])


def test_malformed_chart_sections_become_notes_in_every_output(db):
    import dataclasses
    import io

    from openpyxl import load_workbook
    from pypdf import PdfReader

    from reporting.pipeline.rendering.pdf import PdfRenderer
    from reporting.pipeline.rendering.xlsx import XlsxRenderer
    from templates_app.spec import ChartSection, ReportSpec
    from tests.reporting.pipeline.rendering.factories_pdf import build_report_context

    # parse_spec refuses both sections (a nested y, no x); the renderers must still cope with a parsed
    # chart that cannot describe a chart (no y field name, an empty x).
    spec = ReportSpec(title="Odd charts", sections=(
        ChartSection(kind="bar", title="Nested y", data="rows", x="name", y=("",)),
        ChartSection(kind="line", title="No x", data="rows", x="", y=("value",)),
    ))
    data = {"rows": [{"name": "A", "value": 1}]}
    context = dataclasses.replace(build_report_context(spec={"title": "Odd charts", "sections": []}, data=data),
                                  report=spec)

    notes = [p["note"] for p in chart_previews(spec=spec, data=data)]
    assert notes == ['No data: the chart section needs "y" field names',
                     'No data: the chart section needs an "x" field name']
    pdf, xlsx = io.BytesIO(), io.BytesIO()
    PdfRenderer().render(context, pdf)
    XlsxRenderer().render(context, xlsx)
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(pdf).pages)
    assert 'the chart section needs "y" field names' in text and 'needs an "x" field name' in text
    cells = {str(c.value) for ws in load_workbook(xlsx).worksheets for row in ws.iter_rows() for c in row if c.value}
    assert 'No data: the chart section needs "y" field names' in cells
