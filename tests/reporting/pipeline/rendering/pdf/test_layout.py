"""Page layout as a reader sees it: where tables break, how tall charts are, what shares a page.

Every check reads the rendered PDF back with pypdf (page texts and text positions).
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pypdf
import pytest

from reporting.pipeline.rendering.pdf import PdfRenderer
from reporting.pipeline.rendering.pdf.document import MARGIN_BOTTOM
from reporting.pipeline.rendering.pdf.paged_table import MIN_ROWS_AT_BREAK
from tests.reporting.pipeline.rendering.factories_pdf import (
    build_report_context,
    demo_data,
    demo_template_context,
    table_rows,
    table_spec,
)

ROW = re.compile(r"Row (\d{6}) item")


def render(context) -> bytes:
    out = io.BytesIO()
    PdfRenderer().render(context, out)
    return out.getvalue()


def page_texts(pdf: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


@dataclass(frozen=True)
class Placed:
    text: str
    y: float  # distance from the page bottom, in points


def placed_texts(page: pypdf.PageObject) -> list[Placed]:
    """Each text run on the page with its baseline height (text matrix combined with the CTM)."""
    found: list[Placed] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            found.append(Placed(text.strip(), tm[4] * cm[1] + tm[5] * cm[3] + cm[5]))

    page.extract_text(visitor_text=visit)
    return found


def filler_section(lines: int) -> dict:
    return {"type": "text", "text": "\n".join(f"Filler line {i}" for i in range(lines))}


def short_table_section(rows: int = 12) -> dict:
    return {"type": "table", "title": "Short table", "data": "rows", "totals": ["c1"],
            "columns": [{"field": "c0", "label": "Item"}, {"field": "c1", "label": "Count", "format": "#,##0"}]}


# --------------------------------------------------------------------------- tables


def test_a_short_table_near_the_page_end_moves_whole_with_its_title_and_heading():
    """12 rows + totals, pushed down the page step by step: never split, never leaving its title or heading."""
    moved_to_next_page = 0
    for lines in range(28, 50, 2):
        spec = {"title": "Short tables", "sections": [
            filler_section(lines),
            {"type": "heading", "text": "Table heading", "level": 2},
            short_table_section(),
        ]}
        texts = page_texts(render(build_report_context(spec=spec, data={"rows": table_rows(12)})))
        pages_with_rows = [i for i, text in enumerate(texts) if ROW.search(text)]
        assert len(pages_with_rows) == 1, f"{lines} filler lines: table split over pages {pages_with_rows}"
        page = texts[pages_with_rows[0]]
        assert ROW.findall(page) == [f"{i:06d}" for i in range(12)]
        assert "Table heading Short table Item Count" in page
        assert "Total 462" in page  # 7 * (0 + 1 + ... + 11)
        moved_to_next_page += pages_with_rows[0] > 0
    # The sweep did reach the page end (otherwise the checks above prove nothing).
    assert moved_to_next_page >= 3


def rows_per_page(count: int, totals: bool) -> list[int]:
    spec = table_spec(totals=["c1"]) if totals else table_spec()
    texts = page_texts(render(build_report_context(spec=spec, data={"rows": table_rows(count)})))
    assert "Total" in texts[-1] if totals else True
    return [len(ROW.findall(text)) for text in texts]


@pytest.fixture(scope="module")
def page_capacity() -> tuple[int, int]:
    """Rows held by page 1 (below the title block) and by a full page: measured, so the test follows
    any change of fonts or margins."""
    per_page = rows_per_page(300, totals=False)
    return per_page[0], per_page[1]


@pytest.mark.parametrize(("extra", "totals"), [(0, True), (1, False), (1, True), (2, False), (3, True), (9, True)])
def test_a_long_table_leaves_at_least_three_rows_on_each_side_of_every_break(page_capacity, extra, totals):
    """Row counts just over two pages' capacity: a naive split leaves 1-2 rows (or the totals) alone overleaf."""
    first, full = page_capacity
    count = first + full + extra
    per_page = rows_per_page(count, totals)
    assert sum(per_page) == count
    assert len(per_page) == (2 if extra == 0 and not totals else 3), per_page
    assert all(n >= MIN_ROWS_AT_BREAK for n in per_page), per_page


# --------------------------------------------------------------------------- charts


def test_landscape_training_report_shares_page_one_between_kpis_and_chart():
    pdf = render(demo_template_context("training-compliance"))
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    texts = page_texts(pdf)
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert width > height  # A4 landscape
    assert "Training KPIs" in texts[0] and "Completion against target" in texts[0]
    assert "Overdue items by department" in texts[1] and "Compliance by department" in texts[1]
    # The rules in force close the report (the template's last section).
    assert "How statuses are set" in texts[-1] and len(texts) <= 3
    # No mostly-empty page before the last one: page 1's content reaches the lower part of the page.
    body = [p for p in placed_texts(reader.pages[0]) if p.y > MARGIN_BOTTOM]
    assert min(p.y for p in body) < height * 0.3
    # The chart is not taller than the page body allows: its category labels sit above the footer.
    labels = [p for p in placed_texts(reader.pages[0]) if p.text == "Manufacturing"]
    assert labels and all(p.y > MARGIN_BOTTOM for p in labels)


@pytest.mark.parametrize(("orientation", "kpi_count"), [("portrait", 6), ("landscape", 4)])
def test_kpis_and_a_bar_chart_share_page_one_in_both_orientations(orientation: str, kpi_count: int):
    """Below the title block: a heading, one or two rows of KPI cards, then a grouped bar chart."""
    spec = {"title": "KPIs and chart", "page": {"size": "A4", "orientation": orientation}, "sections": [
        {"type": "heading", "text": "Summary"},
        {"type": "kpis", "data": "kpis", "title": "KPIs"},
        {"type": "chart", "kind": "bar", "title": "Scores", "data": "departments", "x": "name",
         "y": ["quality_score", "training_completion"], "x_title": "Department", "y_title": "%"},
    ]}
    data = demo_data()
    data["kpis"] = data["kpis"][:kpi_count]
    texts = page_texts(render(build_report_context(spec=spec, data=data)))
    assert len(texts) == 1
    assert "Scores" in texts[0] and "Manufacturing" in texts[0]


def test_a_chart_that_does_not_fit_moves_whole_to_the_next_page_with_its_title():
    spec = {"title": "Charts", "sections": [
        filler_section(50),
        {"type": "chart", "kind": "bar", "title": "Bar chart title", "data": "departments", "x": "name",
         "y": ["quality_score"]},
    ]}
    reader = pypdf.PdfReader(io.BytesIO(render(build_report_context(spec=spec))))
    texts = page_texts(render(build_report_context(spec=spec)))
    assert "Bar chart title" not in texts[0]
    assert "Bar chart title" in texts[1] and "Manufacturing" in texts[1]
    assert len(reader.pages) == 2


def test_many_categories_in_landscape_keep_labels_and_fit_the_page():
    rows = [{"name": f"Category number {i}", "v": (i * 37) % 101} for i in range(60)]
    spec = {"title": "Many", "page": {"size": "A4", "orientation": "landscape"}, "sections": [
        {"type": "chart", "kind": "bar", "title": "Sixty bars", "data": "rows", "x": "name", "y": ["v"]},
        {"type": "chart", "kind": "hbar", "title": "Sixty horizontal bars", "data": "rows", "x": "name", "y": ["v"]},
    ]}
    pdf = render(build_report_context(spec=spec, data={"rows": rows}))
    text = " ".join(page_texts(pdf))
    assert "Category number 0" in text and "Sixty horizontal bars" in text
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    for page in reader.pages:
        assert all(p.y > MARGIN_BOTTOM for p in placed_texts(page) if p.text.startswith("Category"))
