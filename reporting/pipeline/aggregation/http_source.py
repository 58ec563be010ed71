"""HTTP JSON sources: one pooled session, streamed bodies with a size cap, retries done right."""
from __future__ import annotations

import email.utils
import errno
import json
import random
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from http import HTTPStatus
from http.cookiejar import DefaultCookiePolicy
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError, ReadTimeoutError

from reporting.pipeline.datapath import DataPathError, resolve_path

from .config import (
    DEFAULT_BACKOFF_BASE_S,
    DEFAULT_BACKOFF_CAP_S,
    DEFAULT_CONCURRENCY,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_REDIRECTS,
    DEFAULT_RETRY_AFTER_CAP_S,
    SourceConfig,
    reporting_setting,
)
from .errors import SourceConfigError, SourceError
from .placeholders import resolve_env_headers, resolve_placeholders
from .ssrf import check_url

_CHUNK_BYTES = 64 * 1024
_session: requests.Session | None = None
_session_lock = threading.Lock()
# Seams for tests: how long to wait between attempts and where randomness comes from.
_sleep = time.sleep
_random = random.Random()


@dataclass(frozen=True)
class HttpRequestPlan:
    """The resolved request, without headers (they may hold secrets and never enter cache keys)."""

    method: str
    url: str
    query: dict[str, Any]
    body: dict[str, Any] | None

    def canonical(self) -> dict[str, Any]:
        return {"method": self.method, "url": self.url, "query": self.query, "body": self.body}


@dataclass(frozen=True)
class Fetched:
    payload: Any
    bytes: int
    attempts: int


def get_session() -> requests.Session:
    """The process-wide session; its connection pool is sized to the collector's concurrency."""
    global _session
    with _session_lock:
        if _session is None:
            size = int(reporting_setting("REPORTING_SOURCE_CONCURRENCY", DEFAULT_CONCURRENCY))
            session = requests.Session()
            adapter = HTTPAdapter(pool_connections=size, pool_maxsize=size, max_retries=0)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            # No proxies/.netrc from the environment and no cookies shared between reports.
            session.trust_env = False
            session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
            _session = session
        return _session


def plan_http_request(config: SourceConfig, params: dict[str, Any], parameters: dict[str, Any]) -> HttpRequestPlan:
    method = (config.method or "GET").upper()
    if method not in ("GET", "POST"):
        raise SourceConfigError(config.name, f"unsupported HTTP method {method}")
    if not config.base_url:
        raise SourceConfigError(config.name, "no base URL configured")
    url = config.base_url.rstrip("/") + "/" + config.endpoint.lstrip("/") if config.endpoint else config.base_url
    resolved_params = resolve_placeholders(dict(params or {}), parameters=parameters, source=config.name)
    query = resolve_placeholders(dict(config.query_params or {}), parameters=parameters, source=config.name)
    body = None
    if method == "POST":
        body = resolve_placeholders(dict(config.body or {}), parameters=parameters, source=config.name)
        body.update(resolved_params)
    else:
        query.update(resolved_params)
    return HttpRequestPlan(method=method, url=url, query=query, body=body)


def fetch_http(config: SourceConfig, plan: HttpRequestPlan, *, deadline: float | None) -> Fetched:
    """Fetch and parse one HTTP source, retrying transient failures; raise SourceError."""
    headers = resolve_env_headers(dict(config.headers or {}), source=config.name)
    max_attempts = max(1, int(config.max_attempts))
    for attempt in range(1, max_attempts + 1):
        try:
            payload, size = _attempt(config, plan, headers, deadline)
            return Fetched(payload=_select(config, payload), bytes=size, attempts=attempt)
        except SourceError as exc:
            exc.attempts = attempt
            if not exc.retryable or attempt == max_attempts:
                raise
            delay = _delay_before_retry(attempt, exc.retry_after_s)
            if deadline is not None and time.monotonic() + delay >= deadline:
                exc.what += "; no time left before the stage deadline to retry"
                raise
            _sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


def _delay_before_retry(attempt: int, retry_after_s: float | None) -> float:
    cap = float(reporting_setting("REPORTING_SOURCE_RETRY_AFTER_CAP_S", DEFAULT_RETRY_AFTER_CAP_S))
    if retry_after_s is not None:
        return min(max(retry_after_s, 0.0), cap)
    base = float(reporting_setting("REPORTING_SOURCE_BACKOFF_BASE_S", DEFAULT_BACKOFF_BASE_S))
    ceiling = float(reporting_setting("REPORTING_SOURCE_BACKOFF_CAP_S", DEFAULT_BACKOFF_CAP_S))
    # Full jitter: spreads retries of many workers instead of synchronising them.
    return _random.uniform(0, min(ceiling, base * 2 ** (attempt - 1)))


def _attempt(
    config: SourceConfig, plan: HttpRequestPlan, headers: dict[str, str], deadline: float | None
) -> tuple[Any, int]:
    session = get_session()
    max_bytes = int(reporting_setting("REPORTING_SOURCE_MAX_BYTES", DEFAULT_MAX_BYTES))
    max_hops = int(reporting_setting("REPORTING_SOURCE_MAX_REDIRECTS", DEFAULT_MAX_REDIRECTS))
    method, url, query, body = plan.method, plan.url, plan.query, plan.body
    origin = _origin(url)
    for _hop in range(max_hops + 1):
        # Re-checked on every hop: a public host must not bounce us into the private network.
        check_url(url, source=config.name)
        connect_s, read_s = _timeouts(config, deadline)
        try:
            response = session.request(
                method,
                url,
                params=query or None,
                json=body,
                # Secrets go only where the source points: not to another host, nor over a downgrade to http.
                headers=headers if _origin(url) == origin else {},
                timeout=(connect_s, read_s),
                stream=True,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise _deadline_cut(config.name, deadline) or _transport_error(config.name, exc, connect_s, read_s) \
                from None
        with response:
            if response.is_redirect:
                url = urljoin(response.url, response.headers["Location"])
                query = None
                if response.status_code == 303 or (response.status_code in (301, 302) and method == "POST"):
                    method, body = "GET", None
                continue
            _raise_for_status(config.name, response)
            raw = _read_limited(config.name, response, max_bytes, deadline, read_s)
        return _parse_json(config.name, raw), len(raw)
    raise SourceError(config.name, f"too many redirects (> {max_hops})")


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _timeouts(config: SourceConfig, deadline: float | None) -> tuple[float, float]:
    connect_s, read_s = float(config.connect_timeout_s), float(config.read_timeout_s)
    if deadline is not None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise SourceError(config.name, "stage deadline reached before the request could start")
        connect_s, read_s = min(connect_s, remaining), min(read_s, remaining)
    return connect_s, read_s


def _raise_for_status(source: str, response: requests.Response) -> None:
    status = response.status_code
    if status < 300:
        return
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    what = f"HTTP {status} {phrase}".rstrip()
    if status == 429 or status >= 500:
        raise SourceError(
            source, what, retryable=True, retry_after_s=_retry_after_s(response.headers.get("Retry-After"))
        )
    raise SourceError(source, what)


def _retry_after_s(value: str | None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if _is_ascii_digits(value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _is_ascii_digits(text: str) -> bool:
    # Headers arrive Latin-1 decoded, and str.isdigit() accepts "²" that int()/float() reject.
    return text.isascii() and text.isdigit()


def _read_limited(
    source: str, response: requests.Response, max_bytes: int, deadline: float | None, read_s: float
) -> bytes:
    too_large = f"response too large (> {max_bytes} bytes)"
    declared = response.headers.get("Content-Length", "").strip()
    if _is_ascii_digits(declared) and int(declared) > max_bytes:
        raise SourceError(source, too_large)
    chunks: list[bytes] = []
    received = 0
    try:
        for chunk in response.iter_content(chunk_size=_CHUNK_BYTES):
            received += len(chunk)
            if received > max_bytes:
                raise SourceError(source, too_large)
            chunks.append(chunk)
            if deadline is not None and time.monotonic() > deadline:
                raise SourceError(source, "stage deadline reached while reading the response", retryable=False)
    except requests.RequestException as exc:
        raise _deadline_cut(source, deadline) or _transport_error(source, exc, read_s, read_s) from None
    return b"".join(chunks)


def _deadline_cut(source: str, deadline: float | None) -> SourceError | None:
    """The error for a request that failed because the stage deadline cut its timeouts short.

    Permanent: the read timeout was clipped to the time left, so "timed out" says nothing about
    the source that another attempt (of this source or of the job) could change."""
    if deadline is not None and time.monotonic() >= deadline:
        return SourceError(source, "stage deadline reached while waiting for the response", retryable=False)
    return None


def _parse_json(source: str, raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise SourceError(source, f"bad JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except UnicodeDecodeError:
        raise SourceError(source, "bad JSON: the response is not UTF-8 text") from None
    except RecursionError:  # "[[[[..." within the size limit exhausts the parser's stack
        raise SourceError(source, "bad JSON: nested too deeply") from None


def _select(config: SourceConfig, payload: Any) -> Any:
    if not config.response_path:
        return payload
    try:
        return resolve_path(payload, config.response_path)
    except DataPathError as exc:
        raise SourceError(
            config.name, f"response has no '{exc.failed_at}' at response path '{config.response_path}'"
        ) from None


def _transport_error(source: str, exc: BaseException, connect_s: float, read_s: float) -> SourceError:
    """Turn a requests exception into a short message without URLs, headers or secrets."""
    chain = list(_exception_chain(exc))
    # Order matters: urllib3's NewConnectionError (refused, unreachable) subclasses ConnectTimeoutError.
    if any(isinstance(e, ConnectionRefusedError) or getattr(e, "errno", None) == errno.ECONNREFUSED for e in chain):
        return SourceError(source, "connection refused", retryable=True)
    if any(isinstance(e, NewConnectionError) for e in chain):
        return SourceError(source, "could not connect", retryable=True)
    if isinstance(exc, requests.ConnectTimeout) or any(isinstance(e, ConnectTimeoutError) for e in chain):
        return SourceError(source, f"connect timed out after {connect_s:g} s", retryable=True)
    if isinstance(exc, requests.Timeout) or any(isinstance(e, (ReadTimeoutError, socket.timeout)) for e in chain):
        return SourceError(source, f"read timed out after {read_s:g} s", retryable=True)
    if isinstance(exc, requests.ConnectionError):
        return SourceError(source, "connection failed", retryable=True)
    return SourceError(source, f"request failed ({exc.__class__.__name__})")


def _exception_chain(exc: BaseException):
    seen: set[int] = set()
    stack: list[Any] = [exc]
    while stack:
        current = stack.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack.extend([current.__cause__, current.__context__, getattr(current, "reason", None), *current.args])
