"""The warm path: a report whose sources are cached is one Redis round trip, no upstream, no thread."""
from __future__ import annotations

import json
import os

import pytest

from reporting.pipeline.aggregation import collector
from reporting.pipeline.aggregation.cache import source_cache_clear
from reporting.pipeline.aggregation.collector import SourceRequest, collect_sources
from reporting.pipeline.aggregation.config import SourceConfig
from tests.perf.redis_count import counting_redis

pytestmark = pytest.mark.usefixtures("source_settings")


def _requests(api, names: list[str], **overrides) -> list[SourceRequest]:
    return [
        SourceRequest(SourceConfig(name=name, kind="http", base_url=api.base_url, endpoint=f"/{i}",
                                   cache_ttl_s=60, **overrides), {"at": "{day}"}, True)
        for i, name in enumerate(names)
    ]


@pytest.fixture
def eight(api, unique_name):
    names = [unique_name(f"warm{i}") for i in range(8)]
    for i in range(8):
        api.add(f"/{i}", {"n": i})
    return names


def test_a_warm_report_is_one_redis_command_and_no_upstream_request(api, eight, monkeypatch):
    requests = _requests(api, eight)
    cold = collect_sources(requests=requests, parameters={"day": "2026-10-01"})
    assert cold.cache_misses == 8

    def no_thread(*args, **kwargs):
        raise AssertionError("a fully cached report must not start source threads")

    monkeypatch.setattr(collector, "_shared_pool", no_thread)
    with counting_redis() as count:
        warm = collect_sources(requests=requests, parameters={"day": "2026-10-01"})

    assert warm.cache_hits == 8 and not warm.failures
    assert warm.data == {name: {"n": i} for i, name in enumerate(eight)}
    assert all(s.attempts == 0 and s.cache == "hit" for s in warm.stats.values())
    assert (count.commands, count.round_trips, count.names) == (1, 1, {"MGET": 1})
    assert all(api.hits[f"/{i}"] == 1 for i in range(8))


def test_only_the_sources_that_miss_go_upstream(api, eight):
    requests = _requests(api, eight)
    collect_sources(requests=requests[:5], parameters={"day": "d1"})
    source_cache_clear(name=eight[0])

    result = collect_sources(requests=requests, parameters={"day": "d1"})

    assert {n: s.cache for n, s in result.stats.items()} == {
        **{n: "hit" for n in eight[1:5]}, **{n: "miss" for n in [eight[0], *eight[5:]]}}
    assert [api.hits[f"/{i}"] for i in range(8)] == [2, 1, 1, 1, 1, 1, 1, 1]
    assert result.data[eight[0]] == {"n": 0}


def test_fresh_data_reads_no_entry_but_refreshes_it(api, eight):
    requests = _requests(api, eight[:2])
    collect_sources(requests=requests, parameters={"day": "d1"})
    api.add("/0", {"n": "new"})

    with counting_redis() as count:
        fresh = collect_sources(requests=requests, parameters={"day": "d1"}, use_cache=False)
    after = collect_sources(requests=requests, parameters={"day": "d1"})

    assert {s.cache for s in fresh.stats.values()} == {"bypass"}
    assert count.names.get("MGET") == 1 and "GET" not in count.names  # generations only, then two SETs
    assert after.cache_hits == 2 and after.data[eight[0]] == {"n": "new"}


def test_a_source_that_cannot_be_planned_still_fails_by_its_own_name(api, eight):
    good, bad = _requests(api, eight[:2])
    bad.params = {"at": "{no_such_parameter}"}
    collect_sources(requests=[good], parameters={"day": "d1"})

    result = collect_sources(requests=[good, bad], parameters={"day": "d1"})

    assert result.stats[good.config.name].cache == "hit"
    assert [f.name for f in result.failures] == [bad.config.name]
    assert "no_such_parameter" in result.failures[0].reason


def test_a_forked_work_horse_collects_with_its_own_threads(api, eight):
    """RQ forks a work horse per job; the parent's source threads do not exist in the child."""
    requests = _requests(api, eight[:3])
    collect_sources(requests=requests[:1], parameters={"day": "parent"})  # the parent has a pool now
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        try:
            result = collect_sources(requests=requests, parameters={"day": "child"}, deadline_s=10)
            os.write(write, json.dumps({n: s.cache for n, s in result.stats.items()}).encode())
        finally:
            os._exit(0)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    with os.fdopen(read) as pipe:
        stats = json.loads(pipe.read() or "{}")
    assert status == 0 and stats == {name: "miss" for name in eight[:3]}
