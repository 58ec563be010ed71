"""Scale-out figures: jobs/minute with 1 and 2 workers, a worker's peak RSS storing a 100k-row
workbook the old way (whole file read into memory) and the new way (temp file -> storage as a
stream), and the /jobs/ page's median response with 10,000 jobs in the database.

Run from the repo root:  .venv/bin/python tests/perf/bench_scale.py [--jobs N] [--rows N]
(`make bench` runs it with an embedded Redis; REDIS_URL and DATABASE_URL are used when set —
without DATABASE_URL a throw-away SQLite file is migrated for the run.)
The last line is one JSON object.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
COLUMNS = [{"field": f"c{i}", "label": f"Column {i}", **({"format": "0.00"} if i % 2 else {})} for i in range(10)]


# ----------------------------------------------------------------------------- peak RSS of storing

def vm_hwm_mb(field: str = "VmHWM") -> float:
    """Peak (VmHWM) or current (VmRSS) resident memory of this process, in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return 0.0


def reset_hwm() -> bool:
    """Linux: writing 5 to clear_refs resets the peak RSS, so one step's own peak can be read."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def rss_child(rows: int, mode: str) -> None:
    """A fresh process renders the workbook as a job does, then stores it `mode`'s way."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.core.files import File
    from django.core.files.storage import FileSystemStorage

    from reporting.pipeline import engine
    from reporting.pipeline.context import ReportContext
    from reporting.services.artifacts import spool_copy
    from templates_app.spec import parse_spec

    data = [{f"c{i}": (n * 7 + i if i % 2 else f"Record {n:06d} column {i}") for i in range(10)} for n in range(rows)]
    spec = {"title": "Bench", "sections": [{"type": "table", "title": "Data", "data": "rows", "columns": COLUMNS}]}
    context = ReportContext(title="Bench", spec=spec, report=parse_spec(spec), parameters={}, parameter_lines=[],
                            generated_at=datetime(2026, 11, 1, tzinfo=ZoneInfo("UTC")), requested_by="bench",
                            data={"rows": data})
    storage = FileSystemStorage(location=tempfile.mkdtemp(prefix="bench-scale-"))
    held: dict[str, object] = {}
    figures: dict[str, float] = {}

    def keep(fmt, renderer, fh):
        figures["after_render_mb"] = vm_hwm_mb()
        figures["reset"] = reset_hwm()
        figures["rss_before_store_mb"] = vm_hwm_mb("VmRSS")
        if mode == "memory":  # before issue 16 (job_runner keep + _store): fh.read(), then BytesIO(payload)
            fh.seek(0)
            payload = fh.read()
            held[fmt] = io.BytesIO(payload)
        else:
            held[fmt] = spool_copy(fh)

    engine.render_formats(context=context, formats=["xlsx"], on_rendered=keep)
    stream = held["xlsx"]
    digest = hashlib.sha256()
    stream.seek(0)
    for chunk in iter(lambda: stream.read(1024 * 1024), b""):
        digest.update(chunk)
    size = stream.tell()
    stream.seek(0)
    storage.save("out.xlsx", File(stream, name="out.xlsx"))
    figures["store_peak_mb"] = vm_hwm_mb()
    figures["store_added_mb"] = figures["store_peak_mb"] - figures["rss_before_store_mb"]
    print(json.dumps({"mode": mode, "size_mb": round(size / 2**20, 2), **{k: round(v, 1) if isinstance(v, float)
                                                                        else v for k, v in figures.items()}}))


def store_rss(rows: int) -> dict[str, dict]:
    out = {}
    for mode in ("memory", "stream"):
        result = subprocess.run([sys.executable, __file__, "--rss-child", mode, "--rows", str(rows)], cwd=ROOT,
                                capture_output=True, text=True, env={**os.environ, "DJANGO_LOG_LEVEL": "ERROR"})
        if result.returncode:
            raise SystemExit(result.stderr[-3000:])
        out[mode] = json.loads(result.stdout.strip().splitlines()[-1])
    return out


# ----------------------------------------------------------------------------- jobs/minute, /jobs/

def setup_database() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    if not env.get("DATABASE_URL"):
        env["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='bench-scale-db-')}/bench.sqlite3"
    env["REPORTING_ARTIFACT_ROOT"] = tempfile.mkdtemp(prefix="bench-scale-artifacts-")
    env["QMS_TEST_CACHE_PREFIX"] = f"bench-scale-{os.getpid()}"
    env["DJANGO_LOG_LEVEL"] = "WARNING"
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    os.environ.update(env)
    return env


def jobs_per_minute(env, template, user, *, jobs: int, workers: int) -> float:
    from django.db import connection
    from django.db.models import Max, Min

    from reporting.models import ReportJob
    from reporting.services import job_submit

    ids = [job_submit(template=template, user=user, parameters={}).pk for _ in range(jobs)]
    connection.close()
    procs = [subprocess.Popen([sys.executable, "manage.py", "rqworker", "high", "default", "low", "--burst"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for _ in range(workers)]
    for proc in procs:
        proc.wait(timeout=1800)
    done = ReportJob.objects.filter(pk__in=ids)
    deadline = time.monotonic() + 60  # a burst worker may exit while the other's last job is ending
    while done.exclude(status__in=ReportJob.FINAL_STATUSES).exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    statuses = sorted(done.values_list("status", "error_message"))
    assert [s for s, _ in statuses] == [ReportJob.Status.SUCCEEDED] * jobs, statuses[:5]
    span = done.aggregate(first=Min("started_at"), last=Max("finished_at"))
    # From the first job's start to the last one's end: worker start-up is not the pipeline's cost.
    return jobs / (span["last"] - span["first"]).total_seconds() * 60


def job_list_figures(template, user) -> dict[str, float]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from reporting.models import ReportJob

    client = Client(HTTP_HOST="127.0.0.1")  # an allowed host of the test settings
    client.force_login(user)

    def measure(repeat: int) -> tuple[float, int]:
        client.get("/jobs/")  # warm
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get("/jobs/")
            times.append(time.perf_counter() - started)
            assert response.status_code == 200
        with CaptureQueriesContext(connection) as queries:
            client.get("/jobs/")
        return statistics.median(times) * 1000, len(queries)

    add = lambda n: ReportJob.objects.bulk_create(  # noqa: E731
        [ReportJob(template=template, template_version=template.published_version, requested_by=user,
                   status=ReportJob.Status.SUCCEEDED, formats=["pdf", "xlsx"]) for _ in range(n)], batch_size=2000)
    add(10)
    small_ms, small_q = measure(20)
    add(9_990)
    big_ms, big_q = measure(20)
    return {"jobs_10_median_ms": round(small_ms, 1), "jobs_10_queries": small_q,
            "jobs_10000_median_ms": round(big_ms, 1), "jobs_10000_queries": big_q}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=30, help="jobs per worker count")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rss-child", choices=["memory", "stream"])
    args = parser.parse_args()
    if args.rss_child:
        rss_child(args.rows, args.rss_child)
        return

    print(f"== peak RSS of a worker storing a {args.rows:,}-row workbook (fresh process each)")
    rss = store_rss(args.rows)
    for mode, label in (("memory", "before (read whole into memory)"), ("stream", "after (temp file -> storage)")):
        r = rss[mode]
        print(f"  {label:<34} store step adds {r['store_added_mb']:6.1f} MB (peak {r['store_peak_mb']:.1f} MB)"
              f"   render peak {r['after_render_mb']:7.1f} MB   file {r['size_mb']} MB")
    env = setup_database()
    import django

    django.setup()
    from tests.factories import StaticSourceFactory, UserFactory, published_template, small_spec

    user = UserFactory(username=f"bench-{os.getpid()}")
    lister = UserFactory(username=f"bench-list-{os.getpid()}")  # /jobs/ of a user with no other jobs
    template = published_template(spec=small_spec(source_name=StaticSourceFactory().name),
                                  slug=f"bench-scale-{os.getpid()}")
    import django_rq

    for name in ("high", "default", "low"):
        django_rq.get_queue(name).empty()
    print(f"== jobs/minute ({args.jobs} jobs of a small PDF + workbook report, {env['DATABASE_URL'].split(':')[0]})")
    rates = {}
    for workers in (1, 2):
        rates[workers] = jobs_per_minute(env, template, user, jobs=args.jobs, workers=workers)
        print(f"  {workers} worker(s)  {rates[workers]:7.1f} jobs/min")
    ratio = rates[2] / rates[1]
    print(f"  2 / 1 workers {ratio:7.2f} (on {os.cpu_count()} cores shared with the rest of the machine)")
    print("== /jobs/ median response")
    pages = job_list_figures(template, lister)
    print(f"  10 jobs      {pages['jobs_10_median_ms']:7.1f} ms  {pages['jobs_10_queries']} queries")
    print(f"  10,000 jobs  {pages['jobs_10000_median_ms']:7.1f} ms  {pages['jobs_10000_queries']} queries")
    print(json.dumps({
        "bench": "scale", "jobs": args.jobs, "rows": args.rows,
        "jobs_per_min_1_worker": round(rates[1], 1), "jobs_per_min_2_workers": round(rates[2], 1),
        "workers_ratio": round(ratio, 2),
        "store_peak_rss_mb_memory": rss["memory"]["store_peak_mb"],
        "store_peak_rss_mb_stream": rss["stream"]["store_peak_mb"],
        "store_added_rss_mb_memory": rss["memory"]["store_added_mb"],
        "store_added_rss_mb_stream": rss["stream"]["store_added_mb"],
        "render_peak_rss_mb": rss["stream"]["after_render_mb"], "workbook_mb": rss["stream"]["size_mb"],
        **pages, "query_count_constant": pages["jobs_10_queries"] == pages["jobs_10000_queries"],
    }))


if __name__ == "__main__":
    main()
