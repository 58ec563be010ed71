"""The PDF a reader receives: read back with pypdf (text, pages, metadata, outline) and pdftoppm."""
from __future__ import annotations

import io
import re
import socket
import subprocess
from datetime import date, datetime, timezone
from pathlib import Path

import pypdf
import pytest

from tests.tools import require_tool
from PIL import Image

from reporting.pipeline.context import SourceFailure
from reporting.pipeline.section_data import EMPTY, no_data_text, section_rows
from reporting.pipeline.rendering import base
from reporting.pipeline.rendering.formats import format_value
from reporting.pipeline.rendering.pdf import PdfRenderer
from reporting.pipeline.rendering.pdf.markup import generated_text
from tests.reporting.pipeline.rendering.factories_pdf import (
    HOSTILE_NAME,
    UNICODE_NAME,
    build_report_context,
    table_rows,
    table_spec,
)


def render(context, renderer: PdfRenderer | None = None) -> bytes:
    out = io.BytesIO()
    (renderer or PdfRenderer()).render(context, out)
    return out.getvalue()


def page_texts(pdf: bytes) -> list[str]:
    """Each page's text with whitespace collapsed (pypdf splits lines at form XObjects)."""
    return [" ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


@pytest.fixture(scope="module")
def demo_pdf() -> bytes:
    return render(build_report_context())


def test_renderer_is_registered_for_pdf():
    assert type(base.get_renderer("pdf")) is PdfRenderer
    assert (PdfRenderer.content_type, PdfRenderer.file_extension) == ("application/pdf", "pdf")


def test_demo_report_has_header_and_page_x_of_y_footer_on_every_page(demo_pdf):
    texts = page_texts(demo_pdf)
    assert len(texts) >= 3
    for number, text in enumerate(texts, start=1):
        assert text.startswith("Monthly quality report"), text[:80]
        assert f"Page {number} of {len(texts)}" in text
        assert "Generated 3 Nov 2026, 09:30 CET" in text


def test_title_block_lists_parameters_time_and_requester(demo_pdf):
    first = page_texts(demo_pdf)[0]
    assert "Period 1 Oct 2026 – 31 Oct 2026" in first
    assert "Department All" in first
    assert f"Requested by {UNICODE_NAME}" in first
    assert "Incomplete report" not in first


def test_metadata_and_outline(demo_pdf):
    reader = pypdf.PdfReader(io.BytesIO(demo_pdf))
    meta = reader.metadata
    assert meta.title == "Monthly quality report"
    assert meta.author == UNICODE_NAME
    assert meta.creator == "QMS Reporting"
    assert "Period: 1 Oct 2026 – 31 Oct 2026" in meta.subject

    def titles(items):
        for item in items:
            if isinstance(item, list):
                yield from titles(item)
            else:
                yield item.title

    assert list(titles(reader.outline)) == ["Executive summary", "Departments", "Trends", "Compliance"]
    # "Departments" is a level-2 heading: nested under "Executive summary".
    assert isinstance(reader.outline[1], list)


def test_kpi_cards_show_value_unit_trend_and_status_words(demo_pdf):
    first = page_texts(demo_pdf)[0]
    # The unit is drawn beside the value in a lighter face: text extraction may put a space between.
    # Rows without a previous value show their trend ("▲ up"); with one, the change ("▲ 1.4 vs Oct").
    for pattern in (r"Defect rate", r"1\.8 ?%", r"41\.5 ?days", r"37 ?items", r"▲ up", r"▼ down",
                    r"= flat", r"Excellent", r"Good", r"Warning", r"Critical"):
        assert re.search(pattern, first), pattern


def test_table_formats_totals_and_page_size(demo_pdf):
    text = " ".join(page_texts(demo_pdf))
    assert "Quality Assurance 97.2 96.5 212 2 Oct 2026" in text
    assert "Research & Development 84.6 79.3 96 21 Jul 2026" in text  # a date object, not a string
    assert "Total 606" in text  # 148 + 212 + 96 + 61 + 12 + 77
    assert "88.0%" in text  # 0.88 under "0.0%"
    width, height = pypdf.PdfReader(io.BytesIO(demo_pdf)).pages[0].mediabox.upper_right
    assert (round(float(width)), round(float(height))) == (595, 842)  # A4 portrait


def test_hostile_strings_appear_literally_and_fetch_nothing(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("rendering tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    hostile = HOSTILE_NAME + " <para> </font> &amp; =HYPERLINK(\"http://x\")"
    spec = {
        "title": hostile,
        "sections": [
            {"type": "heading", "text": hostile},
            {"type": "text", "text": hostile},
            {"type": "kpis", "data": "kpis", "title": hostile},
            {"type": "table", "title": hostile, "data": "rows",
             "columns": [{"field": "name", "label": hostile}, {"field": "v", "label": "V", "format": "0"}]},
            {"type": "chart", "kind": "bar", "title": hostile, "data": "rows", "x": "name", "y": ["v"]},
        ],
    }
    data = {"kpis": [{"name": hostile, "value": 1, "unit": "<u>", "trend": "up", "status": "good"}],
            "rows": [{"name": hostile, "v": 3}, {"name": hostile * 8, "v": 4}]}
    context = build_report_context(spec=spec, data=data, requested_by=hostile,
                                   missing_sources=[SourceFailure(hostile, hostile, True)])
    context.parameter_lines = [(hostile, hostile)]
    text = " ".join(page_texts(render(context)))
    normalised_hostile = " ".join(hostile.split())
    # title block, header, heading, text, notice (name and reason), table title, cell, parameter line...
    assert text.count(normalised_hostile) >= 8
    assert "<img src=http://x> & <b>bold</b>" in text


def test_non_latin1_names_extract_back():
    spec = {"title": "Zoë’s report — Ğ", "sections": [
        {"type": "text", "text": f"Owner: {UNICODE_NAME}, reviewer Zoë, approver Ğüneş"},
        {"type": "table", "data": "rows", "columns": [{"field": "name", "label": "Name"}]},
    ]}
    pdf = render(build_report_context(spec=spec, data={"rows": [{"name": "Zoë"}, {"name": "Ğ"}]}))
    text = " ".join(page_texts(pdf))
    for expected in (UNICODE_NAME, "Zoë", "Ğüneş", "Zoë’s report — Ğ"):
        assert expected in text
    fonts = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"]
    assert any("DejaVuSans" in str(font.get_object()["/BaseFont"]) for font in fonts.values())


def test_every_row_of_a_long_table_is_present_with_a_header_on_every_page():
    rows = table_rows(300)
    pdf = render(build_report_context(spec=table_spec(totals=["c1"]), data={"rows": rows}))
    texts = page_texts(pdf)
    assert len(texts) >= 5
    joined = " ".join(texts)
    found = re.findall(r"Row (\d{6}) item", joined)
    assert found == [f"{i:06d}" for i in range(300)]  # every row, once, in order
    for text in texts:
        assert "Column 0 Column 1 Column 2 Column 3 Column 4" in text
    assert f"Total {format_value(sum(r['c1'] for r in rows), '#,##0')}" in texts[-1]


def test_long_text_cells_wrap_inside_the_page():
    rows = [{"c0": "word " * 120, "c1": 1, "c2": 2.0, "c3": "2026-01-01", "c4": 0.5} for _ in range(30)]
    pdf = render(build_report_context(spec=table_spec(), data={"rows": rows}))
    texts = page_texts(pdf)
    assert len(texts) >= 2
    assert " ".join(texts).count("2026-01-01") == 30


def test_partial_notice_lists_each_missing_source_on_page_one():
    failures = [SourceFailure("training_metrics", "HTTP 503 after 3 attempts", False),
                SourceFailure("quality_metrics", "timed out after 10 s", True)]
    first = page_texts(render(build_report_context(missing_sources=failures)))[0]
    assert "Incomplete report: some data could not be collected" in first
    assert "• training_metrics (optional): HTTP 503 after 3 attempts" in first
    assert "• quality_metrics (required): timed out after 10 s" in first


def test_missing_or_empty_data_shows_no_data_instead_of_a_blank_section():
    spec = {"title": "Gaps", "sections": [
        {"type": "table", "title": "Ghost table", "data": "nowhere.rows", "columns": [{"field": "a"}]},
        {"type": "chart", "kind": "bar", "title": "Empty chart", "data": "empty", "x": "a", "y": ["b"]},
        {"type": "kpis", "data": "empty"},
        {"type": "chart", "kind": "line", "title": "All blank", "data": "blank", "x": "a", "y": ["b"]},
    ]}
    data = {"empty": [], "blank": [{"a": "x", "b": None}]}
    text = " ".join(page_texts(render(build_report_context(spec=spec, data=data))))
    # In the reader's words (section_data), never a data path.
    assert section_rows(data, "nowhere.rows").text in text and "nowhere" not in text
    assert no_data_text(EMPTY) in text
    assert "No data for this chart" in text


def test_landscape_letter_and_logo(tmp_path: Path):
    (tmp_path / "img").mkdir()
    Image.new("RGB", (120, 40), (31, 90, 150)).save(tmp_path / "img" / "logo.png")
    spec = {"title": "Wide", "page": {"size": "Letter", "orientation": "landscape"}, "logo": "img/logo.png",
            "sections": [{"type": "text", "text": "hello"}, {"type": "page_break"}, {"type": "text", "text": "two"}]}
    pdf = render(build_report_context(spec=spec), PdfRenderer(static_root=tmp_path))
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2
    width, height = reader.pages[0].mediabox.upper_right
    assert (round(float(width)), round(float(height))) == (792, 612)
    for page in reader.pages:
        xobjects = page["/Resources"]["/XObject"]
        assert any(x.get_object()["/Subtype"] == "/Image" for x in xobjects.values())


def test_logo_outside_static_is_ignored(tmp_path: Path):
    spec = {"title": "T", "logo": "../../../etc/passwd", "sections": [{"type": "text", "text": "x"}]}
    pdf = render(build_report_context(spec=spec), PdfRenderer(static_root=tmp_path))
    xobjects = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/XObject"]
    assert not any(x.get_object()["/Subtype"] == "/Image" for x in xobjects.values())


def test_chart_pages_contain_vector_drawing_operations():
    spec = {"title": "Charts", "sections": [
        {"type": "text", "text": "Only text on this page."}, {"type": "page_break"},
        {"type": "chart", "kind": "bar", "title": "Bars", "data": "departments", "x": "name", "y": ["quality_score"]},
    ]}
    reader = pypdf.PdfReader(io.BytesIO(render(build_report_context(spec=spec))))
    text_page, chart_page = (page.get_contents().get_data().decode("latin-1") for page in reader.pages)
    bars = len(re.findall(r" re\b", chart_page))
    assert bars >= 6 + len(re.findall(r" re\b", text_page))  # one rectangle per department at least
    assert re.search(r"\bf\b|\bf\*|\bB\b", chart_page)  # filled paths
    assert re.search(r" l\b", chart_page) and re.search(r"\bS\b", chart_page)  # grid/axis lines stroked


def test_generated_text_names_the_zone():
    assert generated_text(datetime(2026, 1, 2, 3, 4, tzinfo=timezone.utc)) == "2 Jan 2026, 03:04 UTC"


@pytest.mark.parametrize(("value", "fmt", "expected"), [
    (91.44, "0.0", "91.4"), (2.5, "0", "3"), (-2.5, "0", "-3"), (2.675, "0.00", "2.68"),
    (1234567, "#,##0", "1,234,567"), (1234.5, "#,##0.00", "1,234.50"), (0.875, "0.0%", "87.5%"),
    (-0.04, "0.0", "0.0"), ("12.5", "0.00", "12.50"), ("n/a", "0.0", "n/a"), (None, "0.0", ""),
    ("2026-10-31", "d mmm yyyy", "31 Oct 2026"), (date(2026, 1, 5), "yyyy-mm-dd", "2026-01-05"),
    (datetime(2026, 1, 5, 14, 7), "yyyy-mm-dd hh:mm", "2026-01-05 14:07"), ("not a date", "yyyy-mm-dd", "not a date"),
    (3.0, None, "3"), (True, None, "Yes"), (0.1 + 0.2, None, "0.3"),
    (98.25, "0.0", "98.3"), (0.9825, "0.0%", "98.3%"), (98.35, "#,##0.0", "98.4"),  # half-up (issue 13)
])
def test_format_value_reads_like_excel(value, fmt, expected):
    assert format_value(value, fmt) == expected


def test_page_one_renders_to_a_png_with_pdftoppm(demo_pdf, tmp_path: Path):
    require_tool("pdftoppm", package="poppler-utils", purpose="PNG rendering")
    (tmp_path / "demo.pdf").write_bytes(demo_pdf)
    subprocess.run(["pdftoppm", "-r", "40", "-f", "1", "-l", "1", "-png", str(tmp_path / "demo.pdf"),
                    str(tmp_path / "page")], check=True, capture_output=True, timeout=60)
    (png,) = tmp_path.glob("page*.png")
    image = Image.open(png).convert("L")
    assert image.size[0] > 200
    darkest, lightest = image.getextrema()
    assert lightest == 255 and darkest < 80  # white page with dark text/charts on it
