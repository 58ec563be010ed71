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
from collections.abc import Callable
from typing import Any

from reporting.pipeline.rendering.chartspec import ChartSpec

logger = logging.getLogger(__name__)

# Bump when drawing code changes so cached drawings from an older build are not reused.
_DRAWING_VERSION = "5"
_CACHE_TTL_SETTING = "REPORTING_CHART_CACHE_TTL_S"
_DEFAULT_CACHE_TTL = 24 * 60 * 60


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
    """The value stored under ``key`` in Django's cache, or ``build()`` stored there for the next job."""
    value = _from_shared_cache(key, decode)
    if value is None:
        value = build()
        _to_shared_cache(key, value, encode)
    return value
