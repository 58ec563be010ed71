"""A real local HTTP JSON source whose speed and failures a test controls, plus worker helpers."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
ROWS = [{"name": "A", "value": 1}, {"name": "B", "value": 2}]


@dataclass
class Behaviour:
    delay_s: float = 0.0
    fail_first: int = 0  # answer this many requests with `fail_status` first
    fail_status: int = 503
    requests: int = 0
    release: threading.Event = field(default_factory=threading.Event)


class LocalJsonSource:
    """Serves {"rows": [...]} on http://127.0.0.1:<port>/rows after ``delay_s`` (interruptible)."""

    def __init__(self) -> None:
        self.behaviour = Behaviour()
        behaviour = self.behaviour

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server naming)
                behaviour.requests += 1
                if behaviour.requests <= behaviour.fail_first:
                    self._send(behaviour.fail_status, {"error": "try later"})
                    return
                behaviour.release.wait(behaviour.delay_s)
                self._send(200, {"rows": ROWS})

            def _send(self, status: int, payload: dict) -> None:
                body = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client (a killed worker) went away

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> LocalJsonSource:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.behaviour.release.set()
        self.server.shutdown()
        self.server.server_close()


def http_source(base_url: str, *, name: str = "slow_rows", read_timeout_s: float = 30.0):
    from templates_app.models import DataSource

    return DataSource.objects.create(
        name=name, kind=DataSource.Kind.HTTP, base_url=base_url, endpoint="/rows", read_timeout_s=read_timeout_s,
        connect_timeout_s=2.0, max_attempts=1, cache_ttl_s=0,
    )


def wait_for(predicate: Callable[[], bool], *, timeout: float, what: str, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class WorkerProcess:
    """`manage.py rqworker` as a real process in its own session, so it can be killed as a machine dies."""

    def __init__(self, env: dict[str, str], *args: str, log_path: Path):
        self.log_path = log_path
        self._log = open(log_path, "w")  # a file, not a pipe: a full pipe would block the worker
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "rqworker", "high", "default", "low", *args],
            cwd=REPO_ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text()[-4000:]

    def kill_everything(self) -> None:
        """SIGKILL the worker and its work horse (the horse runs in its own process group)."""
        import psutil

        victims = psutil.Process(self.pid).children(recursive=True)
        for process in [psutil.Process(self.pid), *victims]:
            try:
                process.send_signal(signal.SIGKILL)
            except psutil.NoSuchProcess:
                pass
        self.process.wait(timeout=10)

    def kill_horse(self) -> None:
        """SIGKILL only the work horse (what the kernel's OOM killer does); the worker lives on."""
        import psutil

        for process in psutil.Process(self.pid).children(recursive=True):
            process.send_signal(signal.SIGKILL)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self._log.close()
