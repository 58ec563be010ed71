"""Issue 13: the PDF and the workbook present the same figures the same way.

Both files are read back as a reader would: the PDF's text (pypdf, with positions where order
matters) and the workbook's cells, formats, comments and chart XML (openpyxl, zipfile).
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import replace
from xml.etree import ElementTree

import openpyxl
import pypdf
import pytest

from reporting.pipeline.rendering.charts import build_drawing
from reporting.pipeline.rendering.chartspec import ChartSpec
from reporting.pipeline.rendering.pdf import PdfRenderer
from reporting.pipeline.rendering.previews import chart_previews
from reporting.pipeline.rendering.xlsx import XlsxRenderer
from templates_app.spec import PageSpec
from tests.reporting.pipeline.rendering.consistency_factory import RULES, consistency_context

C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"


def render_pdf(context) -> bytes:
    out = io.BytesIO()
    PdfRenderer().render(context, out)
    return out.getvalue()


def render_xlsx(context) -> bytes:
    out = io.BytesIO()
    XlsxRenderer().render(context, out)
    return out.getvalue()


@pytest.fixture(scope="module")
def pdf_bytes() -> bytes:
    return render_pdf(consistency_context())


@pytest.fixture(scope="module")
def pdf_text(pdf_bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in pypdf.PdfReader(io.BytesIO(pdf_bytes)).pages)


@pytest.fixture(scope="module")
def xlsx_bytes() -> bytes:
    return render_xlsx(consistency_context())


@pytest.fixture(scope="module")
def book(xlsx_bytes):
    return openpyxl.load_workbook(io.BytesIO(xlsx_bytes))


def kpi_rows(book) -> dict[str, dict]:
    ws = book["Summary"]
    (_, ref), = ws.tables.items()
    cells = ws[ref]
    header = [c.value for c in cells[0]]
    return {row[1].value: dict(zip(header, row)) for row in cells[1:]}


def charts(xlsx: bytes) -> dict[str, ElementTree.Element]:
    found = {}
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        for name in archive.namelist():
            if re.fullmatch(r"xl/charts/chart\d+\.xml", name):
                root = ElementTree.fromstring(archive.read(name))
                title_el = root.find(f"{C}chart/{C}title")
                title = "".join(t.text or "" for t in title_el.iter(f"{A}t"))
                found[title] = root.find(f"{C}chart/{C}plotArea")
    return found


def page_runs(pdf: bytes) -> list[tuple[str, float]]:
    runs: list[tuple[str, float]] = []
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        def visit(text, cm, tm, font, size):
            if text.strip():
                runs.append((text.strip(), tm[4] * cm[1] + tm[5] * cm[3] + cm[5]))
        page.extract_text(visitor_text=visit)
    return runs


# --- statuses, booleans, missing values ---------------------------------------------------------------------


def test_status_words_are_the_same_capitalised_words_in_both(pdf_text, book):
    kpis = kpi_rows(book)
    assert kpis["Quality score"]["Status"].value == "Excellent" and "Excellent" in pdf_text
    assert kpis["CAPA closure time"]["Status"].value == "Warning" and "Warning" in pdf_text
    table = book["Departments"]
    assert [table.cell(r, 4).value for r in (4, 5, 6)] == ["Good", "Warning", "Critical"]
    assert "Assembly 98.3 % Yes Good" in pdf_text and "Blending 74.6 % No Warning" in pdf_text
    shown = pdf_text
    for line in RULES:  # the rules' prose may say "excellent from 95"
        shown = shown.replace(line, "")
    for word in ("excellent", "good", "warning", "critical", "No status", "TRUE", "FALSE"):
        assert not re.search(rf"\b{word}\b", shown), word
        assert all(c.value != word for row in table.iter_rows() for c in row)


def test_booleans_read_yes_no_in_both(pdf_text, book):
    table = book["Departments"]
    assert [table.cell(r, 3).value for r in (4, 5, 6)] == ["Yes", "No", "No"]
    assert re.search(r"Yes Good .*No Warning .*No Critical", pdf_text)


def test_a_missing_table_value_is_a_dash_in_the_pdf_and_an_empty_cell_in_the_workbook(pdf_text, book):
    assert "Assembly 98.3 % Yes Good —" in pdf_text
    assert book["Departments"].cell(4, 5).value is None
    assert book["Departments"].cell(5, 5).is_date


def test_a_kpi_without_data_shows_no_data_and_its_note_never_zero_or_a_status(pdf_text, book):
    assert "Training compliance No data Training data is missing: training_metrics answered HTTP 404" in pdf_text
    row = kpi_rows(book)["Training compliance"]
    assert row["Value"].value is None
    assert row["Value"].comment is not None
    assert row["Value"].comment.text == "Training data is missing: training_metrics answered HTTP 404"
    assert row["Status"].value is None
    assert row["Note"].value == "Training data is missing: training_metrics answered HTTP 404"
    # A KPI without status (but with data) gets no pill and no "No status" either.
    assert kpi_rows(book)["Open CAPAs"]["Status"].value is None
    assert "Open CAPAs 13 items = flat" in pdf_text


# --- numbers ------------------------------------------------------------------------------------------------


def test_display_rounds_half_up_and_the_workbook_keeps_full_precision(pdf_text, book):
    assert "98.3 %" in pdf_text and "98.2 %" not in pdf_text  # 98.25 in a KPI card and in the table
    value = kpi_rows(book)["Quality score"]["Value"]
    assert value.value == pytest.approx(0.9825, abs=1e-12) and value.number_format == "0.0%"
    quality = book["Departments"].cell(4, 2)
    assert quality.value == pytest.approx(0.9825, abs=1e-12)


def test_percentages_are_percent_cells_with_the_column_format(book):
    quality = book["Departments"].cell(5, 2)
    assert quality.data_type == "n" and quality.number_format == "0.0%"
    assert quality.value == pytest.approx(0.746)
    assert kpi_rows(book)["CAPA closure time"]["Value"].number_format == '#,##0.0" days"'


def test_change_against_the_previous_period_is_judged_by_direction(pdf_text, book):
    rows = kpi_rows(book)
    assert "▲ 1.4 vs Oct" in pdf_text and rows["Quality score"]["Change"].value == "▲ 1.4 vs Oct"
    assert rows["Quality score"]["Previous"].value == pytest.approx(0.9685)
    # CAPA closure time going up is worse: red in the workbook (and in the PDF, from the same colour).
    assert "▲ 4.0 vs Oct" in pdf_text and rows["CAPA closure time"]["Change"].value == "▲ 4.0 vs Oct"
    assert rows["CAPA closure time"]["Change"].font.color.rgb.endswith("B3261E")
    assert rows["Quality score"]["Change"].font.color.rgb.endswith("1B7F3B")
    assert rows["Quality score"]["Target"].value == pytest.approx(0.95)


# --- charts -------------------------------------------------------------------------------------------------


def test_horizontal_bars_put_the_first_category_on_top_in_both(pdf_bytes, xlsx_bytes):
    runs = page_runs(pdf_bytes)
    heights = {text: y for text, y in runs if text in ("Draft", "Review", "Approval")}
    assert heights["Draft"] > heights["Review"] > heights["Approval"]
    plot = charts(xlsx_bytes)["Documents per stage"]
    assert plot.find(f"{C}barChart/{C}barDir").get("val") == "bar"
    assert plot.find(f"{C}catAx/{C}scaling/{C}orientation").get("val") == "maxMin"
    assert plot.find(f"{C}valAx/{C}crosses").get("val") == "max"  # values stay under the bars


def test_a_percent_axis_runs_to_100_in_both(pdf_bytes, xlsx_bytes):
    context = consistency_context()
    section = context.report.sections[2]
    spec = ChartSpec.from_section(section, context.data["departments"])
    texts = {s.text for s in _strings(build_drawing(spec, 480))}
    assert "100" in texts and "120" not in texts
    scaling = charts(xlsx_bytes)["Quality by department"].find(f"{C}valAx/{C}scaling")
    assert float(scaling.find(f"{C}max").get("val")) == 100
    assert float(scaling.find(f"{C}min").get("val")) == 0


def test_a_reference_line_is_a_line_not_a_bar_series(pdf_text, xlsx_bytes):
    plot = charts(xlsx_bytes)["Quality by department"]
    bar_series = plot.findall(f"{C}barChart/{C}ser")
    line_series = plot.findall(f"{C}lineChart/{C}ser")
    assert len(bar_series) == 1 and len(line_series) == 1
    assert line_series[0].find(f"{C}spPr/{A}ln/{A}prstDash").get("val") == "dash"
    # The line shares the bars' axes.
    assert {a.get("val") for a in plot.find(f"{C}barChart").findall(f"{C}axId")} == \
        {a.get("val") for a in plot.find(f"{C}lineChart").findall(f"{C}axId")}
    assert "Target 90 %" in pdf_text
    context = consistency_context()
    spec = ChartSpec.from_section(context.report.sections[2], context.data["departments"])
    drawing = build_drawing(spec, 480)
    dashed = [s for s in _shapes(drawing) if type(s).__name__ == "Line" and getattr(s, "strokeDashArray", None)]
    assert len(dashed) == 1 and dashed[0].y1 == dashed[0].y2  # one horizontal dashed line


def test_a_one_category_pie_is_drawn_as_one_bar_in_both(pdf_text, xlsx_bytes):
    plot = charts(xlsx_bytes)["Overdue by department"]
    assert plot.find(f"{C}pieChart") is None and plot.find(f"{C}barChart") is not None
    context = consistency_context()
    spec = ChartSpec.from_section(context.report.sections[4], context.data["one"])
    assert spec.kind == "bar" and spec.drawn_as_bar
    assert not [s for s in _shapes(build_drawing(spec, 480)) if type(s).__name__ == "Wedge"]
    assert "100%" not in pdf_text


def test_a_lone_bar_is_no_wider_than_the_cap():
    context = consistency_context()
    spec = ChartSpec.from_section(context.report.sections[4], context.data["one"])
    bars = [s for s in _shapes(build_drawing(spec, 480)) if type(s).__name__ == "Rect" and s.height > 20]
    assert bars and max(b.width for b in bars) <= 48.01


def test_chart_previews_follow_the_same_rules():
    context = consistency_context()
    previews = chart_previews(spec=context.report, data=context.data)
    by_title = {p["title"]: p for p in previews}
    svg = by_title["Quality by department"]["svg"]
    assert ">100<" in svg and ">120<" not in svg and "Target 90 %" in svg
    assert "stroke-dasharray" in svg


# --- rules section, print setup -----------------------------------------------------------------------------


def test_rules_are_a_titled_list_in_the_pdf_and_under_the_kpis_in_the_workbook(pdf_text, book):
    assert "How statuses are set" in pdf_text
    for line in RULES:
        assert line in pdf_text
    rows = [r[0] for r in book["Summary"].iter_rows(values_only=True) if r and r[0]]
    start = rows.index("How statuses are set")
    assert rows[start + 1:start + 3] == [f"• {line}" for line in RULES]
    assert start > rows.index("Key performance indicators")


@pytest.mark.parametrize(("size", "paper"), [("A4", 9), ("Letter", 1)])
def test_every_sheet_prints_fitted_to_width_on_the_spec_paper(size, paper):
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(consistency_context(page=PageSpec(size=size)))))
    for ws in book.worksheets:
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True, ws.title
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0), ws.title
        assert int(ws.page_setup.paperSize) == paper, ws.title
    assert book["Charts"].page_setup.orientation == "landscape"
    assert book["Summary"].page_setup.orientation == "landscape"  # eight KPI columns
    assert book["Departments"].page_setup.orientation == "portrait"  # five columns, portrait spec page
    assert book["Departments"].print_title_rows in ("3:3", "$3:$3")


def test_a_landscape_spec_page_prints_every_sheet_landscape():
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(consistency_context(page=PageSpec(orientation="landscape")))))
    assert {ws.page_setup.orientation for ws in book.worksheets} == {"landscape"}


def test_charts_are_kept_whole_on_printed_pages(book):
    ws = book["Charts"]
    breaks = [b.id for b in ws.row_breaks.brk]
    assert breaks, "three chart blocks do not fit one page"
    titles = {row[0].value: row[0].row for row in ws.iter_rows() if row[0].value in (
        "Quality by department", "Documents per stage", "Overdue by department")}
    pages = sorted(titles.values())
    # Every break falls between two chart blocks (just before a title), never inside one.
    assert all(b + 1 in pages for b in breaks)


def _shapes(node):
    for child in getattr(node, "contents", []):
        yield child
        yield from _shapes(child)


def _strings(drawing):
    return [s for s in _shapes(drawing) if type(s).__name__ == "String"]


def test_a_pie_of_several_slices_stays_a_pie_labelled_with_shares_only():
    two = [{"name": "Assembly", "overdue": 4}, {"name": "Blending", "overdue": 2}]
    data = {**consistency_context().data, "one": two}
    xlsx = render_xlsx(consistency_context(data=data))
    labels = charts(xlsx)["Overdue by department"].find(f"{C}pieChart/{C}dLbls")
    flags = {child.tag.removeprefix(C): child.get("val") for child in labels}
    assert flags["showPercent"] == "1"
    assert all(flags[name] == "0" for name in ("showVal", "showCatName", "showSerName", "showLegendKey"))


def test_a_reference_line_on_horizontal_bars_is_vertical_and_its_value_stays_in_the_workbook():
    from tests.reporting.pipeline.rendering.consistency_factory import ChartWithAxis, Line, _fields

    context = consistency_context()
    sections = list(context.report.sections)
    sections[3] = ChartWithAxis(**{**_fields(sections[3]), "reference_lines": (Line("Limit", 25.0),)})
    spec = ChartSpec.from_section(sections[3], context.data["stages"])
    dashed = [s for s in _shapes(build_drawing(spec, 480)) if type(s).__name__ == "Line" and s.strokeDashArray]
    assert len(dashed) == 1 and dashed[0].x1 == dashed[0].x2
    context.report = replace(context.report, sections=tuple(sections))
    xlsx = render_xlsx(context)
    plot = charts(xlsx)["Documents per stage"]
    assert plot.find(f"{C}lineChart") is None and len(plot.findall(f"{C}barChart/{C}ser")) == 1
    ws = openpyxl.load_workbook(io.BytesIO(xlsx))["Charts"]
    assert any(c.value == "Limit 25" for row in ws.iter_rows() for c in row)


def test_a_pie_leaves_out_zero_slices_in_both_and_says_so():
    three = [{"name": "Assembly", "overdue": 4}, {"name": "Blending", "overdue": 2}, {"name": "Coating", "overdue": 0}]
    context = consistency_context(data={**consistency_context().data, "one": three})
    pdf = render_pdf(context)
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    xlsx = render_xlsx(context)
    ws = openpyxl.load_workbook(io.BytesIO(xlsx))["Charts"]
    cells = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
    assert "1 zero or negative value(s) not shown" in text and "1 zero or negative value(s) not shown" in cells
    title = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "Overdue by department")
    assert [ws.cell(r, 1).value for r in range(title + 2, title + 5)] == [
        "Assembly", "Blending", "1 zero or negative value(s) not shown"]
    categories = charts(xlsx)["Overdue by department"].find(f"{C}pieChart/{C}ser/{C}cat//{C}f").text
    first, last = (int(n) for n in re.findall(r"\$(\d+)", categories))
    assert [ws.cell(r, 1).value for r in range(first, last + 1)] == ["Assembly", "Blending"]
