"""Source responses in Django's cache (Redis in every real deployment).

Key: source name + source version + the source's cache generation + sha256 of the canonical
resolved request (sorted JSON, no headers, so no secrets). Values are stored in a wrapper so that
an empty but valid response (``[]``, ``{}``) is a hit, not a miss.

Invalidation (:func:`source_cache_clear`) bumps the source's generation counter: old entries
stop being addressable and expire by their TTL. Works on any cache backend.

Stampede protection: the first job that misses takes a lock (``cache.add``, atomic on Redis and
locmem) and fetches; others poll for the value until it appears, the lock goes away, or they
time out and fetch themselves.
"""
from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from .config import DEFAULT_LOCK_WAIT_S, reporting_setting
from .errors import SourceError

_PREFIX = "reporting:source"
_POLL_START_S = 0.01
_POLL_MAX_S = 0.1
_FAILURE_MEMORY_S = 5

CacheOutcome = Literal["hit", "miss", "bypass"]


@dataclass(frozen=True)
class CachedFetch:
    payload: Any
    bytes: int
    attempts: int
    cache: CacheOutcome
    # When the payload was fetched from upstream (epoch seconds): a cache hit's age for the run manifest.
    fetched_at: float | None = None


def _cache():
    from django.core.cache import caches

    return caches[reporting_setting("REPORTING_SOURCE_CACHE_ALIAS", "default")]


def request_fingerprint(canonical: dict[str, Any]) -> str:
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def source_cache_key(*, name: str, version: int, canonical: dict[str, Any]) -> str:
    generation = _cache().get(_generation_key(name), 0)
    return f"{_PREFIX}:{name}:v{version}:g{generation}:{request_fingerprint(canonical)}"


def source_cache_clear(*, name: str) -> None:
    """Make every cached response of source ``name`` unreachable (admin "clear cache" action)."""
    cache = _cache()
    key = _generation_key(name)
    # add() then incr(): atomic on Redis, so two concurrent clears both take effect.
    cache.add(key, 0, timeout=None)
    try:
        cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=None)


def cached_fetch(
    *,
    key: str,
    ttl_s: int,
    use_cache: bool,
    fetch: Callable[[], tuple[Any, int, int]],
    deadline: float | None = None,
    source: str = "",
) -> CachedFetch:
    """Return the cached response for ``key`` or fetch it once (``fetch`` -> payload, bytes, attempts)."""
    if ttl_s <= 0:
        payload, size, attempts = fetch()
        return CachedFetch(payload, size, attempts, "bypass")
    cache = _cache()
    if not use_cache:
        # Fresh data was asked for: read nothing, but keep the cache fresh for the next job.
        payload, size, attempts = fetch()
        cache.set(key, {"payload": payload, "bytes": size, "fetched_at": time.time()}, timeout=ttl_s)
        return CachedFetch(payload, size, attempts, "bypass")

    hit = cache.get(key)
    if hit is not None:
        return CachedFetch(hit["payload"], hit["bytes"], 0, "hit", hit.get("fetched_at"))

    lock_key = f"{key}:lock"
    token = uuid.uuid4().hex
    lock_wait_s = float(reporting_setting("REPORTING_SOURCE_CACHE_LOCK_WAIT_S", DEFAULT_LOCK_WAIT_S))
    wait_until = time.monotonic() + lock_wait_s
    if deadline is not None:
        wait_until = min(wait_until, deadline)
    poll_s = _POLL_START_S
    while True:
        if cache.add(lock_key, token, timeout=max(1, int(lock_wait_s) + 1)):
            try:
                hit = cache.get(key)  # filled while we were acquiring the lock
                if hit is not None:
                    return CachedFetch(hit["payload"], hit["bytes"], 0, "hit", hit.get("fetched_at"))
                try:
                    payload, size, attempts = fetch()
                except SourceError as exc:
                    # Waiting jobs fail fast with this error instead of each retrying upstream in turn.
                    cache.set(f"{key}:failed", {"what": exc.what, "attempts": exc.attempts}, timeout=_FAILURE_MEMORY_S)
                    raise
                cache.set(key, {"payload": payload, "bytes": size, "fetched_at": time.time()}, timeout=ttl_s)
                return CachedFetch(payload, size, attempts, "miss")
            finally:
                if cache.get(lock_key) == token:
                    cache.delete(lock_key)
        time.sleep(poll_s)
        poll_s = min(poll_s * 2, _POLL_MAX_S)
        hit = cache.get(key)
        if hit is not None:
            return CachedFetch(hit["payload"], hit["bytes"], 0, "hit", hit.get("fetched_at"))
        failed = cache.get(f"{key}:failed")
        if failed is not None and cache.get(lock_key) is None:
            raise SourceError(source, f"{failed['what']} (seen by a concurrent job)", attempts=failed["attempts"])
        if time.monotonic() >= wait_until:
            # The lock holder is slow or dead: better a duplicate request than a failed report.
            payload, size, attempts = fetch()
            cache.set(key, {"payload": payload, "bytes": size, "fetched_at": time.time()}, timeout=ttl_s)
            return CachedFetch(payload, size, attempts, "miss")
        # Otherwise loop: if the holder failed and released the lock, we take it and try ourselves.


def _generation_key(name: str) -> str:
    return f"{_PREFIX}-generation:{name}"
