"""Load benchmark: 200 small reports (static sources, PDF + XLSX) submitted at once, 2 RQ workers.

Checks that every job ends succeeded, none is lost and none runs twice (attempts == 1, exactly
one artifact file per format per job), and measures throughput and submit-to-finish latency.
Baseline in the same run: the same report rendered in-process, sequentially, without any queue.

    python -m config.embedded_redis -- .venv/bin/python tests/perf/bench_load.py [--jobs 200 --workers 2]

Uses its own database (DATABASE_URL if set, else a temporary SQLite file), its own artifact
directory and its own Redis database number (BENCH_REDIS_DB, default 13) so that it never touches
a development stack's data.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.perf.queue_bench import percentile, prepare_environment, rq_workers, setup_django, wait_until_final  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--baseline-jobs", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="qms-bench-load-"))
    env = prepare_environment(workdir)
    setup_django()
    from django.db import connection

    from reporting.models import ReportArtifact, ReportJob
    from reporting.services import job_run
    from reporting.services import job_create, job_submit
    from tests.factories import StaticSourceFactory, published_template, small_spec

    source = StaticSourceFactory(static_data={"rows": [{"name": f"Row {i}", "value": i} for i in range(40)]})
    template = published_template(spec=small_spec(source_name=source.name, title="Load benchmark"))
    print(f"database: {connection.vendor}  redis: {env['REDIS_URL']}  workdir: {workdir}", flush=True)

    # Baseline: the same report run in this process, one after another, no queue and no worker.
    started = time.perf_counter()
    for _ in range(args.baseline_jobs):
        job = job_run(job=job_create(template=template, user=None, parameters={}))
        assert job.status == ReportJob.Status.SUCCEEDED, job.error_message
    baseline_s_per_job = (time.perf_counter() - started) / args.baseline_jobs
    baseline_jobs_per_min = 60 / baseline_s_per_job
    print(f"baseline (in-process, sequential): {baseline_s_per_job:.3f} s/job = {baseline_jobs_per_min:.0f} jobs/min",
          flush=True)
    baseline_ids = list(ReportJob.objects.values_list("pk", flat=True))

    with rq_workers(args.workers, env, workdir):
        submit_started = time.perf_counter()
        submitted = [job_submit(template=template, user=None, parameters={"note": str(i)}).pk
                     for i in range(args.jobs)]
        submit_s = time.perf_counter() - submit_started
        print(f"submitted {len(submitted)} jobs in {submit_s:.2f} s", flush=True)
        connection.close()
        wait_until_final(submitted, args.timeout)

    jobs = list(ReportJob.objects.filter(pk__in=submitted).values(
        "pk", "public_id", "status", "attempts", "created_at", "finished_at", "error_message"))
    succeeded = [j for j in jobs if j["status"] == ReportJob.Status.SUCCEEDED]
    lost = [j for j in jobs if j["status"] not in ReportJob.FINAL_STATUSES]
    failed = [j for j in jobs if j["status"] in (ReportJob.Status.FAILED, ReportJob.Status.CANCELLED,
                                                 ReportJob.Status.PARTIAL)]
    artifacts_per_job: dict[int, list[str]] = {}
    for job_id, fmt in ReportArtifact.objects.filter(job_id__in=submitted).values_list("job_id", "format"):
        artifacts_per_job.setdefault(job_id, []).append(fmt)
    artifact_root = Path(env["REPORTING_ARTIFACT_ROOT"]) / "jobs"
    duplicated = []
    for job in jobs:
        files = sorted(p.suffix for p in (artifact_root / str(job["public_id"])).glob("*"))
        if job["attempts"] != 1 or sorted(artifacts_per_job.get(job["pk"], [])) != ["pdf", "xlsx"] \
                or files != [".pdf", ".xlsx"]:
            if job["status"] == ReportJob.Status.SUCCEEDED or job["attempts"] > 1:
                duplicated.append(job)
    latencies = [(j["finished_at"] - j["created_at"]).total_seconds() for j in jobs if j["finished_at"]]
    first_created = min(j["created_at"] for j in jobs)
    last_finished = max((j["finished_at"] for j in jobs if j["finished_at"]), default=first_created)
    wall_s = (last_finished - first_created).total_seconds()
    jobs_per_min = len(succeeded) / wall_s * 60 if wall_s > 0 else 0.0
    locked = sum(1 for j in jobs if "database is locked" in (j["error_message"] or ""))
    assert not set(baseline_ids) & set(submitted)

    print(f"succeeded {len(succeeded)}/{args.jobs}, failed {len(failed)}, lost {len(lost)}, "
          f"duplicated {len(duplicated)}, 'database is locked' failures {locked}")
    for job in failed[:5]:
        print(f"  failed {job['public_id']}: {job['error_message'][:200]}")
    print(f"{args.workers} workers: {jobs_per_min:.0f} jobs/min over {wall_s:.1f} s "
          f"({jobs_per_min / baseline_jobs_per_min:.2f}x the in-process sequential baseline)")
    print(f"submit-to-finish latency: p50 {percentile(latencies, 50):.2f} s, p95 {percentile(latencies, 95):.2f} s, "
          f"max {max(latencies, default=float('nan')):.2f} s; mean {statistics.fmean(latencies):.2f} s")
    print(json.dumps({
        "bench": "load", "jobs": args.jobs, "workers": args.workers, "database": connection.vendor,
        "succeeded": len(succeeded), "failed": len(failed), "lost": len(lost), "duplicated": len(duplicated),
        "jobs_per_min": round(jobs_per_min, 1), "p50_s": round(percentile(latencies, 50), 3),
        "p95_s": round(percentile(latencies, 95), 3), "wall_s": round(wall_s, 2),
        "baseline_jobs_per_min": round(baseline_jobs_per_min, 1),
        "speedup_vs_baseline": round(jobs_per_min / baseline_jobs_per_min, 2),
    }))
    ok = len(succeeded) == args.jobs and not lost and not duplicated
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
