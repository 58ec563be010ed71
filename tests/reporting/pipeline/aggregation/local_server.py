"""A real threaded HTTP server on 127.0.0.1 for concurrency, stampede and benchmark runs."""
from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Route:
    payload: Any = field(default_factory=dict)
    status: int = 200
    delay_s: float = 0.0


class LocalApi:
    """Routes by path; counts requests per path (what "upstream requests" means in tests)."""

    def __init__(self, server: ThreadingHTTPServer):
        self.server = server
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.seen_headers: list[dict[str, str]] = []
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def add(self, path: str, payload: Any = None, *, status: int = 200, delay_s: float = 0.0) -> None:
        self.routes[path] = Route({} if payload is None else payload, status, delay_s)

    def count(self, path: str, headers: dict[str, str]) -> None:
        with self._lock:
            self.hits[path] += 1
            self.seen_headers.append(headers)


@contextmanager
def local_api() -> Iterator[LocalApi]:
    api: LocalApi

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out as separate writes; with Nagle on, delayed ACKs add ~40 ms each.
        disable_nagle_algorithm = True

        def do_GET(self) -> None:  # noqa: N802 (http.server naming)
            path = urlsplit(self.path).path
            api.count(path, dict(self.headers))
            route = api.routes.get(path, Route({"error": "not found"}, 404))
            if route.delay_s:
                time.sleep(route.delay_s)
            body = json.dumps(route.payload).encode()
            self.send_response(route.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET  # noqa: N815

        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

    class QuietServer(ThreadingHTTPServer):
        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # clients that give up (deadline tests) break the pipe; that is expected

    server = QuietServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    api = LocalApi(server)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
