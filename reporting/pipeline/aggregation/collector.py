"""Collect every source of a report at once: bounded thread pool, stage deadline, per-source stats."""
from __future__ import annotations

import logging
import os
import queue
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from typing import Any

from reporting.pipeline.context import SourceFailure

from .cache import CachedFetch, CacheSlot, cache_lookup, cached_fetch, source_cache, source_cache_key
from .config import DEFAULT_CONCURRENCY, SourceConfig, reporting_setting
from .errors import SourceConfigError, SourceError
from .http_source import fetch_http, plan_http_request
from .placeholders import secret_values
from .sql_source import fetch_sql, plan_sql_request
from .static_source import fetch_static

logger = logging.getLogger(__name__)

_POOL_THREADS = 256
_pool: ThreadPoolExecutor | None = None
_pool_pid = 0
_pool_lock = threading.Lock()


@dataclass
class SourceRequest:
    config: SourceConfig
    params: dict[str, Any] = field(default_factory=dict)
    required: bool = True


@dataclass
class SourceStat:
    name: str
    duration_s: float
    bytes: int
    attempts: int
    cache: str  # "hit" | "miss" | "bypass"
    error: str | None = None
    retryable: bool = False  # only meaningful with an error
    # When the data was fetched from upstream (epoch seconds; earlier than the run for a cache hit).
    fetched_at: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class AggregationResult:
    data: dict[str, Any]
    stats: dict[str, SourceStat]
    failures: list[SourceFailure]

    @property
    def required_failures(self) -> list[SourceFailure]:
        return [f for f in self.failures if f.required]

    @property
    def cache_hits(self) -> int:
        return sum(1 for s in self.stats.values() if s.cache == "hit")

    @property
    def cache_misses(self) -> int:
        return sum(1 for s in self.stats.values() if s.cache == "miss")


@dataclass(frozen=True)
class _Outcome:
    payload: Any
    stat: SourceStat


@dataclass(frozen=True)
class _Plan:
    """How to fetch one source and where its response is cached (``key`` empty: not cached)."""

    fetch: Any  # (deadline) -> (payload, bytes, attempts); None for a static source
    key: str = ""
    ttl_s: int = 0


def collect_sources(
    *,
    requests: list[SourceRequest],
    parameters: dict,
    use_cache: bool = True,
    deadline_s: float | None = None,
) -> AggregationResult:
    """Fetch all sources in parallel; the wall time is about that of the slowest source.

    ``deadline_s`` bounds the whole stage (seconds from now); sources still running then are
    reported as failed. Failures never raise: they are returned, split into required/optional.
    """
    result = AggregationResult(data={}, stats={}, failures=[])
    if not requests:
        return result
    names = [r.config.name for r in requests]
    if len(set(names)) != len(names):
        raise ValueError(f"each source may be requested once; got {names}")
    if deadline_s is None:
        deadline_s = reporting_setting("REPORTING_AGGREGATION_DEADLINE_S", None)
    started = time.monotonic()
    deadline = started + float(deadline_s) if deadline_s else None
    cache = source_cache()
    plans, slots = _read_cache(requests, parameters, use_cache, cache)
    misses = []
    for request in requests:
        slot = slots.get(request.config.name)
        if use_cache and slot is not None and slot.hit is not None:
            # Served from the one cache read above: no thread, no upstream session.
            stat = SourceStat(request.config.name, time.monotonic() - started, slot.hit.bytes, 0, "hit",
                              fetched_at=slot.hit.fetched_at)
            _record(result, request, _Outcome(slot.hit.payload, stat))
        else:
            misses.append(request)
    if not misses:
        return result
    workers = max(1, min(len(misses), int(reporting_setting("REPORTING_SOURCE_CONCURRENCY", DEFAULT_CONCURRENCY))))

    # Each new thread would otherwise start its request at once and keep the GIL for up to the
    # switch interval (5 ms) before this thread may start the next one: 8 sources started ~30 ms
    # apart end ~30 ms apart. Held at the gate, the threads all start together.
    gate = threading.Event()
    todo: queue.SimpleQueue[tuple[SourceRequest, Future[_Outcome]]] = queue.SimpleQueue()
    futures: dict[Future[_Outcome], SourceRequest] = {}
    for request in misses:
        future: Future[_Outcome] = Future()
        futures[future] = request
        todo.put((request, future))
    args = (parameters, use_cache, deadline, cache)
    try:
        for _ in range(workers):
            _shared_pool().submit(_lane, gate, todo, args, plans, slots)
        gate.set()
        pending = set(futures)
        while pending:
            timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
            done, pending = wait(pending, timeout=timeout, return_when=FIRST_COMPLETED)
            for future in done:
                _record(result, futures[future], future.result())
            if deadline is not None and time.monotonic() >= deadline and pending:
                for future in pending:
                    request = futures[future]
                    error = SourceError(
                        request.config.name, f"did not finish within the stage deadline of {float(deadline_s):g} s"
                    )
                    # Not retryable: a source that needs the whole stage (a slow or trickling upstream)
                    # would need it again on every retry, holding a worker for attempts x deadline.
                    stat = SourceStat(request.config.name, time.monotonic() - started, 0, 0, "miss", str(error),
                                      retryable=False)
                    _record(result, request, _Outcome(None, stat))
                break
    finally:
        # Do not wait for stragglers past the deadline; their own timeouts end them soon. Sources
        # not started yet never start.
        for future in futures:
            future.cancel()
        gate.set()
    return result


def _record(result: AggregationResult, request: SourceRequest, outcome: _Outcome) -> None:
    stat = outcome.stat
    result.stats[stat.name] = stat
    if stat.error is None:
        result.data[stat.name] = outcome.payload
        logger.info(
            "source %s collected: cache=%s attempts=%d bytes=%d in %.3f s",
            stat.name, stat.cache, stat.attempts, stat.bytes, stat.duration_s,
        )
        return
    result.failures.append(
        SourceFailure(name=stat.name, reason=stat.error, required=request.required, retryable=stat.retryable)
    )
    logger.warning(
        "source %s failed (%s): %s", stat.name, "required" if request.required else "optional", stat.error
    )


def _read_cache(
    requests: list[SourceRequest], parameters: dict, use_cache: bool, cache
) -> tuple[dict[str, _Plan], dict[str, CacheSlot]]:
    """Plan every source and read all cached ones in one round trip (entries and generations).

    A source whose plan fails is left out; its thread plans it again and reports the error."""
    plans: dict[str, _Plan] = {}
    for request in requests:
        try:
            plans[request.config.name] = _plan(request, parameters)
        except Exception:  # noqa: BLE001 - reported by the source's own thread, with its context
            continue
    entries = {name: plan.key for name, plan in plans.items() if plan.key}
    if not entries:
        return plans, {}
    try:
        return plans, cache_lookup(cache=cache, entries=entries, read_entries=use_cache)
    except Exception:  # an unreachable cache: each source tries (and reports) on its own, as before
        logger.warning("source cache read failed; collecting each source on its own", exc_info=True)
        return plans, {}


def _shared_pool() -> ThreadPoolExecutor:
    """One pool per process: starting threads for every report costs more than the requests.

    Sized well above the per-report concurrency (the lanes bound that) so that stragglers left
    by a stage deadline never hold up the next report; threads are made only when needed. A
    forked process (RQ's work horse) gets its own: the parent's threads do not exist there."""
    global _pool, _pool_pid
    with _pool_lock:
        if _pool is None or _pool_pid != os.getpid():
            _pool, _pool_pid = ThreadPoolExecutor(max_workers=_POOL_THREADS, thread_name_prefix="source"), os.getpid()
        return _pool


def _lane(gate: threading.Event, todo: queue.SimpleQueue, args: tuple, plans: dict, slots: dict) -> None:
    """Collect sources of one report one after another until none is left (or all were cancelled)."""
    gate.wait()
    while True:
        try:
            request, future = todo.get_nowait()
        except queue.Empty:
            return
        if not future.set_running_or_notify_cancel():
            continue
        try:
            name = request.config.name
            future.set_result(_collect_one(request, *args, plans.get(name), slots.get(name)))
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting collector, as an executor would
            future.set_exception(exc)


def _collect_one(
    request: SourceRequest, parameters: dict, use_cache: bool, deadline: float | None, cache=None,
    plan: _Plan | None = None, slot: CacheSlot | None = None,
) -> _Outcome:
    config = request.config
    started = time.monotonic()
    try:
        fetched = _fetch_with_cache(request, parameters, use_cache, deadline, cache, plan, slot)
    except SourceError as exc:
        attempts, retryable = exc.attempts, exc.retryable
        error = _scrub(str(exc), config)
    except Exception as exc:  # a bug must not take the other sources down; keep it in the log
        logger.exception("source %s: unexpected error", config.name)
        attempts, retryable = 1, False
        error = _scrub(f"source '{config.name}': internal error ({exc.__class__.__name__})", config)
    else:
        stat = SourceStat(config.name, time.monotonic() - started, fetched.bytes, fetched.attempts, fetched.cache,
                          fetched_at=getattr(fetched, "fetched_at", None) or time.time())
        return _Outcome(fetched.payload, stat)
    cache = "bypass" if not use_cache or config.cache_ttl_s <= 0 or config.kind == "static" else "miss"
    return _Outcome(None, SourceStat(config.name, time.monotonic() - started, 0, attempts, cache, error, retryable))


def _fetch_with_cache(
    request: SourceRequest, parameters: dict, use_cache: bool, deadline: float | None, cache=None,
    plan: _Plan | None = None, slot: CacheSlot | None = None,
) -> CachedFetch:
    config = request.config
    if plan is None:
        plan = _plan(request, parameters)
    if plan.fetch is None:
        payload, size = fetch_static(config)
        return CachedFetch(payload, size, 1, "bypass")

    def fetch() -> tuple[Any, int, int]:
        return plan.fetch(deadline)

    if not plan.key:
        return cached_fetch(key="", ttl_s=0, use_cache=use_cache, fetch=fetch, deadline=deadline)
    return cached_fetch(
        key=plan.key, ttl_s=plan.ttl_s, use_cache=use_cache, fetch=fetch, deadline=deadline,
        source=config.name, cache=cache, slot=slot,
    )


def _plan(request: SourceRequest, parameters: dict) -> _Plan:
    config = request.config
    if not config.is_active:
        raise SourceConfigError(config.name, "source is disabled")
    if config.kind == "static":
        return _Plan(fetch=None)
    if config.kind == "http":
        plan = plan_http_request(config, request.params, parameters)

        def fetch(deadline: float | None) -> tuple[Any, int, int]:
            fetched = fetch_http(config, plan, deadline=deadline)
            return fetched.payload, fetched.bytes, fetched.attempts

    elif config.kind == "sql":
        plan = plan_sql_request(config, request.params, parameters)

        def fetch(deadline: float | None) -> tuple[Any, int, int]:
            fetched = fetch_sql(config, plan, deadline=deadline)
            return fetched.payload, fetched.bytes, fetched.attempts

    else:
        raise SourceConfigError(config.name, f"unknown source kind '{config.kind}'")
    if config.cache_ttl_s <= 0:
        return _Plan(fetch=fetch)
    canonical = {"kind": config.kind, "response_path": config.response_path, **plan.canonical()}
    key = source_cache_key(name=config.name, version=config.version, canonical=canonical)
    return _Plan(fetch=fetch, key=key, ttl_s=config.cache_ttl_s)


def _scrub(text: str, config: SourceConfig) -> str:
    """Belt and braces: no resolved header secret may reach stats, failures or logs."""
    for secret in secret_values(dict(config.headers or {})):
        text = text.replace(secret, "***")
    return text
