"""Where built charts are kept: in process (an LRU, ``functools.lru_cache`` in ``drawing``) and across
jobs and processes in Django's cache (Redis), keyed by a hash of the spec, its data and the size.

The shared layer is used only when Django settings are configured; a broken cache never fails a
report, it only costs a redraw.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from reporting.pipeline.rendering.chartspec import ChartSpec

logger = logging.getLogger(__name__)

# Bump when drawing code changes so cached drawings from an older build are not reused.
_DRAWING_VERSION = "5"
_CACHE_TTL_SETTING = "REPORTING_CHART_CACHE_TTL_S"
_DEFAULT_CACHE_TTL = 24 * 60 * 60
# A chart draws in well under a second; waiting longer than this for another job's drawing is worse
# than drawing it again.
_LOCK_S = 10
_LOCK_WAIT_S = 3.0


def cache_key(kind: str, spec: ChartSpec, width: float, height: float, with_title: bool) -> str:
    payload = json.dumps(
        [_DRAWING_VERSION, kind, dataclasses.asdict(spec), round(width, 2), round(height, 2), with_title],
        sort_keys=True, default=str,
    )
    return f"qms:chart:{kind}:{hashlib.sha256(payload.encode('utf-8')).hexdigest()}"


def _django_cache() -> Any:
    """Django's default cache when settings are configured; None for pure rendering (tests, benchmarks)."""
    try:
        from django.conf import settings
    except ImportError:
        return None
    if not settings.configured:
        return None
    from django.core.cache import cache

    return cache


def _cache_ttl() -> int:
    from django.conf import settings

    return int(getattr(settings, _CACHE_TTL_SETTING, _DEFAULT_CACHE_TTL))


def _from_shared_cache(key: str, decode: Callable[[bytes], Any]) -> Any:
    cache = _django_cache()
    if cache is None:
        return None
    try:
        raw = cache.get(key)
        return None if raw is None else decode(raw)
    except Exception:  # a broken cache must never fail a report: it only costs a redraw
        logger.warning("chart cache read failed for %s", key, exc_info=True)
        return None


def _to_shared_cache(key: str, value: Any, encode: Callable[[Any], bytes]) -> None:
    cache = _django_cache()
    if cache is None:
        return
    try:
        cache.set(key, encode(value), timeout=_cache_ttl())
    except Exception:  # see _from_shared_cache
        logger.warning("chart cache write failed for %s", key, exc_info=True)


def shared_or_build(key: str, build: Callable[[], Any], *, encode: Callable[[Any], bytes],
                    decode: Callable[[bytes], Any]) -> Any:
    """The value stored under ``key`` in Django's cache, or ``build()`` stored there for the next job.

    A burst of jobs of one report (a schedule, a Monday morning) would otherwise draw each chart
    once per worker: the first job takes a short lock and draws, the others wait for its drawing
    (tests/perf/bench_burst.py). A lock holder that is slow or gone costs a redraw, never a report."""
    if _django_cache() is not None and _cache_ttl() <= 0:  # the shared layer is switched off
        return build()
    value = _from_shared_cache(key, decode)
    if value is not None:
        return value
    if not _lock(key):
        value = _wait_for(key, decode)
        if value is not None:
            return value
    try:
        value = build()
        _to_shared_cache(key, value, encode)
    finally:
        _unlock(key)
    return value


def _lock(key: str) -> bool:
    cache = _django_cache()
    if cache is None:
        return True
    try:
        return bool(cache.add(f"{key}:lock", 1, timeout=_LOCK_S))
    except Exception:  # see _from_shared_cache
        return True


def _unlock(key: str) -> None:
    cache = _django_cache()
    if cache is None:
        return
    try:
        cache.delete(f"{key}:lock")
    except Exception:  # see _from_shared_cache; the lock expires by itself
        logger.warning("chart cache unlock failed for %s", key, exc_info=True)


def _wait_for(key: str, decode: Callable[[bytes], Any]) -> Any:
    """The drawing another job is making, once it is stored; None when it takes too long."""
    cache = _django_cache()
    give_up = time.monotonic() + _LOCK_WAIT_S
    poll = 0.01
    while time.monotonic() < give_up:
        time.sleep(poll)
        poll = min(poll * 2, 0.1)
        value = _from_shared_cache(key, decode)
        if value is not None:
            return value
        try:
            if cache.get(f"{key}:lock") is None:  # the holder gave up: draw it ourselves
                return None
        except Exception:  # see _from_shared_cache
            return None
    return None
