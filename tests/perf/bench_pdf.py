"""Benchmark: the PDF renderer's long table against plain ReportLab baselines, in the same run.

Run from the repo root: .venv/bin/python tests/perf/bench_pdf.py [--rows 10000] [--big-rows 50000]
- pipeline: PdfRenderer on a ReportContext with one 5-column table (header, footer, Page X of Y).
- naive:    plain ReportLab, one Table with repeatRows=1 (what a first attempt looks like).
- chunked:  plain ReportLab, the same rows as consecutive page-sized Tables.
Then the renderer on --big-rows rows in a fresh subprocess, for its time and peak RSS.
- text:     PdfRenderer on one text section of --text-chars characters (goal < 5 s for 200k) and on one
            a tenth as long; text_ratio = long / (10 x short), about 1 when the cost is linear in length.
The last line is JSON.
"""
from __future__ import annotations

import argparse
import io
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from reportlab.lib import colors  # noqa: E402
from reportlab.lib.units import mm  # noqa: E402
from reportlab.platypus import SimpleDocTemplate, Table, TableStyle  # noqa: E402

from reporting.pipeline.rendering import theme  # noqa: E402
from reporting.pipeline.rendering.fonts import register_fonts  # noqa: E402
from reporting.pipeline.rendering.pdf import PdfRenderer  # noqa: E402
from tests.reporting.pipeline.rendering.factories_pdf import (  # noqa: E402
    build_report_context,
    table_rows,
    table_spec,
)

MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 16 * mm, 22 * mm, 18 * mm


def render_pipeline(rows: list[dict]) -> int:
    context = build_report_context(spec=table_spec(), data={"rows": rows}, title="Benchmark report")
    out = io.BytesIO()
    PdfRenderer().render(context, out)
    return len(out.getvalue())


def long_text(chars: int) -> str:
    """Sentences of distinct words, a line break now and then: what a pasted report text looks like."""
    parts, length, index = [], 0, 0
    while length < chars:
        word = f"finding{index:06d}" + ("." if index % 11 == 10 else "")
        parts.append(word + ("\n" if index % 97 == 96 else " "))
        length += len(parts[-1])
        index += 1
    return "".join(parts)[:chars]


def render_text(chars: int) -> int:
    spec = {"title": "Benchmark report", "sections": [{"type": "text", "text": long_text(chars)}]}
    context = build_report_context(spec=spec, data={}, title="Benchmark report")
    out = io.BytesIO()
    PdfRenderer().render(context, out)
    return len(out.getvalue())


def _baseline_cells(rows: list[dict]) -> tuple[list[str], list[list[str]]]:
    header = [f"Column {i}" for i in range(5)]
    body = [[r["c0"], f"{r['c1']:,}", f"{r['c2']:.2f}", r["c3"], f"{r['c4']:.1%}"] for r in rows]
    return header, body


def _baseline_style() -> list[tuple]:
    size = theme.TABLE_SIZE
    return [
        ("FONTNAME", (0, 0), (-1, -1), theme.BODY_FONT),
        ("FONTNAME", (0, 0), (-1, 0), theme.BOLD_FONT),
        ("TEXTCOLOR", (0, 0), (-1, 0), theme.HEADER_TEXT),
        ("FONTSIZE", (0, 0), (-1, -1), size),
        ("LEADING", (0, 0), (-1, -1), size * 1.2),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.6),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.6),
        ("BACKGROUND", (0, 0), (-1, 0), theme.HEADER_FILL),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, theme.ZEBRA]),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, theme.GRID),
        ("BOX", (0, 0), (-1, -1), 0.5, theme.RULE),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
    ]


def _baseline_doc(out: io.BytesIO) -> SimpleDocTemplate:
    return SimpleDocTemplate(out, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_TOP,
                             bottomMargin=MARGIN_BOTTOM, title="Benchmark report")


def _baseline_page(canvas, doc) -> None:
    canvas.saveState()
    canvas.setFont(theme.BOLD_FONT, 8.5)
    canvas.drawString(MARGIN_X, doc.pagesize[1] - 15 * mm, "Benchmark report")
    canvas.setFont(theme.BODY_FONT, 7.5)
    canvas.drawRightString(doc.pagesize[0] - MARGIN_X, 8 * mm, f"Page {doc.page}")
    canvas.restoreState()


def render_naive(rows: list[dict]) -> int:
    register_fonts()
    header, body = _baseline_cells(rows)
    out = io.BytesIO()
    doc = _baseline_doc(out)
    table = Table([header, *body], repeatRows=1, colWidths=[doc.width / 5] * 5, style=TableStyle(_baseline_style()))
    doc.build([table], onFirstPage=_baseline_page, onLaterPages=_baseline_page)
    return len(out.getvalue())


def render_chunked(rows: list[dict]) -> int:
    register_fonts()
    header, body = _baseline_cells(rows)
    out = io.BytesIO()
    doc = _baseline_doc(out)
    row_height = theme.TABLE_SIZE * 1.2 + 2 * 2.6
    per_page = int((doc.height - 2 * row_height) // row_height)
    style = TableStyle(_baseline_style())
    story = [Table([header, *body[i:i + per_page]], colWidths=[doc.width / 5] * 5, style=style)
             for i in range(0, len(body), per_page)]
    doc.build(story, onFirstPage=_baseline_page, onLaterPages=_baseline_page)
    return len(out.getvalue())


def timed(fn, rows) -> tuple[float, int]:
    start = time.perf_counter()
    size = fn(rows)
    return time.perf_counter() - start, size


def child(rows_count: int) -> None:
    rows = table_rows(rows_count)
    seconds, size = timed(render_pipeline, rows)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"seconds": seconds, "bytes": size, "peak_rss_mb": peak_kb / 1024}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--big-rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=2, help="best of N for each 10k measurement")
    parser.add_argument("--text-chars", type=int, default=200_000)
    parser.add_argument("--child", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return

    rows = table_rows(args.rows)
    register_fonts()
    render_chunked(rows[:200])  # warm up fonts and imports for all three
    best: dict[str, float] = {}
    sizes: dict[str, int] = {}
    for _ in range(args.repeat):
        # Interleaved so that machine noise hits every contender alike.
        for name, fn in (("pipeline", render_pipeline), ("chunked", render_chunked), ("naive", render_naive)):
            seconds, size = timed(fn, rows)
            best[name] = min(best.get(name, seconds), seconds)
            sizes[name] = size
            print(f"{name:>9}: {seconds:7.2f} s  ({size / 1e6:.1f} MB PDF, {args.rows} rows)", flush=True)

    text_best: dict[int, float] = {}
    for _ in range(args.repeat):
        for chars in (args.text_chars, args.text_chars // 10):
            seconds, size = timed(render_text, chars)
            text_best[chars] = min(text_best.get(chars, seconds), seconds)
            print(f"{'text':>9}: {seconds:7.2f} s  ({size / 1e6:.1f} MB PDF, {chars:,} characters)", flush=True)
    text_s, short_s = text_best[args.text_chars], text_best[args.text_chars // 10]
    text_ratio = text_s / (10 * short_s)

    result = subprocess.run([sys.executable, __file__, "--child", str(args.big_rows)],
                            capture_output=True, text=True, check=True)
    big = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"pipeline {args.big_rows} rows in a fresh process: {big['seconds']:.2f} s, "
          f"peak RSS {big['peak_rss_mb']:.0f} MB, {big['bytes'] / 1e6:.1f} MB PDF")
    ratio = best["pipeline"] / best["chunked"]
    ratio_naive = best["pipeline"] / best["naive"]
    print(f"best of {args.repeat}: pipeline {best['pipeline']:.2f} s, chunked {best['chunked']:.2f} s, "
          f"naive {best['naive']:.2f} s; ratio {ratio:.2f} (goal <= 1.3), ratio_naive {ratio_naive:.2f} (goal <= 0.5)")
    print(f"text section: {args.text_chars:,} characters {text_s:.2f} s (goal < 5 s), "
          f"{args.text_chars // 10:,} characters x 10 {10 * short_s:.2f} s; text_ratio {text_ratio:.2f} (linear: ~1)")
    print(json.dumps({
        "bench": "pdf", "rows": args.rows,
        "pipeline_s": round(best["pipeline"], 3), "naive_s": round(best["naive"], 3),
        "chunked_s": round(best["chunked"], 3), "ratio": round(ratio, 3), "ratio_naive": round(ratio_naive, 3),
        "rows_50k": args.big_rows, "rows_50k_s": round(big["seconds"], 3),
        "peak_rss_mb_50k": round(big["peak_rss_mb"], 1),
        "text_chars": args.text_chars, "text_s": round(text_s, 3),
        "text_tenth_s": round(short_s, 3), "text_ratio": round(text_ratio, 3),
    }))


if __name__ == "__main__":
    main()
