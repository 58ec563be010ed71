"""A burst of jobs of one report draws each chart once (real Redis through Django's cache)."""
from __future__ import annotations

import threading
import time
import uuid

from django.core.cache import cache

from reporting.pipeline.rendering.charts import cache as chart_cache


def test_concurrent_jobs_draw_a_chart_once_and_all_get_it():
    key = f"qms:chart:test:{uuid.uuid4().hex}"
    drawn = []
    barrier = threading.Barrier(6)
    results = []

    def build():
        drawn.append(1)
        time.sleep(0.2)  # a chart takes a while to draw: the others arrive meanwhile
        return "picture"

    def job():
        barrier.wait()
        results.append(chart_cache.shared_or_build(key, build, encode=str.encode, decode=bytes.decode))

    threads = [threading.Thread(target=job) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert len(drawn) == 1
    assert results == ["picture"] * 6
    assert cache.get(f"{key}:lock") is None


def test_a_lock_holder_that_never_stores_costs_a_redraw_not_the_report(monkeypatch):
    key = f"qms:chart:test:{uuid.uuid4().hex}"
    cache.add(f"{key}:lock", 1, timeout=30)  # a job that took the lock and died
    monkeypatch.setattr(chart_cache, "_LOCK_WAIT_S", 0.3)
    started = time.monotonic()

    value = chart_cache.shared_or_build(key, lambda: "redrawn", encode=str.encode, decode=bytes.decode)

    assert value == "redrawn" and time.monotonic() - started < 2
    assert cache.get(key) == b"redrawn"


def test_with_the_shared_cache_off_nothing_is_stored_or_locked(settings):
    settings.REPORTING_CHART_CACHE_TTL_S = 0
    key = f"qms:chart:test:{uuid.uuid4().hex}"

    assert chart_cache.shared_or_build(key, lambda: "fresh", encode=str.encode, decode=bytes.decode) == "fresh"
    assert cache.get(key) is None and cache.get(f"{key}:lock") is None
