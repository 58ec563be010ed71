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
