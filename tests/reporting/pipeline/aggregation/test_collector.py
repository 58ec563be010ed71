"""Collector against a real threaded HTTP server: parallelism, deadline, cache, stampede."""
from __future__ import annotations

import socket
import threading
import time

import pytest

from reporting.pipeline.aggregation.cache import source_cache_clear
from reporting.pipeline.aggregation.collector import SourceRequest, collect_sources
from reporting.pipeline.aggregation.config import SourceConfig

pytestmark = pytest.mark.usefixtures("source_settings")


def http_source(api, name: str, path: str, **overrides) -> SourceConfig:
    fields = dict(name=name, kind="http", base_url=api.base_url, endpoint=path, cache_ttl_s=60)
    fields.update(overrides)
    return SourceConfig(**fields)


def test_eight_slow_sources_are_collected_in_parallel(api, unique_name):
    configs = []
    for i in range(8):
        api.add(f"/s{i}", {"source": i}, delay_s=0.2)
        configs.append(http_source(api, unique_name(f"s{i}"), f"/s{i}", cache_ttl_s=0))
    api.add("/warmup", {})
    # First use pays for imports and the session; keep that out of the concurrency proof.
    collect_sources(requests=[SourceRequest(http_source(api, unique_name("w"), "/warmup", cache_ttl_s=0))],
                    parameters={})

    started = time.monotonic()
    result = collect_sources(requests=[SourceRequest(c, {}, True) for c in configs], parameters={})
    wall = time.monotonic() - started

    assert result.failures == []
    assert [result.data[c.name]["source"] for c in configs] == list(range(8))
    # Sequential would take 1.6 s; parallel takes about one source's 0.2 s.
    assert wall < 0.8, wall
    assert all(s.duration_s >= 0.2 and s.cache == "bypass" for s in result.stats.values())


def test_optional_failure_is_partial_and_required_failure_is_reported(api, unique_name):
    api.add("/ok", {"fine": True})
    ok = http_source(api, unique_name("ok"), "/ok")
    missing_optional = http_source(api, unique_name("opt"), "/gone", max_attempts=1)
    missing_required = http_source(api, unique_name("req"), "/gone", max_attempts=1)

    result = collect_sources(
        requests=[SourceRequest(ok, {}, True), SourceRequest(missing_optional, {}, False),
                  SourceRequest(missing_required, {}, True)],
        parameters={},
    )

    assert result.data == {ok.name: {"fine": True}}
    assert {f.name: f.required for f in result.failures} == {missing_optional.name: False, missing_required.name: True}
    assert [f.name for f in result.required_failures] == [missing_required.name]
    assert "HTTP 404 Not Found (1 attempt)" in result.stats[missing_optional.name].error


def test_stage_deadline_fails_the_slow_source_only(api, unique_name):
    api.add("/fast", {"fast": 1})
    api.add("/slow", {"slow": 1}, delay_s=1.5)
    fast = http_source(api, unique_name("fast"), "/fast", cache_ttl_s=0)
    slow = http_source(api, unique_name("slow"), "/slow", cache_ttl_s=0)

    started = time.monotonic()
    result = collect_sources(
        requests=[SourceRequest(fast, {}, True), SourceRequest(slow, {}, False)], parameters={}, deadline_s=0.4
    )

    assert time.monotonic() - started < 1.0
    assert result.data == {fast.name: {"fast": 1}}
    reason = result.failures[0].reason
    assert result.failures[0].name == slow.name
    assert "stage deadline" in reason, reason


@pytest.mark.parametrize("read_timeout_s", [30.0, 0.4])
def test_a_source_cut_by_the_stage_deadline_is_not_retryable(api, unique_name, read_timeout_s):
    # Cut by the collector (the source's read timeout is longer) or by its own read timeout that
    # the deadline clipped: either way it needs the whole stage, and would on every retry.
    api.add("/trickle", {"slow": 1}, delay_s=5)
    slow = http_source(api, unique_name("trickle"), "/trickle", cache_ttl_s=0, max_attempts=3,
                       read_timeout_s=read_timeout_s)

    result = collect_sources(requests=[SourceRequest(slow, {}, True)], parameters={}, deadline_s=0.4)

    [failure] = result.required_failures
    assert "stage deadline" in failure.reason, failure.reason
    assert failure.retryable is False
    assert result.stats[slow.name].retryable is False


def test_connection_refused_is_named(unique_name, settings):
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = SourceConfig(
        name=unique_name("down"), kind="http", base_url=f"http://127.0.0.1:{port}", endpoint="/x",
        max_attempts=2, cache_ttl_s=0,
    )

    result = collect_sources(requests=[SourceRequest(config, {}, True)], parameters={})

    assert result.failures[0].reason == f"source '{config.name}': connection refused (2 attempts)"


def test_cache_hit_miss_bypass_and_empty_response(api, unique_name):
    api.add("/empty", [])
    config = http_source(api, unique_name("empty"), "/empty")
    request = [SourceRequest(config, {"from": "{period.start}"}, True)]
    parameters = {"period": {"start": "2026-10-01", "end": "2026-10-31"}}

    first = collect_sources(requests=request, parameters=parameters)
    second = collect_sources(requests=request, parameters=parameters)
    fresh = collect_sources(requests=request, parameters=parameters, use_cache=False)
    other_period = collect_sources(requests=request, parameters={"period": {"start": "2026-11-01"}})

    assert first.stats[config.name].cache == "miss" and first.cache_misses == 1
    # An empty but valid response is a hit, not a miss.
    assert second.stats[config.name].cache == "hit" and second.data[config.name] == [] and second.cache_hits == 1
    assert fresh.stats[config.name].cache == "bypass"
    assert other_period.stats[config.name].cache == "miss"
    assert api.hits["/empty"] == 3


def test_version_bump_and_cache_clear_invalidate(api, unique_name):
    api.add("/v", {"n": 1})
    config = http_source(api, unique_name("v"), "/v")
    collect_sources(requests=[SourceRequest(config, {}, True)], parameters={})

    bumped = SourceConfig(**{**config.__dict__, "version": 2})
    assert collect_sources(requests=[SourceRequest(bumped, {}, True)], parameters={}).stats[config.name].cache == "miss"
    assert collect_sources(requests=[SourceRequest(bumped, {}, True)], parameters={}).stats[config.name].cache == "hit"

    source_cache_clear(name=config.name)
    api.add("/v", {"n": 2})
    after_clear = collect_sources(requests=[SourceRequest(bumped, {}, True)], parameters={})
    assert after_clear.stats[config.name].cache == "miss" and after_clear.data[config.name] == {"n": 2}


def test_ttl_zero_never_caches(api, unique_name):
    api.add("/nocache", {"n": 1})
    config = http_source(api, unique_name("nocache"), "/nocache", cache_ttl_s=0)
    for _ in range(2):
        result = collect_sources(requests=[SourceRequest(config, {}, True)], parameters={})
        assert result.stats[config.name].cache == "bypass"
    assert api.hits["/nocache"] == 2


def test_stampede_sends_exactly_one_upstream_request(api, unique_name):
    api.add("/popular", {"rows": list(range(10))}, delay_s=0.3)
    config = http_source(api, unique_name("popular"), "/popular")
    barrier = threading.Barrier(10)
    results = []

    def job() -> None:
        barrier.wait()
        results.append(collect_sources(requests=[SourceRequest(config, {}, True)], parameters={}))

    threads = [threading.Thread(target=job) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert api.hits["/popular"] == 1
    assert len(results) == 10
    assert all(r.data[config.name] == {"rows": list(range(10))} for r in results)
    assert sorted(r.stats[config.name].cache for r in results) == ["hit"] * 9 + ["miss"]


def test_static_source_and_secret_headers_reach_upstream(api, unique_name, monkeypatch):
    monkeypatch.setenv("QMS_TEST_TOKEN", "tok-123456")
    api.add("/auth", {"ok": True})
    static = SourceConfig(name=unique_name("static"), kind="static", static_data={"data": {"x": [1, 2]}},
                          response_path="data")
    authed = http_source(api, unique_name("auth"), "/auth", headers={"X-Api-Key": "${env:QMS_TEST_TOKEN}"})

    result = collect_sources(requests=[SourceRequest(static, {}, True), SourceRequest(authed, {}, True)], parameters={})

    assert result.data[static.name] == {"x": [1, 2]}
    assert result.stats[static.name].cache == "bypass"
    assert api.seen_headers[-1]["X-Api-Key"] == "tok-123456"


def test_inactive_source_fails_clearly(unique_name):
    config = SourceConfig(name=unique_name("off"), kind="static", static_data={}, is_active=False)
    result = collect_sources(requests=[SourceRequest(config, {}, False)], parameters={})
    assert result.failures[0].reason == f"source '{config.name}': source is disabled (1 attempt)"


def test_concurrent_jobs_share_one_upstream_failure(api, unique_name):
    api.add("/broken", {"error": "boom"}, status=400, delay_s=0.3)
    config = http_source(api, unique_name("broken"), "/broken")
    barrier = threading.Barrier(5)
    reasons = []

    def job() -> None:
        barrier.wait()
        result = collect_sources(requests=[SourceRequest(config, {}, False)], parameters={})
        reasons.append(result.failures[0].reason)

    threads = [threading.Thread(target=job) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert api.hits["/broken"] == 1
    assert len(reasons) == 5 and all("HTTP 400 Bad Request" in r for r in reasons)


@pytest.mark.parametrize("status,retryable", [(503, True), (429, True), (404, False), (400, False)])
def test_failures_say_whether_another_attempt_may_help(api, unique_name, status, retryable):
    # 429 and 5xx may pass by themselves; other 4xx answers will be the same next time.
    api.add("/flaky", {"error": "x"}, status=status)
    config = http_source(api, unique_name("flaky"), "/flaky", cache_ttl_s=0, max_attempts=2)

    result = collect_sources(requests=[SourceRequest(config, {}, required=True)], parameters={})

    [failure] = result.required_failures
    assert failure.retryable is retryable, failure.reason
    assert result.stats[config.name].retryable is retryable


def test_refused_connection_is_retryable(unique_name, settings):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = SourceConfig(name=unique_name("gone"), kind="http", base_url=f"http://127.0.0.1:{port}",
                          endpoint="/", cache_ttl_s=0, max_attempts=1)

    [failure] = collect_sources(requests=[SourceRequest(config, {}, required=True)], parameters={}).failures

    assert failure.retryable is True and "connection refused" in failure.reason
