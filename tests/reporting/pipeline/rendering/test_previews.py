from reporting.pipeline.rendering.previews import chart_previews

SPEC = {"sections": [
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
    assert "<rect" in svg or "<path" in svg  # bars are drawn as vector shapes
    assert previews[1] == {"title": "Empty", "note": "No data for this chart."}
    assert previews[2]["note"].startswith("No data: data path 'nowhere' does not resolve")


def test_malformed_chart_sections_become_notes_in_every_output(db):
    import io

    from openpyxl import load_workbook
    from pypdf import PdfReader

    from reporting.pipeline.rendering.pdf import PdfRenderer
    from reporting.pipeline.rendering.xlsx import XlsxRenderer
    from tests.reporting.pipeline.rendering.factories_pdf import build_report_context

    spec = {"title": "Odd charts", "sections": [
        {"type": "chart", "kind": "bar", "title": "Nested y", "data": "rows", "x": "name", "y": [["value"]]},
        {"type": "chart", "kind": "line", "title": "No x", "data": "rows", "y": ["value"]},
    ]}
    data = {"rows": [{"name": "A", "value": 1}]}
    context = build_report_context(spec=spec, data=data)

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
