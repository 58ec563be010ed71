"""The one local HTTP test server: a real threaded JSON API on 127.0.0.1 whose answers a test controls.

    with local_api() as api:             # or the `api` fixture (tests/conftest.py)
        api.add("/rows", {"rows": ROWS}, delay_s=20, fail_first=1, fail_status=503)
        ... api.base_url ... api.hits["/rows"] ... api.seen_headers[-1] ...
        api.release.set()                # ends every delay now: "the source is fast again"

Routes are matched by path (query strings ignored); an unknown path answers 404. Each request is
counted per path (what "upstream requests" means in tests) and its headers are kept. Delays wait on
``release``, which is also set when the server stops, so no request outlives the test.
"""
from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

# What small_spec (tests/factories.py) tables and charts: {"rows": ROWS} at /rows.
ROWS = [{"name": "A", "value": 1}, {"name": "B", "value": 2}]
NOT_FOUND = {"error": "not found"}


@dataclass
class Route:
    payload: Any = field(default_factory=dict)
    status: int = 200
    delay_s: float = 0.0
    fail_first: int = 0  # answer this many requests with `fail_status` (and no delay) first
    fail_status: int = 503


class LocalApi:
    """Routes by path; counts requests per path and keeps their headers."""

    def __init__(self, server: ThreadingHTTPServer):
        self.server = server
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.seen_headers: list[dict[str, str]] = []
        self.release = threading.Event()
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def add(self, path: str, payload: Any = None, *, status: int = 200, delay_s: float = 0.0,
            fail_first: int = 0, fail_status: int = 503) -> Route:
        route = Route({} if payload is None else payload, status, delay_s, fail_first, fail_status)
        self.routes[path] = route
        return route

    def count(self, path: str, headers: dict[str, str]) -> int:
        """Record one request; returns its number on that path (1 for the first)."""
        with self._lock:
            self.hits[path] += 1
            self.seen_headers.append(headers)
            return self.hits[path]

    def answer(self, path: str, headers: dict[str, str]) -> tuple[int, Any]:
        """(status, payload) for one request, after the route's delay."""
        number = self.count(path, headers)
        route = self.routes.get(path)
        if route is None:
            return 404, NOT_FOUND
        if number <= route.fail_first:
            return route.fail_status, {"error": "try later"}
        if route.delay_s:
            self.release.wait(route.delay_s)
        return route.status, route.payload


@contextmanager
def local_api() -> Iterator[LocalApi]:
    api: LocalApi

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out as separate writes; with Nagle on, delayed ACKs add ~40 ms each.
        disable_nagle_algorithm = True

        def do_GET(self) -> None:  # noqa: N802 (http.server naming)
            status, payload = api.answer(urlsplit(self.path).path, dict(self.headers))
            body = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client (a deadline, a killed worker) went away

        do_POST = do_GET  # noqa: N815

        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

    class QuietServer(ThreadingHTTPServer):
        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # clients that give up break the pipe; that is expected

    server = QuietServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    api = LocalApi(server)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        api.release.set()
        server.shutdown()
        server.server_close()
