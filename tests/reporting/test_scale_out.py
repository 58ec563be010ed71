"""The stack as two hosts run it: one web process (gunicorn), two workers with their own working
directories and no shared local disk, PostgreSQL, Redis, and artifacts on an S3-compatible server.

100 jobs submitted through the web: every job finishes once, every file is in the bucket with the
recorded sha256, and every download through the web process returns those bytes. CI leg 2 only
(PostgreSQL + Redis); on the SQLite leg it is skipped and says so, with CI=true anything else
missing fails.
"""
from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from reporting.models import ReportArtifact, ReportJob
from tests.conftest import REPO_ROOT
from tests.factories import StaticSourceFactory, UserFactory, published_template, small_spec
from tests.s3_server import free_port, s3_server
from tests.workers import wait_for

pytestmark = [pytest.mark.e2e]
JOBS = 100
PASSWORD = "scale-out-Pa55word"


def _require(condition: bool, message: str) -> None:
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; CI leg 2 has it, so this is a broken CI machine")
    pytest.skip(message)


def _prerequisites() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("two-host stack test: runs on the PostgreSQL + Redis leg (CI leg 2); this is the SQLite leg")
    for module in ("gunicorn", "moto.server", "requests"):
        try:
            __import__(module)
        except ImportError:
            _require(False, f"{module} is not installed (pip install -r requirements.in)")


class Host:
    """One process as a host would run it: its own working directory, temp dir and artifact root."""

    def __init__(self, name: str, root: Path, env: dict[str, str], args: list[str]):
        self.name, self.dir = name, root / name
        self.dir.mkdir()
        (self.dir / "tmp").mkdir()
        (self.dir / "artifacts").mkdir()
        self.log_path = self.dir / "log.txt"
        self._log = open(self.log_path, "w")
        host_env = {**env, "TMPDIR": str(self.dir / "tmp"), "REPORTING_ARTIFACT_ROOT": str(self.dir / "artifacts"),
                    "PYTHONPATH": str(REPO_ROOT)}
        self.process = subprocess.Popen(args, cwd=self.dir, env=host_env, stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def log(self) -> str:
        return self.log_path.read_text()

    def local_files(self) -> list[Path]:
        return [p for p in (self.dir / "artifacts").rglob("*") if p.is_file()]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait(timeout=5)
        self._log.close()


@pytest.fixture
def stack(worker_env, tmp_path, empty_queues):
    _prerequisites()
    hosts: list[Host] = []
    with s3_server(bucket="qms-scale-out") as s3:
        env = {**worker_env, **s3.env(), "REPORTING_DOWNLOAD_MODE": "stream", "DJANGO_LOG_LEVEL": "INFO"}
        port = free_port()
        try:
            web = Host("web", tmp_path, env, [sys.executable, "-m", "gunicorn", "config.wsgi:application",
                                              "--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "120"])
            hosts.append(web)
            workers = [Host(f"worker{i}", tmp_path, env,
                            [sys.executable, str(REPO_ROOT / "manage.py"), "rqworker", "high", "default", "low",
                             "--name", f"scale-out-worker{i}-{os.getpid()}"])
                       for i in (1, 2)]
            hosts.extend(workers)
            yield {"url": f"http://127.0.0.1:{port}", "s3": s3, "web": web, "workers": workers}
        finally:
            for host in hosts:
                host.stop()


def _login(base: str):
    import requests

    session = requests.Session()
    session.get(f"{base}/accounts/login/", timeout=30).raise_for_status()
    response = session.post(f"{base}/accounts/login/", timeout=30, allow_redirects=False, data={
        "username": "scaler", "password": PASSWORD, "csrfmiddlewaretoken": session.cookies["csrftoken"]})
    assert response.status_code == 302, response.text[:500]
    return session


def test_100_jobs_through_the_web_on_two_worker_hosts_and_s3(stack):
    import requests

    base, s3 = stack["url"], stack["s3"]
    owner = UserFactory(username="scaler")
    owner.set_password(PASSWORD)
    owner.save()
    # The smallest real report (a heading and a table, PDF and workbook): the test measures the stack,
    # not the renderers.
    spec = small_spec(source_name=StaticSourceFactory(name="rows").name)
    spec["sections"] = [s for s in spec["sections"] if s["type"] != "chart"]
    published_template(spec=spec, slug="scale-out")
    connection.close()  # the processes write; this test only reads from here on

    def web_up() -> bool:
        try:
            return requests.get(f"{base}/healthz", timeout=15).status_code == 200
        except requests.RequestException:  # not listening yet, or still loading the app
            return False

    wait_for(web_up, timeout=60, what=f"gunicorn on {base}: {stack['web'].log()[-2000:]}")
    session = _login(base)
    started = time.monotonic()
    for n in range(JOBS):
        response = session.post(f"{base}/reports/scale-out/run/", timeout=60, allow_redirects=False,
                                data={"note": f"job {n}", "csrfmiddlewaretoken": session.cookies["csrftoken"]})
        assert response.status_code == 302 and "/jobs/" in response.headers["Location"], response.text[:500]

    def all_final() -> bool:
        return ReportJob.objects.filter(status__in=ReportJob.FINAL_STATUSES).count() == JOBS

    wait_for(all_final, timeout=240, interval=1,
             what="100 jobs to finish: " + " | ".join(w.log()[-1500:] for w in stack["workers"]))
    elapsed = time.monotonic() - started
    jobs = list(ReportJob.objects.prefetch_related("artifacts"))
    assert len(jobs) == JOBS
    assert Counter(j.status for j in jobs) == {ReportJob.Status.SUCCEEDED: JOBS}, [j.error_message for j in jobs][:3]
    assert {j.attempts for j in jobs} == {1}

    # Each job ran on exactly one host, and both hosts worked.
    stored = Counter()
    per_host = {}
    for host in stack["workers"]:
        ids = re.findall(r"job=([0-9a-f-]{36}) stage=store duration_s=\S+ outcome=ok", host.log())
        stored.update(ids)
        per_host[host.name] = len(ids)
    assert stored == Counter({str(j.public_id): 1 for j in jobs})
    assert all(n > 0 for n in per_host.values()), per_host

    # Every file is in the bucket with the recorded sha256, and nothing was written to local disk.
    objects = s3.objects()
    artifacts = list(ReportArtifact.objects.all())
    assert len(artifacts) == 2 * JOBS
    assert set(objects) == {a.file.name for a in artifacts}
    for artifact in artifacts:
        assert hashlib.sha256(objects[artifact.file.name]).hexdigest() == artifact.sha256
    for host in [stack["web"], *stack["workers"]]:
        assert host.local_files() == [], host.name

    # Every download through the web process returns the same bytes.
    for artifact in artifacts:
        job_id = next(j.public_id for j in jobs if j.pk == artifact.job_id)
        response = session.get(f"{base}/jobs/{job_id}/download/{artifact.format}/", timeout=60)
        assert response.status_code == 200
        assert hashlib.sha256(response.content).hexdigest() == artifact.sha256
    print(f"{JOBS} jobs through the web on 2 worker hosts in {elapsed:.1f} s; per host {per_host}")
