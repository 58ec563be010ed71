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
    "worker": [PYTHON, "manage.py", "rqworker", "high", "default", "low", "--with-scheduler"],
}


def _manage(*args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], check=True)


def main() -> int:
    from config.embedded_redis import redis_url_for_children

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    with redis_url_for_children() as url:
        print(f"Redis: {url}", flush=True)
        _manage("migrate", "--noinput")
        _manage("seed_demo")
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
            for child in children.values():
                if child.poll() is None:
                    child.send_signal(signal.SIGINT)
            deadline = time.monotonic() + 15
            for child in children.values():
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
