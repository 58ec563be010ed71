"""Real-browser fixtures: headless Chromium driven by Selenium, and a long-running RQ worker process.

Chromium and chromedriver come from the Debian packages (`chromium`, `chromium-driver`, installed
by .ci/run). Both paths are given to Selenium so that Selenium Manager never tries to download a
driver or a browser (the machines have no outside network).
"""
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import REPO_ROOT

CHROMIUM_BINARY = Path("/usr/bin/chromium")
CHROMEDRIVER_BINARY = Path("/usr/bin/chromedriver")
WINDOW_SIZE = (1280, 1000)
WORKER_STOP_TIMEOUT_S = 15

CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",  # tests run as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-dev-shm-usage",  # /dev/shm is small in containers
    "--disable-quic",
    "--no-first-run",
    # No outside network here: nothing in the background may try to reach it.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-proxy-server",
    "--lang=en-US",
    f"--window-size={WINDOW_SIZE[0]},{WINDOW_SIZE[1]}",
)


def _require_chromium() -> None:
    """Skip (with the reason shown) on a developer machine without Chromium; fail in CI, which installs it."""
    missing = [str(p) for p in (CHROMIUM_BINARY, CHROMEDRIVER_BINARY) if not p.exists()]
    if not missing:
        return
    message = (f"browser tests need {' and '.join(missing)} "
               "(Debian packages chromium and chromium-driver: apt-get install -y chromium chromium-driver)")
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; CI installs them in .ci/run, so this is a broken CI machine")
    pytest.skip(message)


@pytest.fixture
def browser(tmp_path, monkeypatch) -> Iterator["selenium.webdriver.Chrome"]:  # noqa: F821
    """A fresh headless Chromium (own profile directory) for one test."""
    _require_chromium()
    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException

    monkeypatch.setenv("SE_OFFLINE", "true")  # Selenium Manager must not reach for the network
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM_BINARY)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    service = webdriver.ChromeService(executable_path=str(CHROMEDRIVER_BINARY),
                                      log_output=str(tmp_path / "chromedriver.log"))
    try:
        driver = webdriver.Chrome(options=options, service=service)
    except WebDriverException as exc:
        log = tmp_path / "chromedriver.log"
        pytest.fail(f"Chromium did not start: {exc.msg}\n"
                    f"chromedriver log:\n{log.read_text()[-3000:] if log.exists() else '(none)'}")
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


class WorkerProcess:
    """A real `manage.py rqworker` (not burst) running next to the test, its output kept in a file."""

    def __init__(self, *, env: dict[str, str], log_path: Path):
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        connection.close()  # SQLite: let the worker write without waiting on our connection
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "rqworker", "high", "default", "low"],
                cwd=REPO_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # RQ's warm shutdown: finishes the current job, then exits
        try:
            self.process.wait(timeout=WORKER_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=WORKER_STOP_TIMEOUT_S)

    def output_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else "(no output)"


@pytest.fixture
def rq_worker(worker_env, empty_queues, tmp_path) -> Iterator[WorkerProcess]:
    """A worker the test starts when it wants (`rq_worker.start()`); always stopped afterwards."""
    worker = WorkerProcess(env=worker_env, log_path=tmp_path / "rqworker.log")
    try:
        yield worker
    finally:
        worker.stop()


@pytest.fixture
def screenshot_dir() -> Path:
    path = REPO_ROOT / "var" / "screenshots"  # var/ is gitignored
    path.mkdir(parents=True, exist_ok=True)
    return path

