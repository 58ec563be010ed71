"""Shared parts of the benches that go through the real queue: environment, RQ workers, waiting.

Each bench gets its own SQLite file (or DATABASE_URL), its own artifact directory and its own Redis
database number (BENCH_REDIS_DB, default 13), so it never touches a development stack's data.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REPO_ROOT = Path(__file__).resolve().parents[2]


def redis_url_with_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    if parts.scheme == "unix":
        query = dict(parse_qsl(parts.query))
        query["db"] = str(db)
        return f"unix://{parts.netloc}{parts.path}?{urlencode(query)}"
    return urlunsplit(parts._replace(path=f"/{db}"))


def prepare_environment(workdir: Path, **extra: str) -> dict[str, str]:
    """Point this process (and the workers it starts) at the bench's own database, files and Redis DB."""
    if "REDIS_URL" not in os.environ:
        sys.exit("REDIS_URL is not set: run under `python -m config.embedded_redis -- ...`")
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{workdir / 'bench.sqlite3'}",
        "REPORTING_ARTIFACT_ROOT": str(workdir / "artifacts"),
        "REDIS_URL": redis_url_with_db(os.environ["REDIS_URL"], int(os.environ.get("BENCH_REDIS_DB", "13"))),
        "DJANGO_LOG_LEVEL": "WARNING",
        **extra,
    }
    os.environ.update(env)
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    return {**os.environ, **env}


def setup_django() -> None:
    import django
    import django_rq
    from django.core.cache import cache
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    for name in ("high", "default", "low"):
        django_rq.get_queue(name).empty()
    cache.clear()  # the bench's own Redis DB: no source or chart entry left from an earlier run


@contextmanager
def rq_workers(count: int, env: dict[str, str], workdir: Path, tag: str = "",
               worker_class: str = "reporting.worker.ReportWorker") -> Iterator[list[subprocess.Popen]]:
    workers = [
        subprocess.Popen([sys.executable, "manage.py", "rqworker", "high", "default", "low", "--with-scheduler",
                          "--worker-class", worker_class],
                         cwd=REPO_ROOT, env=env, stdout=open(workdir / f"worker{tag}-{i}.log", "w"),
                         stderr=subprocess.STDOUT, start_new_session=True)
        for i in range(count)
    ]
    try:
        yield workers
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)


def wait_until_final(job_ids: list[int], timeout_s: float, on_poll=None) -> None:
    from django.db import connection

    from reporting.models import ReportJob

    deadline = time.monotonic() + timeout_s
    last_report = time.monotonic()
    while time.monotonic() < deadline:
        left = ReportJob.objects.filter(pk__in=job_ids).exclude(status__in=ReportJob.FINAL_STATUSES).count()
        connection.close()
        if left == 0:
            return
        if on_poll is not None:
            on_poll()
        if time.monotonic() - last_report > 10:
            print(f"  {len(job_ids) - left}/{len(job_ids)} done", flush=True)
            last_report = time.monotonic()
        time.sleep(0.1 if on_poll is not None else 0.25)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(-(-len(ordered) * q // 100)) - 1)] if ordered else float("nan")
