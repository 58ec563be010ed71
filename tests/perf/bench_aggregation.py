"""Aggregation benchmark: real local HTTP sources at 200 ms each, collected by collect_sources.

Baseline measured in the same run: the same sources fetched one after another (twice, each
source's best). Figures:
  cold_wall_s            all 8 sources uncached, in parallel (median of 5 runs)
  ratio_cold_to_slowest  cold wall / the slowest single source measured in the baseline (goal <= 1.10)
  warm_wall_s            all 8 sources served from the cache (median of 9 runs, goal <= 0.005)
  warm32_wall_s          the same with 32 cached sources
  warm_redis_commands    Redis commands (and round trips) one warm aggregation sends, counted by a
                         counting connection (goal: 1, one MGET for every entry and generation)
  sequential_wall_s      the baseline

Run: .venv/bin/python -m config.embedded_redis -- .venv/bin/python tests/perf/bench_aggregation.py
(without REDIS_URL it starts the embedded Redis itself). The last line is JSON.
"""
from __future__ import annotations

import contextlib
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

SOURCES = 8
MANY_SOURCES = 32
LATENCY_S = 0.2


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    from config.embedded_redis import redis_url_for_children

    with redis_url_for_children() as _url:
        import django

        django.setup()
        from django.conf import settings

        settings.REPORTING_SOURCE_ALLOWED_HOSTS = ["127.0.0.1"]
        settings.REPORTING_SOURCE_ALLOW_PRIVATE_HOSTS = ["127.0.0.1"]
        settings.REPORTING_SOURCE_CONCURRENCY = max(MANY_SOURCES, SOURCES)
        run()


def run() -> None:
    from reporting.pipeline.aggregation.collector import SourceRequest, collect_sources
    from reporting.pipeline.aggregation.config import SourceConfig
    from tests.local_http import local_api
    from tests.perf.redis_count import counting_redis

    with local_api() as api:
        for i in range(MANY_SOURCES):
            api.add(f"/s{i}", {"data": {"metrics": {f"m{j}": {"average": j} for j in range(20)}}}, delay_s=LATENCY_S)

        def configs(tag: str, count: int = SOURCES) -> list[SourceRequest]:
            return [
                SourceRequest(
                    SourceConfig(name=f"bench-{tag}-{i}", kind="http", base_url=api.base_url, endpoint=f"/s{i}",
                                 cache_ttl_s=300),
                    {"from": "{period.start}"},
                    True,
                )
                for i in range(count)
            ]

        parameters = {"period": {"start": "2026-10-01", "end": "2026-10-31"}}
        # Warm the connection pool and imports once so neither side pays first-use costs.
        collect_sources(requests=configs("warmup", MANY_SOURCES), parameters=parameters, use_cache=False)

        # Baseline: one source after another (each one a whole collect_sources call), twice; each
        # source's best of the two, so one hiccup of a shared machine does not make the slowest.
        single_walls = [float("inf")] * SOURCES
        sequential = float("inf")
        for _ in range(2):
            started = time.perf_counter()
            for index, request in enumerate(configs("seq")):
                t0 = time.perf_counter()
                result = collect_sources(requests=[request], parameters=parameters, use_cache=False)
                assert not result.failures, result.failures
                single_walls[index] = min(single_walls[index], time.perf_counter() - t0)
            sequential = min(sequential, time.perf_counter() - started)
        slowest = max(single_walls)
        print(f"sequential baseline: {sequential:.3f} s for {SOURCES} sources (slowest single {slowest:.3f} s)")

        cold_walls = []
        for _ in range(5):
            tag = uuid.uuid4().hex[:8]
            t0 = time.perf_counter()
            cold = collect_sources(requests=configs(tag), parameters=parameters)
            cold_walls.append(time.perf_counter() - t0)
            assert not cold.failures and cold.cache_misses == SOURCES, cold.stats
        warm_walls = _warm(collect_sources, configs(tag), parameters, SOURCES)
        many = configs(uuid.uuid4().hex[:8], MANY_SOURCES)
        assert collect_sources(requests=many, parameters=parameters).cache_misses == MANY_SOURCES
        warm32_walls = _warm(collect_sources, many, parameters, MANY_SOURCES)
        with counting_redis() as count:
            warm = collect_sources(requests=configs(tag), parameters=parameters)
        assert warm.cache_hits == SOURCES
        with counting_redis() as cold_count:
            collect_sources(requests=configs(uuid.uuid4().hex[:8]), parameters=parameters)

        cold_wall = statistics.median(cold_walls)
        warm_wall = statistics.median(warm_walls)
        warm32_wall = statistics.median(warm32_walls)
        ratio = cold_wall / slowest
        print(f"parallel cold:       {cold_wall:.3f} s (runs: {', '.join(f'{w:.3f}' for w in cold_walls)}); "
              f"{cold_count.commands} Redis commands")
        print(f"parallel warm:       {warm_wall * 1000:.2f} ms for {SOURCES} cache hits, "
              f"{warm32_wall * 1000:.2f} ms for {MANY_SOURCES} (goal <= 5 ms)")
        print(f"warm Redis traffic:  {count.commands} commands in {count.round_trips} round trips {count.names}")
        print(f"cold / slowest:      {ratio:.3f} (goal <= 1.10); speed-up over sequential {sequential / cold_wall:.1f}x")
        print(json.dumps({
            "bench": "aggregation",
            "sources": SOURCES,
            "latency_s": LATENCY_S,
            "cold_wall_s": round(cold_wall, 4),
            "slowest_single_s": round(slowest, 4),
            "ratio_cold_to_slowest": round(ratio, 3),
            "warm_wall_s": round(warm_wall, 5),
            "warm32_wall_s": round(warm32_wall, 5),
            "warm_redis_commands": count.commands,
            "warm_redis_round_trips": count.round_trips,
            "cold_redis_commands": cold_count.commands,
            "sequential_wall_s": round(sequential, 4),
            "speedup_vs_sequential": round(sequential / cold_wall, 2),
            "cache_backend": _cache_backend(),
        }))


def _warm(collect_sources, requests, parameters, expected: int) -> list[float]:
    walls = []
    for _ in range(9):
        t0 = time.perf_counter()
        warm = collect_sources(requests=requests, parameters=parameters)
        walls.append(time.perf_counter() - t0)
        assert warm.cache_hits == expected, warm.stats
    return walls


def _cache_backend() -> str:
    from django.conf import settings

    return settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
