"""`make run`: migrate, load the demo, then run web server and worker together until Ctrl-C."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

PYTHON = sys.executable
PROCESSES = {
    "web": [PYTHON, "manage.py", "runserver", "127.0.0.1:8000", "--noreload"],
    # ReportWorker loads the renderers once, before RQ forks a work horse per job.
    "worker": [PYTHON, "manage.py", "rqworker", "high", "default", "low", "--with-scheduler",
               "--worker-class", "reporting.worker.ReportWorker"],
    # Periodic jobs (reporting/cron.py): reconcile_jobs every minute fixes jobs whose worker died
    # or whose queue entry was lost.
    "cron": [PYTHON, "manage.py", "rqcron", "reporting.cron"],
}


def _manage(*args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], check=True)


def _stop_on_signal(signum, frame):
    raise KeyboardInterrupt


def _stop(children: dict[str, subprocess.Popen]) -> None:
    """Ask every child to stop (the worker finishes its current job), then insist."""
    for child in children.values():
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + 20
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _dev_signing_certificate() -> None:
    """Report PDFs are digitally signed out of the box: a self-signed certificate under var/signing
    (kept between runs), unless the environment names a certificate already."""
    if os.environ.get("REPORTING_PDF_SIGNING_CERT"):
        return
    from pathlib import Path

    from config.dev_signing import dev_certificate_create

    os.environ.update(dev_certificate_create(directory=Path(__file__).resolve().parent.parent / "var" / "signing"))
    print(f"PDF signing: development certificate {os.environ['REPORTING_PDF_SIGNING_CERT']}", flush=True)


def main() -> int:
    from config.embedded_redis import redis_url_for_children

    # Ctrl-C and SIGTERM both stop everything, even when started from a shell that ignores SIGINT.
    signal.signal(signal.SIGINT, _stop_on_signal)
    signal.signal(signal.SIGTERM, _stop_on_signal)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    _dev_signing_certificate()
    with redis_url_for_children() as url:
        print(f"Redis: {url}", flush=True)
        _manage("migrate", "--noinput")
        _manage("seed_demo")  # a command of the demo app, which config.settings.local installs
        # Jobs left pending/queued/running by a previous run (Redis may have been wiped) go back on
        # the queue before the worker starts.
        _manage("reconcile_jobs", "--grace-seconds", "0")
        children = {name: subprocess.Popen(cmd) for name, cmd in PROCESSES.items()}
        print("QMS Reporting is starting on http://127.0.0.1:8000/  (Ctrl-C stops everything)", flush=True)
        try:
            while True:
                for name, child in children.items():
                    if child.poll() is not None:
                        print(f"{name} exited with code {child.returncode}; stopping the rest.", flush=True)
                        raise KeyboardInterrupt
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not skip the clean-up
            _stop(children)
            print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
