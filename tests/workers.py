"""Helpers for tests that run real worker processes: waiting on a condition, a killable `rqworker`."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.conftest import REPO_ROOT


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
