"""Source responses in Django's cache (Redis in every real deployment).

Key: source name + source version + sha256 of the canonical resolved request (sorted JSON, no
headers, so no secrets). Values are stored in a wrapper so that an empty but valid response
(``[]``, ``{}``) is a hit, not a miss; the wrapper also records the source's cache generation.

Invalidation (:func:`source_cache_clear`) bumps the source's generation counter: an entry written
under an older generation no longer counts as a hit and expires by its TTL. The generation lives
in the value rather than the key so that a job reads every source's entry and generation in one
round trip (:func:`cache_lookup`, a single MGET on Redis). Works on any cache backend.

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
_LOCK_MARGIN_S = 0.5

CacheOutcome = Literal["hit", "miss", "bypass"]


@dataclass(frozen=True)
class CachedFetch:
    payload: Any
    bytes: int
    attempts: int
    cache: CacheOutcome
    # When the payload was fetched from upstream (epoch seconds): a cache hit's age for the run manifest.
    fetched_at: float | None = None


def source_cache():
    """The cache the sources use, as seen from the calling thread.

    Django keeps one cache object per thread; the collector passes the caller's object to its
    worker threads so that they share its open Redis connection instead of each opening one."""
    from django.core.cache import caches

    return caches[reporting_setting("REPORTING_SOURCE_CACHE_ALIAS", "default")]


_cache = source_cache


def request_fingerprint(canonical: dict[str, Any]) -> str:
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def source_cache_key(*, name: str, version: int, canonical: dict[str, Any]) -> str:
    return f"{_PREFIX}:{name}:v{version}:{request_fingerprint(canonical)}"


@dataclass(frozen=True)
class CacheSlot:
    """One source's cache entry as read by :func:`cache_lookup`."""

    key: str
    generation: int
    hit: CachedFetch | None


def cache_lookup(*, cache, entries: dict[str, str], read_entries: bool = True) -> dict[str, CacheSlot]:
    """Read the entries (source name -> key) and the sources' generations in one round trip.

    ``read_entries=False`` (fresh data asked for) reads only the generations, to write under."""
    generation_keys = {name: _generation_key(name) for name in entries}
    found = cache.get_many([*(entries.values() if read_entries else ()), *generation_keys.values()])
    slots = {}
    for name, key in entries.items():
        generation = int(found.get(generation_keys[name], 0))
        slots[name] = CacheSlot(key, generation, _as_hit(found.get(key), generation))
    return slots


def _as_hit(value: Any, generation: int) -> CachedFetch | None:
    if not isinstance(value, dict) or value.get("generation", 0) != generation:
        return None
    return CachedFetch(value["payload"], value["bytes"], 0, "hit", value.get("fetched_at"))


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
    cache=None,
    slot: CacheSlot | None = None,
) -> CachedFetch:
    """Return the cached response for ``key`` or fetch it once (``fetch`` -> payload, bytes, attempts).

    ``slot`` is what :func:`cache_lookup` already read for this key (a miss): the entry is not
    read again before taking the stampede lock, and the generation is not read again at all."""
    if ttl_s <= 0:
        payload, size, attempts = fetch()
        return CachedFetch(payload, size, attempts, "bypass")
    cache = cache if cache is not None else _cache()
    if slot is None:
        slot = cache_lookup(cache=cache, entries={source: key}, read_entries=use_cache)[source]
    generation = slot.generation

    def store(payload: Any, size: int) -> None:
        cache.set(key, {"payload": payload, "bytes": size, "generation": generation, "fetched_at": time.time()},
                  timeout=ttl_s)

    def read_hit() -> CachedFetch | None:
        return _as_hit(cache.get(key), generation)

    if not use_cache:
        # Fresh data was asked for: read nothing, but keep the cache fresh for the next job.
        payload, size, attempts = fetch()
        store(payload, size)
        return CachedFetch(payload, size, attempts, "bypass")

    if slot.hit is not None:
        return slot.hit

    lock_key = f"{key}:g{generation}:lock"
    failed_key = f"{key}:g{generation}:failed"
    token = uuid.uuid4().hex
    lock_wait_s = float(reporting_setting("REPORTING_SOURCE_CACHE_LOCK_WAIT_S", DEFAULT_LOCK_WAIT_S))
    wait_until = time.monotonic() + lock_wait_s
    if deadline is not None:
        wait_until = min(wait_until, deadline)
    poll_s = _POLL_START_S
    while True:
        lock_ttl_s = max(1, int(lock_wait_s) + 1)
        if cache.add(lock_key, token, timeout=lock_ttl_s):
            locked_at = time.monotonic()
            try:
                hit = read_hit()  # filled while we were acquiring the lock
                if hit is not None:
                    return hit
                try:
                    payload, size, attempts = fetch()
                except SourceError as exc:
                    # Waiting jobs fail fast with this error instead of each retrying upstream in turn.
                    cache.set(failed_key, {"what": exc.what, "attempts": exc.attempts}, timeout=_FAILURE_MEMORY_S)
                    raise
                store(payload, size)
                return CachedFetch(payload, size, attempts, "miss")
            finally:
                # Well within its TTL the lock is still ours: delete it without reading it first
                # (one round trip less on every miss). Later it may have expired and be another's.
                if time.monotonic() - locked_at < lock_ttl_s - _LOCK_MARGIN_S or cache.get(lock_key) == token:
                    cache.delete(lock_key)
        time.sleep(poll_s)
        poll_s = min(poll_s * 2, _POLL_MAX_S)
        hit = read_hit()
        if hit is not None:
            return hit
        failed = cache.get(failed_key)
        if failed is not None and cache.get(lock_key) is None:
            raise SourceError(source, f"{failed['what']} (seen by a concurrent job)", attempts=failed["attempts"])
        if time.monotonic() >= wait_until:
            # The lock holder is slow or dead: better a duplicate request than a failed report.
            payload, size, attempts = fetch()
            store(payload, size)
            return CachedFetch(payload, size, attempts, "miss")
        # Otherwise loop: if the holder failed and released the lock, we take it and try ourselves.


def _generation_key(name: str) -> str:
    return f"{_PREFIX}-generation:{name}"
