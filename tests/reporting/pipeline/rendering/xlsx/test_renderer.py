"""The XLSX renderer, checked the way a reader would: open the workbook (openpyxl) and its XML (zipfile)."""
from __future__ import annotations

import io
import re
import subprocess
import zipfile
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pypdf
import pytest

from tests.tools import require_tool

from reporting.pipeline.section_data import EMPTY, no_data_text, section_rows
from reporting.pipeline.rendering.xlsx import tables as xlsx_tables
from reporting.pipeline.rendering.xlsx import XlsxRenderer
from tests.reporting.pipeline.rendering.factories_xlsx import demo_context, partial_context, table_context

NS = {
    "c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "s": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
}


def render_bytes(context) -> bytes:
    out = io.BytesIO()
    XlsxRenderer().render(context, out)
    return out.getvalue()


def open_workbook(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def sheet_values(ws) -> list[tuple]:
    return [row for row in ws.iter_rows(values_only=True)]


def sheet_xml(data: bytes, sheet_name: str) -> str:
    """The worksheet part of ``sheet_name`` (resolved through workbook.xml and its relationships)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        rel_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
        rel_id = next(s.get(rel_ns) for s in workbook.iter(f"{{{NS['s']}}}sheet") if s.get("name") == sheet_name)
        target = next(r.get("Target") for r in rels if r.get("Id") == rel_id)
        return archive.read("xl/" + target.lstrip("/").removeprefix("xl/")).decode()


def charts_in(data: bytes) -> dict[str, dict]:
    """Every chart part, keyed by its title: plot type, bar direction/grouping, series/category formulas."""
    charts = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in sorted(n for n in archive.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)):
            root = ElementTree.fromstring(archive.read(name))
            plot = root.find("c:chart/c:plotArea", NS)
            kind_el = next(el for el in plot if el.tag.endswith("Chart"))
            title = "".join(t.text or "" for t in root.findall("c:chart/c:title//a:t", NS))
            series = plot.findall(".//c:ser", NS)
            charts[title] = {
                "part": name,
                "kind": kind_el.tag.split("}")[1],
                "bar_dir": child_val(kind_el, "c:barDir"),
                "grouping": child_val(kind_el, "c:grouping"),
                "values": [s.find("c:val//c:f", NS).text for s in series],
                "names": [s.find("c:tx//c:f", NS).text for s in series],
                "categories": [s.find("c:cat//c:f", NS).text for s in series],
                "axis_titles": ["".join(t.text or "" for t in ax.findall("c:title//a:t", NS))
                                for ax in plot if ax.tag.endswith("Ax")],
                "has_legend": root.find("c:chart/c:legend", NS) is not None,
            }
    return charts


def child_val(element, tag: str) -> str | None:
    child = element.find(tag, NS)
    return None if child is None else child.get("val")


@pytest.fixture(scope="module")
def demo_bytes() -> bytes:
    return render_bytes(partial_context())


@pytest.fixture(scope="module")
def demo_book(demo_bytes) -> openpyxl.Workbook:
    return open_workbook(demo_bytes)


# --- workbook layout -----------------------------------------------------------------------------------------


def test_renderer_declares_its_format():
    assert XlsxRenderer.name == "xlsx"
    assert XlsxRenderer.file_extension == "xlsx"
    assert XlsxRenderer.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_sheets_are_summary_charts_then_one_per_table_section(demo_book):
    assert demo_book.sheetnames == ["Summary", "Charts", "Departments", "Compliance status", "Missing table"]


def test_document_properties(demo_book):
    props = demo_book.properties
    assert props.title == "Monthly quality report — October 2026"
    assert props.subject == "Monthly quality report"
    assert props.creator == "QMS Reporting"
    # 09:30 in Warsaw (CET) is 08:30 UTC.
    assert props.created == datetime(2026, 11, 1, 8, 30)


# --- Summary -------------------------------------------------------------------------------------------------


def test_summary_lists_title_parameters_generated_at_and_requester(demo_book):
    rows = sheet_values(demo_book["Summary"])
    assert rows[0][0] == "Monthly quality report — October 2026"
    assert ("Period", "1 Oct 2026 – 31 Oct 2026") == rows_starting_with(rows, "Period")[:2]
    assert ("Department", "All") == rows_starting_with(rows, "Department")[:2]
    assert rows_starting_with(rows, "Generated at")[1] == "2026-11-01 09:30:00 CET (Europe/Warsaw, UTC+01:00)"
    assert rows_starting_with(rows, "Requested by")[1] == "Anna Kowalska"


def rows_starting_with(rows: list[tuple], first: str) -> tuple:
    return next(row for row in rows if row and row[0] == first)


def test_summary_kpi_table_has_every_kpi_section_with_typed_values(demo_book):
    ws = demo_book["Summary"]
    (table_name, ref), = ws.tables.items()
    cells = ws[ref]
    header = [c.value for c in cells[0]]
    assert header == ["Group", "KPI", "Value", "Status", "Change", "Previous", "Target", "Note"]
    body = [[c.value for c in row] for row in cells[1:]]
    assert [row[1] for row in body] == ["Quality score", "Defect rate", "Audit findings", "Overdue items"]
    # A percentage is a real percent cell (0.965 shown as 96.5%); status words as the PDF prints them.
    assert body[0] == ["Quality KPIs", "Quality score", 0.965, "Excellent", "▲ up", None, None, None]
    assert cells[1][2].number_format == "0.0%"
    assert body[3][0] == "Training KPIs"
    assert cells[1][2].data_type == "n"


def test_summary_status_cells_are_coloured_by_status_text_rules(demo_book):
    ws = demo_book["Summary"]
    (_, ref), = ws.tables.items()
    status_column = ws[ref][0][3]
    assert status_column.value == "Status"
    status_cells = [row[3].coordinate for row in ws[ref][1:]]
    rules_by_text = {}
    for cf in ws.conditional_formatting:
        for rule in cf.rules:
            rules_by_text[rule.text] = (str(cf.sqref), rule)
    assert set(rules_by_text) == {"excellent", "good", "warning", "critical"}
    for status, (sqref, rule) in rules_by_text.items():
        assert sqref == f"{status_cells[0]}:{status_cells[-1]}"
        assert rule.type == "containsText"
        assert status in rule.formula[0]
        assert rule.dxf.fill is not None


def test_partial_report_lists_each_missing_source_and_why(demo_book):
    rows = sheet_values(demo_book["Summary"])
    flat = [" | ".join(str(v) for v in row if v is not None) for row in rows]
    assert "Partial report: these sources could not be collected" in flat
    assert "training_api | HTTP 503 after 3 attempts | optional" in flat
    assert "documents_db | timed out after 30 s | optional" in flat


def test_complete_report_has_no_partial_note():
    rows = sheet_values(open_workbook(render_bytes(demo_context()))["Summary"])
    assert not any("Partial report" in str(v) for row in rows for v in row)


def test_kpi_section_with_missing_data_says_no_data():
    spec = {"title": "t", "sections": [{"type": "kpis", "data": "absent", "title": "Quality KPIs"}]}
    context = demo_context(spec=spec)
    rows = sheet_values(open_workbook(render_bytes(context))["Summary"])
    # In the reader's words, never a data path.
    assert any(str(row[0]) == f"Quality KPIs — {section_rows({}, 'absent').text}" for row in rows)
    assert not any("absent" in str(value) for row in rows for value in row)


# --- table sheets --------------------------------------------------------------------------------------------


def test_table_section_is_an_excel_table_with_frozen_header_and_filter(demo_book):
    ws = demo_book["Departments"]
    assert dict(ws.tables.items()) == {"Table2": "A3:E6"}
    table = ws.tables["Table2"]
    assert table.autoFilter.ref == "A3:E6"
    assert table.tableStyleInfo.name
    assert [c.name for c in table.tableColumns] == ["Department", "Quality %", "Documents", "Last audit", "Status"]
    assert [c.value for c in ws[3]] == ["Department", "Quality %", "Documents", "Last audit", "Status"]
    assert ws.freeze_panes == "A4"
    assert ws["A1"].value == "Departments"


def test_table_cells_are_typed_and_formatted(demo_book):
    ws = demo_book["Departments"]
    assert (ws["B4"].value, ws["B4"].number_format, ws["B4"].data_type) == (91.25, "0.0", "n")
    assert (ws["C4"].value, ws["C4"].number_format) == (1200, "#,##0")
    # An ISO string and a date object both become real dates with the column's format.
    assert (ws["D4"].value, ws["D4"].number_format) == (datetime(2026, 10, 31), "d mmm yyyy")
    assert ws["D4"].is_date and ws["D5"].is_date
    assert ws["D5"].value == datetime(2026, 9, 15)
    assert ws["A4"].value == "Łukasz Øster-Müller Lab"
    assert ws["A6"].value == "<img src=http://x>"
    compliance = demo_book["Compliance status"]
    assert (compliance["B4"].value, compliance["B4"].number_format) == (0.92, "0.0%")
    assert compliance["C4"].value == "Yes"  # as the PDF prints it, not TRUE


def test_table_totals_row_sums_the_column_live(demo_book):
    ws = demo_book["Departments"]
    assert ws["A7"].value == "Total"
    assert ws["C7"].value == "=SUM('Departments'!C4:C6)"
    assert ws["C7"].number_format == "#,##0"


def test_columns_are_fitted_to_their_content(demo_book):
    ws = demo_book["Departments"]
    assert ws.column_dimensions["A"].width >= len("Łukasz Øster-Müller Lab")
    assert ws.column_dimensions["B"].width < ws.column_dimensions["A"].width


def test_table_with_missing_data_path_says_no_data(demo_book):
    rows = sheet_values(demo_book["Missing table"])
    assert rows[1][0] == section_rows({}, "no.such.table").text
    assert not demo_book["Missing table"].tables


def test_empty_table_says_no_data_instead_of_an_empty_table():
    book = open_workbook(render_bytes(table_context([], [{"field": "a", "label": "A"}])))
    assert sheet_values(book["Data"])[1][0] == no_data_text(EMPTY)
    assert not book["Data"].tables


def test_aware_datetimes_are_shown_in_the_report_time_zone():
    from zoneinfo import ZoneInfo

    moment = datetime(2026, 10, 31, 23, 30, tzinfo=ZoneInfo("UTC"))
    book = open_workbook(render_bytes(table_context([{"at": moment}], [{"field": "at", "format": "yyyy-mm-dd hh:mm"}])))
    assert book["Data"]["A4"].value == datetime(2026, 11, 1, 0, 30)  # Europe/Warsaw, CET


def test_table_over_the_row_limit_is_split_across_sheets_with_a_note(monkeypatch):
    monkeypatch.setattr(xlsx_tables, "EXCEL_MAX_ROWS", 10)  # 10 - 3 title/note/header - 1 totals = 6 rows a sheet
    rows = [{"n": i, "label": f"row {i}"} for i in range(1, 15)]
    columns = [{"field": "label", "label": "Label"}, {"field": "n", "label": "N", "format": "0"}]
    book = open_workbook(render_bytes(table_context(rows, columns, title="Departments", totals=["n"])))
    assert book.sheetnames == ["Summary", "Departments", "Departments (2)", "Departments (3)"]
    written = []
    for name in book.sheetnames[1:]:
        ws = book[name]
        (_, ref), = ws.tables.items()
        written += [row[1].value for row in ws[ref][1:]]
        assert ws.max_row <= 10
    assert written == list(range(1, 15))  # nothing dropped, order kept
    assert book["Departments"]["A2"].value == (
        "Part 1 of 3: rows 1–6 of 14 (more rows than one Excel sheet holds). Continues on sheet 'Departments (2)'."
    )
    assert book["Departments (3)"]["A2"].value.startswith("Part 3 of 3: rows 13–14 of 14")
    assert book["Departments (3)"]["B6"].value == (
        "=SUM('Departments'!B4:B9,'Departments (2)'!B4:B9,'Departments (3)'!B4:B5)"
    )


# --- charts --------------------------------------------------------------------------------------------------


def test_every_chart_section_is_a_native_chart_referencing_its_data_cells(demo_bytes, demo_book):
    charts = charts_in(demo_bytes)
    assert set(charts) == {
        "Quality by department", "Documents created", "Stacked workload", "Quality trend", "Workflow stages",
        "Compliance",
    }
    bar = charts["Quality by department"]
    assert (bar["kind"], bar["bar_dir"], bar["grouping"]) == ("barChart", "col", "clustered")
    assert bar["values"] == ["'Charts'!$B$3:$B$5", "'Charts'!$C$3:$C$5"]
    assert bar["names"] == ["'Charts'!B2", "'Charts'!C2"]
    assert bar["categories"] == ["'Charts'!$A$3:$A$5"] * 2
    assert bar["axis_titles"] == ["Department", "Score (%)"]
    assert bar["has_legend"]
    # The referenced cells hold the chart's data, so editing them changes the chart.
    ws = demo_book["Charts"]
    assert [ws["A3"].value, ws["B3"].value, ws["C3"].value] == ["Łukasz Øster-Müller Lab", 91.25, 88]
    assert [ws["B2"].value, ws["C2"].value] == ["Quality %", "Training completion"]

    assert (charts["Documents created"]["kind"], charts["Documents created"]["bar_dir"]) == ("barChart", "bar")
    assert charts["Stacked workload"]["grouping"] == "stacked"
    assert charts["Quality trend"]["kind"] == "lineChart"
    assert charts["Workflow stages"]["kind"] == "pieChart"
    assert charts["Compliance"]["kind"] == "doughnutChart"
    assert len(charts["Workflow stages"]["values"]) == 1


def test_chart_series_point_at_the_rows_under_their_headers(demo_bytes, demo_book):
    ws = demo_book["Charts"]
    for title, chart in charts_in(demo_bytes).items():
        first, last = re.fullmatch(r"'Charts'!\$A\$(\d+):\$A\$(\d+)", chart["categories"][0]).groups()
        header_row = int(first) - 1
        assert ws.cell(int(first) - 2, 1).value == title
        for values_ref, name_ref in zip(chart["values"], chart["names"]):
            col = re.fullmatch(r"'Charts'!([A-Z]+)\d+", name_ref).group(1)
            assert values_ref == f"'Charts'!${col}${first}:${col}${last}"
            assert int(re.fullmatch(r"'Charts'![A-Z]+(\d+)", name_ref).group(1)) == header_row


def test_empty_and_missing_chart_data_get_a_visible_note(demo_book):
    rows = sheet_values(demo_book["Charts"])
    texts = [row[0] for row in rows if row and row[0] is not None]
    assert texts[texts.index("Empty chart") + 1] == "No data for this chart"
    assert texts[texts.index("Missing chart") + 1] == section_rows({}, "no.such.path").text


def test_non_finite_chart_values_are_left_empty():
    spec = {"title": "t", "sections": [
        {"type": "chart", "kind": "line", "title": "Odd", "data": "rows", "x": "name", "y": ["v"]}]}
    rows = [{"name": "a", "v": "nan"}, {"name": "b", "v": float("inf")}, {"name": "c", "v": 2}]
    ws = open_workbook(render_bytes(demo_context(spec=spec, data={"rows": rows})))["Charts"]
    assert [ws.cell(r, 2).value for r in (3, 4, 5)] == [None, None, 2]


# --- cell safety ---------------------------------------------------------------------------------------------

HOSTILE = ['=HYPERLINK("http://x","y")', "+1", "-1", "@SUM(A1:A2)", "\tcmd", "\nx", "=1+1"]


def test_formula_like_text_is_stored_as_quote_prefixed_strings():
    rows = [{"text": value, "number": -5} for value in HOSTILE]
    data = render_bytes(
        table_context(rows, [{"field": "text", "label": "Text"}, {"field": "number", "label": "N", "format": "0"}],
                      parameter_lines=[("Site", "=cmd|' /C calc'!A0")])
    )
    ws = open_workbook(data)["Data"]
    for offset, value in enumerate(HOSTILE):
        cell = ws.cell(4 + offset, 1)
        assert (cell.value, cell.data_type) == (value, "s")
        assert cell.quotePrefix is True
        number = ws.cell(4 + offset, 2)
        assert (number.value, number.data_type) == (-5, "n")
    xml = sheet_xml(data, "Data")
    assert "<f>" not in xml and "<f " not in xml
    assert "HYPERLINK" in xml  # stored, as text

    summary = open_workbook(data)["Summary"]
    site = next(row for row in summary.iter_rows() if row[0].value == "Site")[1]
    assert (site.value, site.data_type, site.quotePrefix) == ("=cmd|' /C calc'!A0", "s", True)
    assert "<f>" not in sheet_xml(data, "Summary")


def test_ordinary_text_is_not_quote_prefixed(demo_book):
    assert not demo_book["Departments"]["A4"].quotePrefix


def test_formula_like_labels_chart_categories_and_titles_stay_text():
    spec = {
        "title": "t",
        "sections": [
            {"type": "chart", "kind": "bar", "title": "=evil()", "data": "rows", "x": "name", "y": ["v"],
             "labels": {"v": "@label"}},
            {"type": "table", "title": "=sheet", "data": "rows",
             "columns": [{"field": "name", "label": "=Name"}, {"field": "v", "label": "V"}]},
        ],
    }
    data = render_bytes(demo_context(spec=spec, data={"rows": [{"name": "=1+2", "v": 3}]}))
    book = open_workbook(data)
    assert book.sheetnames == ["Summary", "Charts", "=sheet"]
    for sheet in ("Charts", "=sheet"):
        assert "<f>" not in sheet_xml(data, sheet)
    charts = book["Charts"]
    assert [charts["A1"].value, charts["B2"].value, charts["A3"].value] == ["=evil()", "@label", "=1+2"]
    assert book["=sheet"]["A3"].value == "=Name"
    assert [c.name for c in book["=sheet"].tables["Table2"].tableColumns] == ["=Name", "V"]


def test_illegal_control_characters_are_replaced_not_fatal():
    rows = [{"text": "bell\x07 and nul\x00 end"}]
    context = table_context(rows, [{"field": "text", "label": "Te\x01xt"}], parameter_lines=[("Who", "a\x1bb")])
    book = open_workbook(render_bytes(context))
    assert book["Data"]["A4"].value == "bell\ufffd and nul\ufffd end"
    assert book["Data"]["A3"].value == "Te\ufffdxt"
    assert rows_starting_with(sheet_values(book["Summary"]), "Who")[1] == "a\ufffdb"


def test_overlong_text_is_capped_with_a_marker():
    book = open_workbook(render_bytes(table_context([{"text": "x" * 40_000}], [{"field": "text"}])))
    value = book["Data"]["A4"].value
    assert len(value) == 32_767
    assert value.endswith("… [truncated]")


def test_sheet_names_from_titles_are_made_valid_and_unique():
    sections = [
        {"type": "table", "title": title, "data": "rows", "columns": [{"field": "a"}]}
        for title in ("Summary", "A/B: [x]*?\\", "x" * 40, "x" * 40, "'quoted'", "")
    ]
    context = demo_context(spec={"title": "t", "sections": sections}, data={"rows": [{"a": 1}]})
    book = open_workbook(render_bytes(context))
    assert book.sheetnames == [
        "Summary", "Summary (2)", "A_B_ _x____", "x" * 31, "x" * 27 + " (2)", "quoted", "Table 6",
    ]


# --- opens in another spreadsheet application ----------------------------------------------------------------


def test_libreoffice_opens_the_demo_workbook(tmp_path: Path, demo_bytes):
    require_tool("soffice", package="libreoffice-calc-nogui", purpose="opening the workbook in LibreOffice")
    workbook = tmp_path / "demo.xlsx"
    workbook.write_bytes(demo_bytes)
    result = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(workbook)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    pdf = tmp_path / "demo.pdf"
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")
    # What LibreOffice shows is the workbook's content: its cells with their number formats, the totals
    # formula computed, and the native chart drawn (its axis title is in no cell).
    text = " ".join(" ".join(page.extract_text().split()) for page in pypdf.PdfReader(pdf).pages)
    for expected in (
        "Monthly quality report — October 2026",
        "Partial report: these sources could not be collected",
        "Quality KPIs Quality score 96.5%", "Excellent ▲ up",
        "Department Quality % Documents Last audit",
        "Łukasz Øster-Müller Lab 91.3 1,200 31 Oct 2026",
        "Total 2,355",  # =SUM('Departments'!C4:C6) of 1200 + 845 + 310
        "Lab 92.0% Yes",
        "Score (%)",
    ):
        assert expected in text, expected


def test_a_large_table_is_written_completely_with_formats():
    rows = [{"id": i, "amount": i * 1.5, "day": f"2026-01-{i % 28 + 1:02d}"} for i in range(6_000)]
    columns = [
        {"field": "id", "label": "Id", "format": "0"},
        {"field": "amount", "label": "Amount", "format": "#,##0.00"},
        {"field": "day", "label": "Day", "format": "yyyy-mm-dd"},
    ]
    ws = open_workbook(render_bytes(table_context(rows, columns)))["Data"]
    assert dict(ws.tables.items()) == {"Table2": "A3:C6003"}
    last = ws[6003]
    assert [c.value for c in last] == [5_999, 8_998.5, datetime(2026, 1, 8)]  # 5999 % 28 + 1
    assert [c.number_format for c in last] == ["0", "#,##0.00", "yyyy-mm-dd"]


def test_a_total_over_a_column_without_any_number_is_empty_not_zero():
    """Reviewer: the workbook's =SUM over empty cells showed 0 where the PDF shows nothing."""
    context = table_context([{"name": "a", "count": None, "other": 2}, {"name": "b", "count": None, "other": 3}],
                            [{"field": "name"}, {"field": "count"}, {"field": "other"}], totals=["count", "other"])
    workbook = open_workbook(render_bytes(context))
    sheet = workbook[[n for n in workbook.sheetnames if n != "Summary"][0]]
    total = [row for row in sheet_values(sheet) if row and row[0] == "Total"][0]
    assert total[1] is None and str(total[2]).startswith("=SUM(")
