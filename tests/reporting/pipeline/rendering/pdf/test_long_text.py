"""Long text and control characters (issue 12): a long parameter, a huge text section and control
characters from data end as a readable report, never as 'Unexpected error during render_pdf'."""
from __future__ import annotations

import io
import random

import openpyxl
import pypdf
import pytest
from reportlab.platypus import Paragraph

from reporting.models import ReportJob
from reporting.pipeline.rendering.charts import chart_svg
from reporting.pipeline.rendering.chartspec import ChartSpec
from reporting.pipeline.rendering.pdf import PdfRenderer
from reporting.pipeline.rendering.pdf.markup import TEXT_CHUNK_CHARS, text_chunks
from reporting.pipeline.rendering.pdf.story import StoryBuilder
from reporting.pipeline.rendering.xlsx import XlsxRenderer
from reporting.pipeline.rendering.xlsx.cells import MAX_CELL_CHARS
from reporting.services import job_create, job_run
from templates_app.parameters.display import display_value
from templates_app.spec import parse_spec
from tests.factories import StaticSourceFactory, published_template, small_spec
from tests.reporting.pipeline.rendering.factories_pdf import DEMO_SPEC, build_report_context

MISSING_GLYPH = "\u25a1"  # what a reader sees for a character the font has no glyph for
CONTROL = "\x07\x00\x1b\x7f\x85\t"  # BEL, NUL, ESC, DEL, a C1 control (dropped) and TAB (a space)


def render_pdf(context) -> bytes:
    out = io.BytesIO()
    PdfRenderer().render(context, out)
    return out.getvalue()


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def flat(text: str) -> str:
    return " ".join(text.split())


def words(count: int, seed: int = 12) -> list[str]:
    """Distinct, numbered words (so a missing or doubled piece of text shows), in sentences."""
    rng = random.Random(seed)
    out = []
    for index in range(count):
        word = f"w{index:06d}"
        out.append(word + "." if rng.random() < 0.08 else word)
    return out


# -- a long parameter: job-level, the PDF shortens it with a note, the workbook has it in full


def _long_note(length: int) -> str:
    text = " ".join(words(length // 7 + 1))[:length]
    return text[:-1] + "z"  # a known last character, never a space


@pytest.mark.django_db
@pytest.mark.parametrize("length", [6_000, 50_000])
def test_a_long_string_parameter_is_shortened_in_the_pdf_and_whole_in_the_workbook(length):
    template = published_template(spec=small_spec(source_name=StaticSourceFactory(name="rows").name))
    note = _long_note(length)
    job = job_run(job=job_create(template=template, user=None, parameters={"note": note}))

    assert job.status == ReportJob.Status.SUCCEEDED, job.error_message
    with job.artifacts.get(format="pdf").file.open("rb") as fh:
        text = flat(pdf_text(fh.read()))
    assert f"(shortened: {length:,} characters; the full value is in the workbook)" in text
    assert "Note w000000 w000001" in text
    assert note[-200:] not in text  # shortened: the end of the value is not in the title block
    with job.artifacts.get(format="xlsx").file.open("rb") as fh:
        summary = openpyxl.load_workbook(io.BytesIO(fh.read()))["Summary"]
    rows = [row for row in summary.iter_rows(values_only=True) if row and row[0]]
    first = next(index for index, row in enumerate(rows) if row[0] == "Note")
    parts = -(-length // MAX_CELL_CHARS)
    assert "".join(row[1] for row in rows[first:first + parts]) == note
    assert [row[0] for row in rows[first + 1:first + parts]] == [
        f"Note (continued: part {n} of {parts})" for n in range(2, parts + 1)]


def test_parameters_long_in_lines_or_characters_never_make_the_title_block_taller_than_a_page():
    # 2,000 recipients are shown as the first twenty and a count (templates_app's display): that fits
    # as it is; so does a value of a few hundred characters.
    recipients = display_value({"type": "email_list"}, [f"person{n}@example.com" for n in range(2_000)])
    lines = [("Recipients", recipients), ("Short", "s " * 400),
             ("Lines", "\n".join(f"line {n}" for n in range(400))), ("Chars", "x " * 20_000),
             ("One word", "y" * 30_000)]
    spec = {"title": "Parameters", "sections": [{"type": "text", "text": "Body"}]}
    text = flat(pdf_text(render_pdf(build_report_context(spec=spec, data={}, parameter_lines=lines))))
    assert "person19@example.com and 1,980 more Short " + "s " * 399 + "s Lines" in text
    assert "line 11 line 12…" not in text and "line 11…" in text
    assert "(shortened: 40,000 characters; the full value is in the workbook)" in text
    assert "(shortened: 30,000 characters; the full value is in the workbook)" in text
    assert text.count("shortened") == 3
    assert "Body" in text


def test_a_pdf_only_report_does_not_point_to_a_workbook():
    context = build_report_context(spec={**DEMO_SPEC, "outputs": ["pdf"]}, parameter_lines=[("Note", "x " * 5_000)])
    text = flat(pdf_text(render_pdf(context)))
    assert "(shortened: 10,000 characters)" in text
    assert "workbook" not in text


# -- a huge text section: every word, in order, in time linear in its length


def test_a_300k_character_text_section_renders_every_word():
    section_words = words(300_000 // 8)
    body = ""
    for index, word in enumerate(section_words):  # lines of varied length, some blank lines, one huge line
        body += word + ("\n\n" if index % 997 == 0 else "\n" if index % 13 == 0 else " ")
    body += " ".join(section_words[:3000])  # a line of 24k characters without a line break
    assert len(body) > 300_000
    spec = {"title": "Long text", "sections": [{"type": "text", "text": body}], "outputs": ["pdf"]}
    context = build_report_context(spec=spec, data={})
    # Linear: the text is laid out in Paragraphs of bounded size (a frame re-wraps the whole rest of
    # a Paragraph on every page it continues on).
    story = StoryBuilder(context, 500, 700).build()
    pieces = [f for f in story if isinstance(f, Paragraph) and f.style.name.startswith("body")]
    assert max(len(p.getPlainText()) for p in pieces) <= TEXT_CHUNK_CHARS
    text = pdf_text(render_pdf(context))
    found = [w.rstrip(".") for w in text.split() if w.startswith("w")]
    expected = [w.rstrip(".") for w in section_words] + [w.rstrip(".") for w in section_words[:3000]]
    assert found == expected
    for word in ("w000000", f"w{len(section_words) // 2:06d}", f"w{len(section_words) - 1:06d}"):
        assert word in text


def test_long_text_is_cut_at_line_breaks_then_sentences_then_words():
    line = "Alpha beta. " * 400
    chunks = list(text_chunks("first line\n" + line + "\n\nlast"))
    assert all(len(chunk) <= TEXT_CHUNK_CHARS for chunk in chunks)
    assert chunks[0] == "first line"
    assert all(chunk.endswith("beta.") for chunk in chunks[1:-1])
    assert chunks[-1].startswith("\nlast") or chunks[-1].endswith("\n\nlast")
    assert list(text_chunks("short\ntext")) == ["short\ntext"]
    assert list(text_chunks("x" * 5_000)) == ["x" * 2_000, "x" * 2_000, "x" * 1_000]


def test_a_long_text_section_looks_like_one_paragraph():
    """The pieces of a long text carry no space between them: the text ends where one Paragraph would."""
    lines = [" ".join(words(12, seed=n)) for n in range(400)]
    spec = {"title": "T", "sections": [{"type": "text", "text": "\n".join(lines)},
                                       {"type": "text", "text": "after"}], "outputs": ["pdf"]}
    story = StoryBuilder(build_report_context(spec=spec, data={}), 500, 700).build()
    pieces = [f for f in story if isinstance(f, Paragraph) and f.style.name.startswith("body")]
    assert len(pieces) > 3
    assert [p.style.spaceAfter for p in pieces[:-2]] == [0] * (len(pieces) - 2)
    assert pieces[-2].style.spaceAfter == pieces[-1].style.spaceAfter == 6


# -- control characters: never drawn as boxes, the label text stays


CONTROL_ROWS = [
    {"name": f"Bell{CONTROL}one", "value": 3, "other": 2, "note": "tab\there nul\x00x del\x7fy"},
    {"name": "Tab\tTwo", "value": 5, "other": 1, "note": "plain"},
]
CONTROL_CHARTS = [
    {"type": "chart", "kind": kind, "title": f"{kind}{CONTROL} chart", "data": "rows", "x": "name",
     "y": ["value", "other"] if kind not in ("pie", "doughnut") else ["value"],
     "x_title": f"Axis{CONTROL}x", "y_title": f"Axis{CONTROL}y",
     "labels": {"value": f"Value{CONTROL}s", "other": "Other\tones"}}
    for kind in ("bar", "hbar", "line", "pie", "doughnut")
]


def _assert_printable(text: str) -> None:
    for char in "\x07\x00\x1b\x7f\x85\t" + MISSING_GLYPH:
        assert char not in text, repr(char)


@pytest.mark.parametrize("section", CONTROL_CHARTS, ids=lambda s: s["kind"])
def test_control_characters_in_chart_labels_and_legends_are_not_drawn(section):
    spec = ChartSpec.from_section(parse_spec({"title": "Charts", "sections": [section]}).sections[0], CONTROL_ROWS)
    svg = chart_svg(spec)
    texts = " ".join(t for t in svg.split(">") if not t.lstrip().startswith("<"))  # text nodes only
    _assert_printable(texts)
    for label in ("Bell one", "Tab Two"):
        assert label in svg
    pdf = render_pdf(build_report_context(spec={"title": "Charts", "sections": [section]},
                                          data={"rows": CONTROL_ROWS}))
    text = pdf_text(pdf)
    _assert_printable(text)
    assert "Bell one" in text and "Tab Two" in text
    assert f"{section['kind']} chart" in flat(text)  # the section title (a Paragraph: spaces collapse)
    if section["kind"] not in ("pie", "doughnut"):
        assert "Value s" in text and "Other ones" in text and "Axis x" in text and "Axis y" in text


def test_control_characters_in_table_cells_kpis_and_titles_are_not_drawn():
    spec = {"title": f"Report{CONTROL} title", "sections": [
        {"type": "heading", "text": f"Head{CONTROL}ing"},
        {"type": "table", "title": f"Table{CONTROL}", "data": "rows",
         "columns": [{"field": "name", "label": f"Na{CONTROL}me"}, {"field": "note", "label": "Note"}]},
        {"type": "kpis", "data": "kpis"},
        {"type": "text", "text": f"Body{CONTROL}text\r\nnext line"},
    ]}
    kpis = [{"name": f"Kpi{CONTROL}name", "value": f"v{CONTROL}al", "unit": f"u{CONTROL}nit", "status": "good"}]
    context = build_report_context(spec=spec, data={"rows": CONTROL_ROWS, "kpis": kpis},
                                   parameter_lines=[(f"Par{CONTROL}am", f"va{CONTROL}lue")])
    text = pdf_text(render_pdf(context))
    _assert_printable(text)
    for expected in ("Report  title", "Head ing", "Table", "Na me", "Bell one", "Tab Two", "tab here nulx dely",
                     "Kpi name", "v al", "u nit", "Par am", "va lue", "Body text\nnext line"):
        assert expected in text, expected


def test_control_characters_in_the_workbook_are_replaced_and_the_file_opens():
    spec = {"title": f"Report{CONTROL}", "sections": [
        *CONTROL_CHARTS[:1],
        {"type": "table", "title": f"Table{CONTROL}", "data": "rows",
         "columns": [{"field": "name", "label": f"Na{CONTROL}me"}, {"field": "note"}]},
    ]}
    context = build_report_context(spec=spec, data={"rows": CONTROL_ROWS})
    out = io.BytesIO()
    XlsxRenderer().render(context, out)
    book = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    cells = [v for ws in book for row in ws.iter_rows(values_only=True) for v in row if isinstance(v, str)]
    assert "Bell\ufffd\ufffd\ufffd\ufffd\ufffd\tone" in cells  # TAB stays in a cell; the rest is marked
    assert "tab\there nul\ufffdx del\ufffdy" in cells
    assert not any(ch in value for value in cells for ch in "\x00\x07\x1b\x7f\x85")
    assert all(ch not in name for name in book.sheetnames for ch in "\x7f\x85\t")
