"""The job page's HTML view shows each KPI card as the PDF draws it: value text, status word, change."""
from __future__ import annotations

import io

import pypdf
import pytest
from reportlab.pdfgen import canvas as pdf_canvas

from reporting.pipeline.rendering.fonts import register_fonts
from reporting.pipeline.rendering.html_view import report_view_sections
from reporting.pipeline.rendering.pdf.kpi import KpiCard
from templates_app.spec import parse_spec

ROWS = [
    {"name": "Defect rate", "value": 1.8, "unit": "%", "previous": 2.1, "direction": "lower_is_better",
     "status": "excellent"},
    {"name": "Complaints", "value": 37, "unit": "items", "trend": "up", "status": "Warning"},
    # No value: "No data" and the note only, neither the status nor the trend it still carries.
    {"name": "Training completion", "value": None, "unit": "%", "trend": "up", "previous": 80.0,
     "status": "critical", "note": "Training data is missing: the LMS did not answer."},
    # A template's own status word is not one of the four: the PDF draws no pill for it.
    {"name": "Audit readiness", "value": 3, "trend": "down", "status": "on track"},
    {"name": "Open CAPAs", "value": 4, "status": None},
]


def _pdf_card_text(row: dict) -> str:
    register_fonts()
    buffer = io.BytesIO()
    page = pdf_canvas.Canvas(buffer, pagesize=(300, 100))
    card = KpiCard(row, 220)
    card.wrap(220, 100)
    card.drawOn(page, 10, 10)
    page.showPage()
    page.save()
    return " ".join(pypdf.PdfReader(io.BytesIO(buffer.getvalue())).pages[0].extract_text().split())


def _html_cards() -> list[dict]:
    spec = parse_spec({"title": "KPIs", "sections": [{"type": "kpis", "data": "kpis", "title": "Scores"}]})
    (section,) = report_view_sections(report=spec, data={"kpis": ROWS}, previews=[])
    return section["cards"]


@pytest.mark.parametrize("index", range(len(ROWS)))
def test_html_card_and_pdf_card_agree(index):
    card, pdf_text = _html_cards()[index], _pdf_card_text(ROWS[index])
    assert card["value"] in pdf_text
    for word in ("Excellent", "Good", "Warning", "Critical", "on track"):
        assert (word in pdf_text) == (word == card["status"]), (word, card, pdf_text)
    if card["change"]:
        assert card["change"] in pdf_text
    else:
        assert not any(mark in pdf_text for mark in ("▲", "▼", "=")), pdf_text


def test_a_kpi_without_a_value_shows_no_data_and_its_note_only():
    card = _html_cards()[2]
    assert card["value"] == "No data" and card["status"] == "" and card["change"] == ""
    assert card["note"] == "Training data is missing: the LMS did not answer."


def test_only_the_vocabulary_gets_a_status_badge():
    cards = _html_cards()
    assert [c["status"] for c in cards] == ["Excellent", "Warning", "", "", ""]
    assert cards[0]["change"] and cards[1]["change"] == "▲ up" and cards[3]["change"] == "▼ down"
