"""Charts as a reader sees them: drawn to PDF (text read back) and to SVG for the web page."""
from __future__ import annotations

import io
import re

import pypdf
import pytest
from reportlab.graphics import renderPDF
from reportlab.graphics.charts.piecharts import Pie

from reporting.pipeline.rendering.charts import build_drawing, chart_svg, sizing
from reporting.pipeline.rendering.charts import cache as chart_cache
from reporting.pipeline.rendering.charts import drawing as chart_drawing
from reporting.pipeline.rendering.chartspec import ChartSpec, Series
from reporting.pipeline.section_data import NO_CHART_DATA as NO_DATA_TEXT
from templates_app.spec import ChartSection

DEPARTMENTS = ("Manufacturing", "Quality Assurance", "Research & Development <b>",
               "Regulatory Affairs and Post-Market Surveillance Office", "Łukasz Øster-Müller")


def spec(kind: str, categories, series: dict[str, list], stacked: bool = False, **extra) -> ChartSpec:
    return ChartSpec(kind=kind, title=extra.pop("title", f"{kind} chart"), categories=tuple(categories),
                     series=tuple(Series(label.lower(), label, tuple(values)) for label, values in series.items()),
                     stacked=stacked, x_title=extra.pop("x_title", "Department"),
                     y_title=extra.pop("y_title", "Score (%)"))


def drawn_text(chart: ChartSpec) -> str:
    drawing = build_drawing(chart, 480, with_title=True)
    reader = pypdf.PdfReader(io.BytesIO(renderPDF.drawToString(drawing)))
    return " ".join(reader.pages[0].extract_text().split())


def path_ops(chart: ChartSpec) -> int:
    reader = pypdf.PdfReader(io.BytesIO(renderPDF.drawToString(build_drawing(chart, 480))))
    content = reader.pages[0].get_contents().get_data().decode("latin-1")
    return len(re.findall(r" (?:re|l|c)\b", content))


@pytest.fixture(autouse=True)
def fresh_cache():
    chart_drawing.clear_local_cache()
    yield
    chart_drawing.clear_local_cache()


CASES = {
    "bar grouped": spec("bar", DEPARTMENTS, {"Quality": [91, 88, 75.5, 99, 60], "Training": [80, 91, 70, 85, 95]}),
    "bar stacked negative": spec("bar", DEPARTMENTS, {"A": [5, -3, 4, 2, -1], "B": [2, 2, -2, 1, 3]}, stacked=True),
    "hbar grouped": spec("hbar", DEPARTMENTS, {"Quality": [91, 88, 75.5, 99, 60], "Training": [1, 2, 3, 4, 5]}),
    "hbar stacked": spec("hbar", DEPARTMENTS, {"A": [1, 2, 3, 4, 5], "B": [5, 4, 3, 2, 1]}, stacked=True),
    "line with gap": spec("line", ["2026-08", "2026-09", "2026-10", "2026-11"], {"Yield": [90, None, 93, 92.5]}),
    "line negative": spec("line", ["a", "b", "c"], {"Delta": [-4, 2, -1], "Other": [1, 1, 1]}),
    "pie": spec("pie", DEPARTMENTS, {"Docs": [120, 80, 30, 40, 10]}),
    "doughnut": spec("doughnut", DEPARTMENTS, {"Docs": [120, 80, 30, 40, 10]}),
    "bar 60 categories": spec("bar", [f"Category number {i}" for i in range(60)],
                              {"Value": [(i * 37) % 101 - 20 for i in range(60)]}),
    "hbar 55 categories": spec("hbar", [f"Item {i}" for i in range(55)], {"Value": list(range(55))}),
    "line 12 series": spec("line", [f"2026-{m:02d}" for m in range(1, 13)],
                           {f"Metric {s} with a long name": [50 + (s * m) % 40 for m in range(12)] for s in range(12)}),
    "bar 12 series": spec("bar", ["Q1", "Q2"], {f"S{s}": [s, s + 1] for s in range(12)}),
    "bar single value": spec("bar", ["Only"], {"Value": [42]}),
}


@pytest.mark.parametrize("name", CASES)
def test_every_chart_kind_draws_vector_shapes_and_its_texts(name):
    chart = CASES[name]
    assert path_ops(chart) >= 5
    text = drawn_text(chart)
    assert chart.title in text
    assert NO_DATA_TEXT not in text


def test_grouped_bar_chart_shows_legend_axis_titles_and_value_labels():
    text = drawn_text(CASES["bar grouped"])
    for expected in ("Quality", "Training", "Department", "Score (%)", "75.5", "99.0", "Manufacturing"):
        assert expected in text, expected


def test_long_category_labels_are_wrapped_not_dropped():
    text = drawn_text(CASES["bar grouped"])
    for word in ("Regulatory", "Post-Market", "Surveillance", "Research &", "Development <b>"):
        assert word in text, word


def test_pie_reports_values_it_cannot_draw():
    text = drawn_text(spec("pie", DEPARTMENTS, {"Docs": [120, 80, 0, 40, -5]}))
    assert "2 zero or negative value(s) not shown" in text
    assert "Manufacturing 120 (50.0%)" in text


@pytest.mark.parametrize("chart", [
    spec("bar", [], {"Value": []}),
    spec("line", ["a", "b"], {"Value": [None, None]}),
    spec("pie", [], {"Value": []}),
])
def test_no_data_is_an_explicit_panel(chart):
    assert NO_DATA_TEXT in drawn_text(chart)
    assert NO_DATA_TEXT in chart_svg(chart)


def test_svg_for_the_web_page_escapes_text():
    svg = chart_svg(CASES["bar grouped"])
    assert svg.lstrip().startswith("<?xml") or "<svg" in svg[:400]
    assert "Research &amp;" in svg and "Development &lt;b&gt;" in svg
    assert "<b>" not in svg


def test_drawings_are_cached_in_process_by_spec_and_data():
    first = build_drawing(CASES["pie"], 400)
    assert build_drawing(CASES["pie"], 400) is first
    changed = spec("pie", DEPARTMENTS, {"Docs": [121, 80, 30, 40, 10]})
    assert build_drawing(changed, 400) is not first


class FakeDjangoCache:
    def __init__(self):
        self.store: dict[str, tuple[object, int]] = {}

    def get(self, key):
        return self.store.get(key, (None, 0))[0]

    def set(self, key, value, timeout):
        self.store[key] = (value, timeout)


def test_svg_and_drawings_are_shared_across_jobs_through_django_cache(monkeypatch):
    shared = FakeDjangoCache()
    monkeypatch.setattr(chart_cache, "_django_cache", lambda: shared)
    monkeypatch.setattr(chart_cache, "_cache_ttl", lambda: 86_400)
    svg = chart_svg(CASES["doughnut"])
    assert sorted(key.split(":")[2] for key in shared.store) == ["drawing", "svg"]
    assert all(ttl == 86_400 for _, ttl in shared.store.values())

    chart_drawing.clear_local_cache()  # another job in another process: only the shared cache remains
    monkeypatch.setattr(chart_drawing, "draw", lambda *a: pytest.fail("chart was redrawn despite the cache"))
    assert chart_svg(CASES["doughnut"]) == svg


def test_pdf_drawings_come_from_the_redis_cache_in_a_later_job(db, monkeypatch):
    from reportlab.graphics import renderPDF, renderSVG

    spec_ = spec("bar", DEPARTMENTS, {"Docs": [12, 8, 3, 4, 1], "Reviews": [2, 3, 4, 5, 6]})
    first = renderSVG.drawToString(build_drawing(spec_, 420))

    chart_drawing.clear_local_cache()  # a later job runs in a fresh work horse: only Redis remains
    monkeypatch.setattr(chart_drawing, "draw", lambda *a: pytest.fail("chart was redrawn despite the cache"))
    again = build_drawing(spec_, 420)

    assert renderSVG.drawToString(again) == first  # the same vector picture
    pdf = renderPDF.drawToString(again)
    assert b"%PDF" in pdf[:10] and "Research" in first


def test_broken_shared_cache_does_not_fail_the_chart(monkeypatch):
    class Broken:
        def get(self, key):
            raise ConnectionError("redis down")

        def set(self, key, value, timeout):
            raise ConnectionError("redis down")

    monkeypatch.setattr(chart_cache, "_django_cache", lambda: Broken())
    monkeypatch.setattr(chart_cache, "_cache_ttl", lambda: 60)
    assert "<svg" in chart_svg(CASES["bar grouped"])


# --------------------------------------------------------------------------- sizing and pie legibility

PORTRAIT = (563.0, 729.0)  # A4 body width and height (page less margins), points
LANDSCAPE = (810.0, 482.0)


@pytest.mark.parametrize(("width", "frame"), [PORTRAIT, LANDSCAPE])
def test_chart_heights_follow_an_aspect_ratio_capped_by_the_page(width, frame):
    low, preferred = sizing.chart_height_range(CASES["bar grouped"], width, frame)
    assert preferred == pytest.approx(min(width * 0.5, frame * 0.6))
    assert sizing.MIN_CHART_HEIGHT <= low <= preferred
    _, pie = sizing.chart_height_range(CASES["pie"], width, frame)
    assert pie <= frame * 0.5
    # Many categories: labels and bars still get room, yet the chart never outgrows the page.
    low, preferred = sizing.chart_height_range(CASES["hbar 55 categories"], width, frame)
    assert min(55 * 11, frame * 0.9 - 60) <= preferred <= frame * 0.9
    low, preferred = sizing.chart_height_range(CASES["bar 60 categories"], width, frame)
    assert low >= sizing.MIN_PLOT_HEIGHT + 40  # rotated labels come on top of the plot area
    assert preferred <= frame * 0.9


def contrast(a, b) -> float:
    def luminance(c):
        channels = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in (c.red, c.green, c.blue)]
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]

    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_pie_percentages_contrast_with_their_slice():
    chart = spec("pie", [f"Dept {i}" for i in range(12)], {"Docs": [10 + i for i in range(12)]})
    # The widget itself (the cached drawing holds only the shapes it draws).
    (pie,) = [item for item in chart_drawing.draw(chart, 480, 220, False).contents if isinstance(item, Pie)]
    labelled = [i for i, label in enumerate(pie.labels) if label]
    assert labelled
    for index in labelled:
        assert contrast(pie.slices[index].fontColor, pie.slices[index].fillColor) >= 3.0, index


def test_pie_with_many_slices_keeps_its_legend_inside_the_chart():
    names = [f"Department with a fairly long name {i}" for i in range(30)]
    chart = spec("pie", names, {"Docs": [100 - i * 3 for i in range(30)]})
    drawing = build_drawing(chart, 480, 220)
    x0, y0, x1, y1 = drawing.getBounds()
    assert x0 >= -1 and y0 >= -1 and x1 <= 480 + 1 and y1 <= 220 + 1
    text = drawn_text(chart)
    assert re.search(r"Other \(\d+\)", text)  # the smallest slices are folded, their total kept
    assert "100 (" in text and "Department with a" in text


@pytest.mark.parametrize("kind", ["bar", "hbar", "line", "pie"])
@pytest.mark.parametrize("odd", [float("inf"), float("-inf"), float("nan"), "NaN", 10**400],
                         ids=["inf", "-inf", "nan", "NaN text", "10**400"])
def test_non_finite_or_huge_values_are_gaps_not_crashes(kind, odd):
    rows = [{"name": "a", "v": 5}, {"name": "b", "v": odd}, {"name": "c", "v": 7}]
    chart = ChartSpec.from_section(ChartSection(kind=kind, title="Odd values", data="rows", x="name", y=("v",)), rows)

    assert chart.series[0].values == (5.0, None, 7.0)
    text = drawn_text(chart)
    assert "Odd values" in text and NO_DATA_TEXT not in text


@pytest.mark.parametrize("kind", ["bar", "pie"])
def test_chart_with_only_non_finite_values_says_no_data(kind):
    rows = [{"name": "a", "v": float("nan")}, {"name": "b", "v": "inf"}]
    chart = ChartSpec.from_section(ChartSection(kind=kind, title="All odd", data="rows", x="name", y=("v",)), rows)

    assert chart.is_empty
    assert NO_DATA_TEXT in drawn_text(chart)


def test_chart_cache_ttl_comes_from_the_project_setting(settings):
    settings.REPORTING_CHART_CACHE_TTL_S = 1234
    assert chart_cache._cache_ttl() == 1234
