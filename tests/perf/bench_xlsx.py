"""XLSX writing speed and memory: the pipeline's XlsxRenderer against plain openpyxl and XlsxWriter.

Run from the repo root:  .venv/bin/python tests/perf/bench_xlsx.py [--rows N] [--repeat K]

Same 100,000 x 10 values (text, integers, decimals, dates) written four ways, round-robin, best of K:
  pipeline                  XlsxRenderer, one table section with per-column number formats
  openpyxl_styled           write-only openpyxl, a new WriteOnlyCell per formatted value (the baseline)
  openpyxl_raw              write-only openpyxl, raw values, no formats (the floor)
  xlsxwriter_constant_memory  XlsxWriter constant_memory mode with the same formats
Peak RSS of the pipeline is measured in a fresh subprocess (data set + rendering).
The last line is one JSON object.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

COLUMNS: list[dict[str, Any]] = [
    {"field": "name", "label": "Name"},
    {"field": "department", "label": "Department"},
    {"field": "comment", "label": "Comment"},
    {"field": "documents", "label": "Documents", "format": "#,##0"},
    {"field": "overdue", "label": "Overdue", "format": "0"},
    {"field": "quality", "label": "Quality", "format": "0.00"},
    {"field": "cost", "label": "Cost", "format": "#,##0.00"},
    {"field": "rate", "label": "Rate", "format": "0.0%"},
    {"field": "created", "label": "Created", "format": "yyyy-mm-dd"},
    {"field": "audited", "label": "Audited", "format": "d mmm yyyy"},
]
FIELDS = [c["field"] for c in COLUMNS]
FORMATS = [c.get("format") for c in COLUMNS]
DEPARTMENTS = ["Production", "Laboratory", "Quality assurance", "Logistics", "Łódź plant"]


def make_rows(count: int) -> list[dict[str, Any]]:
    start = date(2024, 1, 1)
    return [
        {
            "name": f"Record {i:06d}",
            "department": DEPARTMENTS[i % len(DEPARTMENTS)],
            "comment": f"Checked by inspector {i % 97} on line {i % 13}",
            "documents": i * 7 % 10_000,
            "overdue": i % 31,
            "quality": (i % 1000) / 10 + 0.25,
            "cost": i * 1.37,
            "rate": (i % 100) / 100,
            "created": start + timedelta(days=i % 900),
            "audited": start + timedelta(days=(i * 3) % 700),
        }
        for i in range(count)
    ]


def write_pipeline(rows: list[dict[str, Any]], path: str) -> None:
    from reporting.pipeline.context import ReportContext
    from reporting.pipeline.rendering.xlsx import XlsxRenderer
    from templates_app.spec import parse_spec

    spec = {"title": "Benchmark", "sections": [{"type": "table", "title": "Data", "data": "rows", "columns": COLUMNS}]}
    context = ReportContext(
        title="Benchmark",
        spec=spec,
        report=parse_spec(spec),
        parameters={},
        parameter_lines=[],
        generated_at=datetime(2026, 11, 1, 9, 30, tzinfo=ZoneInfo("Europe/Warsaw")),
        requested_by="bench",
        data={"rows": rows},
    )
    with open(path, "wb") as out:
        XlsxRenderer().render(context, out)


def write_openpyxl_styled(rows: list[dict[str, Any]], path: str) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet("Data")
    ws.append([c["label"] for c in COLUMNS])
    pairs = list(zip(FIELDS, FORMATS))
    for row in rows:
        cells = []
        for field, number_format in pairs:
            value = row[field]
            if number_format:
                cell = WriteOnlyCell(ws, value=value)
                cell.number_format = number_format
                cells.append(cell)
            else:
                cells.append(value)
        ws.append(cells)
    workbook.save(path)


def write_openpyxl_raw(rows: list[dict[str, Any]], path: str) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet("Data")
    ws.append([c["label"] for c in COLUMNS])
    for row in rows:
        ws.append([row[field] for field in FIELDS])
    workbook.save(path)


def write_xlsxwriter(rows: list[dict[str, Any]], path: str) -> None:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(path, {"constant_memory": True})
    ws = workbook.add_worksheet("Data")
    formats = [workbook.add_format({"num_format": f}) if f else None for f in FORMATS]
    for col, column in enumerate(COLUMNS):
        ws.write_string(0, col, column["label"])
    for row_index, row in enumerate(rows, start=1):
        for col, field in enumerate(FIELDS):
            value = row[field]
            if isinstance(value, date):
                ws.write_datetime(row_index, col, value, formats[col])
            else:
                ws.write(row_index, col, value, formats[col])
    workbook.close()


def timed(write: Callable[[list[dict[str, Any]], str], None], rows: list[dict[str, Any]]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) for one write."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "out.xlsx")
        wall, cpu = time.perf_counter(), time.process_time()
        write(rows, path)
        return time.perf_counter() - wall, time.process_time() - cpu


def peak_rss_mb_of_pipeline(row_count: int) -> tuple[float, float]:
    """(peak RSS of a fresh process that builds the rows and renders them, RSS after building the rows only)."""
    result = subprocess.run(
        [sys.executable, __file__, "--rss-child", "--rows", str(row_count)],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )
    child = json.loads(result.stdout.strip().splitlines()[-1])
    return child["peak_rss_mb"], child["data_rss_mb"]


def peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM belongs to the process image; ru_maxrss survives exec on Linux,
    so a child started from a bigger parent would report the parent's peak instead of its own."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def rss_child(row_count: int) -> None:
    rows = make_rows(row_count)
    data_rss_mb = peak_rss_mb()
    with tempfile.TemporaryDirectory() as tmp:
        write_pipeline(rows, os.path.join(tmp, "out.xlsx"))
    pipeline_peak_rss_mb = peak_rss_mb()
    print(json.dumps({"peak_rss_mb": round(pipeline_peak_rss_mb, 1), "data_rss_mb": round(data_rss_mb, 1)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--rss-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child:
        rss_child(args.rows)
        return

    rows = make_rows(args.rows)
    print(f"xlsx bench: {args.rows:,} rows x {len(COLUMNS)} columns, best of {args.repeat}")
    writers = {
        "openpyxl_raw_s": write_openpyxl_raw,
        "openpyxl_styled_s": write_openpyxl_styled,
        "pipeline_s": write_pipeline,
        "xlsxwriter_constant_memory_s": write_xlsxwriter,
    }
    timings = {name: float("inf") for name in writers}
    cpu = {name: float("inf") for name in writers}
    # Round-robin, best of K: the machine is shared, so noise hits every variant alike. CPU time is
    # reported too: it is what the code costs, whatever else the machine is doing.
    for round_number in range(1, args.repeat + 1):
        for name, write in writers.items():
            elapsed, cpu_s = timed(write, rows)
            timings[name] = min(timings[name], elapsed)
            cpu[name] = min(cpu[name], cpu_s)
            print(f"  round {round_number}  {name:<30} {elapsed:7.2f} s wall {cpu_s:7.2f} s CPU")
    for name in writers:
        print(f"  best     {name:<30} {timings[name]:7.2f} s wall {cpu[name]:7.2f} s CPU")
    pipeline_rss_mb, data_rss_mb = peak_rss_mb_of_pipeline(args.rows)
    ratio = timings["pipeline_s"] / timings["openpyxl_styled_s"]
    ratio_raw = timings["pipeline_s"] / timings["openpyxl_raw_s"]
    ratio_cpu = cpu["pipeline_s"] / cpu["openpyxl_styled_s"]
    ratio_raw_cpu = cpu["pipeline_s"] / cpu["openpyxl_raw_s"]
    print(f"  pipeline / openpyxl styled     {ratio:7.2f} wall {ratio_cpu:5.2f} CPU  (goal <= 1.0)")
    print(f"  pipeline / openpyxl raw        {ratio_raw:7.2f} wall {ratio_raw_cpu:5.2f} CPU  (goal <= 1.5)")
    print(f"  pipeline peak RSS              {pipeline_rss_mb:7.1f} MB (goal <= 300; the rows alone: {data_rss_mb:.1f} MB)")
    print(
        json.dumps(
            {
                "bench": "xlsx",
                "rows": args.rows,
                "cols": len(COLUMNS),
                **{k: round(v, 3) for k, v in timings.items()},
                "ratio": round(ratio, 3),
                "ratio_raw": round(ratio_raw, 3),
                "ratio_cpu": round(ratio_cpu, 3),
                "ratio_raw_cpu": round(ratio_raw_cpu, 3),
                "xlsxwriter_constant_memory_cpu_s": round(cpu["xlsxwriter_constant_memory_s"], 3),
                "peak_rss_mb": pipeline_rss_mb,
                "data_rss_mb": data_rss_mb,
            }
        )
    )


if __name__ == "__main__":
    main()
