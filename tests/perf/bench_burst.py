"""Burst benchmark: 100 jobs of one template and parameters submitted at once, 2 RQ workers.

What a schedule burst or a Monday-morning rush looks like. The report reads 3 HTTP sources of the
local source server (200 ms each) and draws 3 charts. Measured twice in the same run:
  cached    the sources' cache and the chart cache on: each distinct source request should reach
            upstream exactly once across both worker processes (the stampede lock), each chart be
            drawn once (the chart cache)
  uncached  the same 100 jobs with use_cache=False and the chart cache off (the baseline)
Figures: upstream requests (counted by the local server), chart drawings, jobs/min, p50/p95 of
submit->finished. The last line is JSON.

    python -m config.embedded_redis -- .venv/bin/python tests/perf/bench_burst.py [--jobs 100 --workers 2]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.perf.queue_bench import percentile, prepare_environment, rq_workers, setup_django, wait_until_final  # noqa: E402

SOURCES = 3
LATENCY_S = 0.2


def _spec(names: list[str]) -> dict:
    sections = [{"type": "heading", "text": "Burst"}]
    for name in names:
        sections += [
            {"type": "chart", "kind": "bar", "title": f"Values of {name}", "data": f"{name}.rows", "x": "name",
             "y": ["value"]},
            {"type": "table", "title": f"Rows of {name}", "data": f"{name}.rows",
             "columns": [{"field": "name", "label": "Name"}, {"field": "value", "label": "Value", "format": "0"}]},
        ]
    return {"title": "Burst benchmark", "parameters": [], "sources": [{"source": n, "required": True} for n in names],
            "processors": [], "sections": sections, "outputs": ["pdf", "xlsx"]}


def _phase(label: str, *, template, use_cache: bool, jobs: int, workers: int, env: dict, workdir: Path,
           api, timeout_s: float) -> dict:
    from django.core.cache import cache
    from django.db import connection

    from reporting.models import ReportJob
    from reporting.services import job_submit
    from tests.perf.burst_worker import CHART_BUILDS_KEY

    cache.clear()  # the bench's own Redis DB: no source entry, chart or counter from the other phase
    api.hits.clear()
    with rq_workers(workers, env, workdir, tag=f"-{label}", worker_class="tests.perf.burst_worker.CountingWorker"):
        time.sleep(2)  # let the workers load the pipeline, as a running deployment has
        submitted = [job_submit(template=template, user=None, parameters={}, use_cache=use_cache).pk
                     for _ in range(jobs)]
        connection.close()
        wait_until_final(submitted, timeout_s)
    rows = list(ReportJob.objects.filter(pk__in=submitted).values("status", "created_at", "finished_at",
                                                                   "error_message"))
    succeeded = [r for r in rows if r["status"] == ReportJob.Status.SUCCEEDED]
    latencies = [(r["finished_at"] - r["created_at"]).total_seconds() for r in rows if r["finished_at"]]
    wall_s = (max(r["finished_at"] for r in rows if r["finished_at"]) - min(r["created_at"] for r in rows)
              ).total_seconds()
    upstream = dict(api.hits)
    figures = {
        "succeeded": len(succeeded),
        "upstream_requests": sum(upstream.values()),
        "distinct_source_requests": len(upstream),
        "chart_builds": int(cache.get(CHART_BUILDS_KEY) or 0),
        "jobs_per_min": round(len(succeeded) / wall_s * 60, 1),
        "p50_s": round(percentile(latencies, 50), 3),
        "p95_s": round(percentile(latencies, 95), 3),
        "wall_s": round(wall_s, 2),
    }
    for row in [r for r in rows if r["status"] != ReportJob.Status.SUCCEEDED][:3]:
        print(f"  {label}: {row['status']}: {(row['error_message'] or '')[:200]}")
    print(f"{label:>9}: {figures['succeeded']}/{jobs} succeeded, {figures['upstream_requests']} upstream requests "
          f"for {figures['distinct_source_requests']} distinct, {figures['chart_builds']} chart drawings, "
          f"{figures['jobs_per_min']:.0f} jobs/min, p50 {figures['p50_s']:.2f} s, p95 {figures['p95_s']:.2f} s",
          flush=True)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="qms-bench-burst-"))
    from tests.local_http import local_api

    with local_api() as api:
        env = prepare_environment(workdir, REPORTING_SOURCE_ALLOWED_HOSTS="127.0.0.1",
                                  REPORTING_SOURCE_ALLOW_PRIVATE_HOSTS="127.0.0.1")
        setup_django()
        from tests.factories import HttpSourceFactory, published_template

        names = []
        for i in range(SOURCES):
            api.add(f"/burst{i}", {"rows": [{"name": f"Item {j}", "value": (i + 1) * j} for j in range(12)]},
                    delay_s=LATENCY_S)
            names.append(HttpSourceFactory(base_url=api.base_url, endpoint=f"/burst{i}", cache_ttl_s=300).name)
        template = published_template(spec=_spec(names))
        print(f"burst: {args.jobs} jobs of one report ({SOURCES} HTTP sources at {LATENCY_S * 1000:.0f} ms, "
              f"{SOURCES} charts), {args.workers} workers; workdir {workdir}", flush=True)
        cached = _phase("cached", template=template, use_cache=True, jobs=args.jobs, workers=args.workers,
                        env=env, workdir=workdir, api=api, timeout_s=args.timeout)
        uncached = _phase("uncached", template=template, use_cache=False, jobs=args.jobs, workers=args.workers,
                          env={**env, "REPORTING_CHART_CACHE_TTL_S": "0"}, workdir=workdir, api=api,
                          timeout_s=args.timeout)
    # Each job of the uncached run draws every chart of the report itself: that is how many there are
    # (a PDF drawing, a preview drawing and its SVG per chart section).
    distinct_charts = uncached["chart_builds"] // args.jobs
    speedup = cached["jobs_per_min"] / uncached["jobs_per_min"] if uncached["jobs_per_min"] else float("nan")
    print(f"cached / uncached throughput: {speedup:.2f}x; upstream requests {cached['upstream_requests']} "
          f"(goal: {SOURCES}, each distinct request once) vs {uncached['upstream_requests']}; chart drawings "
          f"{cached['chart_builds']} (goal: {distinct_charts}, each distinct chart once) vs {uncached['chart_builds']}")
    print(json.dumps({
        "bench": "burst", "jobs": args.jobs, "workers": args.workers, "sources": SOURCES, "chart_sections": SOURCES,
        "distinct_charts": distinct_charts,
        **{f"cached_{k}": v for k, v in cached.items()},
        **{f"uncached_{k}": v for k, v in uncached.items()},
        "throughput_vs_uncached": round(speedup, 3),
    }))
    ok = cached["succeeded"] == args.jobs and uncached["succeeded"] == args.jobs
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
