"""A hostile template author or a broken upstream against the presentation parts (issue 13): units,
reference-line labels, notes and rules lines end up in number formats, cells, comments, PDF text
and SVG; none may break a file, run as a formula or become markup."""
from __future__ import annotations

import io
from dataclasses import replace

import openpyxl
import pypdf

from reporting.pipeline.rendering.pdf import PdfRenderer
from reporting.pipeline.rendering.previews import chart_previews
from reporting.pipeline.rendering.xlsx import XlsxRenderer
from tests.reporting.pipeline.rendering.consistency_factory import DATA, Line, consistency_context

FORMULA = '=HYPERLINK("http://x","y")'


def hostile_context():
    data = dict(DATA)
    data["kpis"] = [
        {"name": "<b>Bold</b>", "value": 1e300, "unit": 'da"ys\\;[Red]@', "decimals": 10, "status": {"x": 1}},
        {"name": FORMULA, "value": None, "note": FORMULA + " <script>alert(1)</script>" * 200},
        {"name": "Odd decimals", "value": 2.5, "decimals": -3, "previous": "n/a", "change": float("nan")},
    ]
    data["rules"] = [FORMULA, "<img src=x onerror=alert(1)>", None, {"text": "from a row"}, ["nested"]] + ["x" * 5000]
    context = consistency_context(data=data)
    sections = list(context.report.sections)
    sections[2] = replace(sections[2], reference_lines=(Line(FORMULA, 90.0), Line("<b>Huge</b>", float("inf")),
                                                         Line("bad", "not a number")))
    context.report = replace(context.report, sections=tuple(sections))
    return context


def test_hostile_units_labels_notes_and_rules_render_safely_in_both_formats():
    context = hostile_context()
    pdf = io.BytesIO()
    PdfRenderer().render(context, pdf)
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.getvalue())).pages)
    assert "<b>Bold</b>" in text  # shown as the literal text it is
    assert "from a row" in text and "<img src=x onerror=alert(1)>" in text

    out = io.BytesIO()
    XlsxRenderer().render(context, out)
    book = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    summary = book["Summary"]
    cells = [c for row in summary.iter_rows() for c in row if c.value is not None]
    assert not [c for c in cells if c.data_type == "f"]  # no formula anywhere
    huge = next(row for row in summary.iter_rows() if row[1].value == "<b>Bold</b>")
    assert '"' not in huge[2].number_format.split('"')[1]  # the unit cannot close its literal early
    assert huge[3].value is None  # a status that is no status word shows none
    guarded = next(row for row in summary.iter_rows() if row[1].value == FORMULA)
    assert guarded[1].quotePrefix is True and guarded[1].data_type == "s"
    assert len(guarded[2].comment.text) <= 2_000
    charts = book["Charts"]
    headers = [c for row in charts.iter_rows() for c in row if str(c.value).startswith(FORMULA)]
    assert headers and all(c.data_type == "s" and c.quotePrefix for c in headers)


def test_hostile_reference_labels_stay_text_in_the_preview_svg():
    context = hostile_context()
    previews = {p["title"]: p for p in chart_previews(spec=context.report, data=context.data)}
    svg = previews["Quality by department"]["svg"]
    assert "<b>" not in svg and "HYPERLINK" in svg
