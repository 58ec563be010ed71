"""One table for every bench: `make bench` runs them, `make bench-compare` compares the last two runs.

    python tests/perf/bench_table.py run [--only aggregation,burst]   run tests/perf/bench_*.py in turn
    python tests/perf/bench_table.py compare [OLD.json NEW.json]      change against the previous file

Each bench prints its figures as the last line of its output (one JSON object with "bench": name).
`run` shows each bench's output as it goes, then a table of every figure with its goal and whether
it holds, and writes everything (figures, goals, the commit, the machine's load) to
var/bench/<UTC timestamp>.json. A bench that fails is a row saying so; the exit status is then 1.
Goals are ratios against a baseline measured in the same run wherever the figure allows it.
"""
from __future__ import annotations

import argparse
import json
import operator
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PERF = REPO / "tests" / "perf"
OUT_DIR = REPO / "var" / "bench"
_OPS = {"<=": operator.le, ">=": operator.ge, "==": operator.eq}


def _load_goal(figures: dict) -> float | None:
    """p95 of submit->finished <= 1.5 x the time the whole batch needs at the measured rate."""
    rate = figures.get("jobs_per_min")
    return 1.5 * figures["jobs"] / (rate / 60) if rate else None


# (bench, figure, what it is, operator, goal: a number or a function of the bench's figures)
GOALS: list[tuple[str, str, str, str, object]] = [
    ("aggregation", "ratio_cold_to_slowest", "aggregation cold wall / slowest source (8 x 200 ms)", "<=", 1.10),
    ("aggregation", "warm_wall_s", "aggregation warm, 8 cached sources (s)", "<=", 0.005),
    ("aggregation", "warm32_wall_s", "aggregation warm, 32 cached sources (s)", "<=", 0.005),
    ("aggregation", "warm_redis_round_trips", "Redis round trips per warm aggregation", "<=", 1),
    ("pdf", "ratio", "PDF 10k rows / chunked plain ReportLab", "<=", 1.10),
    ("pdf", "peak_rss_mb_50k", "PDF 50k rows peak RSS (MB)", "<=", 300),
    ("xlsx", "ratio_raw", "XLSX 100k x 10 / raw openpyxl write-only (wall)", "<=", 1.05),
    ("xlsx", "ratio_raw_cpu", "XLSX 100k x 10 / raw openpyxl write-only (CPU)", "<=", 1.05),
    ("xlsx", "peak_rss_mb", "XLSX 100k x 10 peak RSS (MB)", "<=", 300),
    ("load", "p95_s", "200 jobs, 2 workers: p95 submit->finished (s) <= 1.5 x 200/rate", "<=", _load_goal),
    ("load", "jobs_per_min", "200 jobs, 2 workers: jobs/min", None, None),
    ("burst", "cached_upstream_requests", "burst of 100 jobs: upstream requests (each distinct once)", "<=",
     lambda f: f["sources"]),
    ("burst", "cached_chart_builds", "burst of 100 jobs: chart drawings (each distinct once)", "<=",
     lambda f: f["distinct_charts"]),
    ("burst", "uncached_upstream_requests", "the same 100 jobs, caching off: upstream requests", None, None),
    ("burst", "throughput_vs_uncached", "burst jobs/min, cached / caching off", ">=", 1.0),
    ("burst", "cached_p95_s", "burst p95 submit->finished (s), cached", None, None),
    ("burst", "uncached_p95_s", "burst p95 submit->finished (s), caching off", None, None),
    ("bigreport", "ratio", "100k-row report via the queue / bench_pdf + bench_xlsx", "<=", 1.2),
    ("bigreport", "horse_peak_rss_mb", "100k-row report: work horse peak RSS (MB)", "<=", 300),
    ("scale", "workers_ratio", "scale: jobs/min 2 workers / 1 worker", None, None),
    ("scale", "store_added_rss_mb_stream", "scale: RSS added storing a 100k-row workbook (MB)", None, None),
    ("scale", "jobs_10000_median_ms", "scale: /jobs/ median with 10,000 jobs (ms)", None, None),
    ("scale", "query_count_constant", "scale: /jobs/ queries the same for 10 and 10,000 jobs", "==", True),
]


def run(only: list[str]) -> int:
    benches = sorted(PERF.glob("bench_*.py"))
    benches = [b for b in benches if b.name != Path(__file__).name]
    if only:
        benches = [b for b in benches if b.stem.removeprefix("bench_") in only]
    started = datetime.now(timezone.utc)
    record: dict = {"started": started.isoformat(timespec="seconds"), "commit": _commit(),
                    "load_before": os.getloadavg(), "benches": {}, "failed": []}
    for bench in benches:
        name = bench.stem.removeprefix("bench_")
        print(f"== {bench.relative_to(REPO)}  (load {_load()})", flush=True)
        t0 = time.perf_counter()
        figures, status = _run_one(bench)
        if figures is None or status != 0:
            record["failed"].append(name)
        if figures is not None:
            figures.setdefault("bench", name)
            record["benches"][name] = {**figures, "bench_wall_s": round(time.perf_counter() - t0, 1)}
    record["load_after"] = os.getloadavg()
    rows = evaluate(record)
    record["table"] = rows
    print_table(record, rows)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUT_DIR / f"{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(record, indent=1, default=str) + "\n")
    print(f"written {path.relative_to(REPO)}")
    return 1 if record["failed"] or any(r["holds"] is False for r in rows) else 0


def _run_one(bench: Path) -> tuple[dict | None, int]:
    process = subprocess.Popen([sys.executable, str(bench)], cwd=REPO, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, bufsize=1)
    last_json = None
    assert process.stdout is not None
    for line in process.stdout:
        sys.stdout.write(line)
        if line.startswith("{"):
            try:
                last_json = json.loads(line)
            except json.JSONDecodeError:
                pass
    return last_json, process.wait()


def evaluate(record: dict) -> list[dict]:
    """The figures of GOALS, then any a bench declares itself: "goals": {figure: [op, goal, label]}."""
    rows = []
    declared = [(bench, key, label, op, goal) for bench, figures in record["benches"].items()
                for key, (op, goal, label) in (figures.get("goals") or {}).items()]
    for bench, key, label, op, goal in GOALS + declared:
        figures = record["benches"].get(bench)
        if figures is None:
            continue
        value = figures.get(key)
        target = goal(figures) if callable(goal) else goal
        holds = None if op is None or value is None or target is None else bool(_OPS[op](value, target))
        rows.append({"bench": bench, "figure": key, "label": label, "value": value,
                     "goal": None if op is None else f"{op} {_fmt(target)}", "holds": holds})
    for name in record["failed"]:
        rows.append({"bench": name, "figure": "-", "label": f"bench_{name}.py failed", "value": None,
                     "goal": "runs", "holds": False})
    return rows


def print_table(record: dict, rows: list[dict]) -> None:
    width = max((len(r["label"]) for r in rows), default=10)
    print()
    print(f"commit {record['commit']}; load average before {_fmt_load(record['load_before'])}, "
          f"after {_fmt_load(record['load_after'])}")
    print(f"{'figure':<{width}}  {'value':>10}  {'goal':>10}  holds")
    print(f"{'-' * width}  {'-' * 10}  {'-' * 10}  -----")
    for r in rows:
        holds = {True: "yes", False: "NO", None: "-"}[r["holds"]]
        print(f"{r['label']:<{width}}  {_fmt(r['value']):>10}  {r['goal'] or '-':>10}  {holds}")


def compare(paths: list[str]) -> int:
    if not paths:
        files = sorted(OUT_DIR.glob("*.json"))
        if len(files) < 2:
            print(f"need two runs in {OUT_DIR.relative_to(REPO)} (found {len(files)}): run `make bench` again")
            return 1
        paths = [str(files[-2]), str(files[-1])]
    old, new = (json.loads(Path(p).read_text()) for p in paths)
    print(f"previous {Path(paths[0]).name} ({old.get('commit')})  ->  now {Path(paths[1]).name} ({new.get('commit')})")
    old_rows = {(r["bench"], r["figure"]): r for r in old.get("table", [])}
    rows = new.get("table", [])
    width = max((len(r["label"]) for r in rows), default=10)
    print(f"{'figure':<{width}}  {'previous':>10}  {'now':>10}  {'change':>8}  goal       holds")
    for r in rows:
        before = old_rows.get((r["bench"], r["figure"]), {}).get("value")
        change = "-"
        if isinstance(before, (int, float)) and isinstance(r["value"], (int, float)) and before:
            change = f"{(r['value'] - before) / abs(before) * 100:+.1f}%"
        holds = {True: "yes", False: "NO", None: "-"}[r["holds"]]
        print(f"{r['label']:<{width}}  {_fmt(before):>10}  {_fmt(r['value']):>10}  {change:>8}  "
              f"{r['goal'] or '-':<10} {holds}")
    return 0


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1000 else f"{value:.0f}"
    return str(value)


def _fmt_load(load) -> str:
    return " ".join(f"{x:.2f}" for x in load)


def _load() -> str:
    return _fmt_load(os.getloadavg())


def _commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                               capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+changes" if dirty else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run")
    run_parser.add_argument("--only", default=os.environ.get("BENCHES", ""),
                            help="comma-separated bench names (aggregation,pdf,...); default all")
    compare_parser = sub.add_parser("compare")
    compare_parser.add_argument("files", nargs="*")
    args = parser.parse_args()
    if args.command == "run":
        return run([n for n in args.only.split(",") if n])
    return compare(args.files)


if __name__ == "__main__":
    sys.exit(main())
