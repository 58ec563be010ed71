"""HTTP sources: retry rules, Retry-After, size limit, bad JSON, secrets never leak."""
from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
import requests
import responses

from reporting.pipeline.aggregation.collector import SourceRequest, collect_sources
from reporting.pipeline.aggregation.config import SourceConfig

URL = "https://api.example.com/v1/quality"

pytestmark = pytest.mark.usefixtures("source_settings", "fake_dns")


def http_config(name: str, **overrides) -> SourceConfig:
    fields = dict(
        name=name, kind="http", base_url="https://api.example.com", endpoint="/v1/quality",
        max_attempts=3, cache_ttl_s=0,
    )
    fields.update(overrides)
    return SourceConfig(**fields)


def collect_one(config: SourceConfig, *, params=None, parameters=None, required=True):
    result = collect_sources(
        requests=[SourceRequest(config=config, params=params or {}, required=required)],
        parameters=parameters or {},
    )
    return result, result.stats[config.name]


@responses.activate
def test_5xx_is_retried_then_succeeds(recorded_sleeps):
    responses.get(URL, status=503)
    responses.get(URL, json={"data": {"metrics": {}}})

    result, stat = collect_one(http_config("quality"))

    assert result.failures == []
    assert result.data["quality"] == {"data": {"metrics": {}}}
    assert stat.attempts == 2
    assert len(responses.calls) == 2
    assert len(recorded_sleeps) == 1 and 0 <= recorded_sleeps[0] <= 0.01  # full jitter within base


@responses.activate
def test_4xx_fails_at_once_with_status_and_attempts(recorded_sleeps):
    responses.get(URL, status=404)

    result, stat = collect_one(http_config("quality"))

    assert len(responses.calls) == 1
    assert recorded_sleeps == []
    assert result.required_failures[0].reason == "source 'quality': HTTP 404 Not Found (1 attempt)"
    assert stat.error == result.failures[0].reason and stat.attempts == 1


@responses.activate
def test_persistent_5xx_gives_up_after_max_attempts(recorded_sleeps):
    responses.get(URL, status=502)

    result, stat = collect_one(http_config("quality", max_attempts=4), required=False)

    assert len(responses.calls) == 4
    assert len(recorded_sleeps) == 3
    assert result.required_failures == []
    assert result.failures[0].reason == "source 'quality': HTTP 502 Bad Gateway (4 attempts)"
    assert "quality" not in result.data


@responses.activate
def test_429_honours_retry_after_seconds(recorded_sleeps):
    responses.get(URL, status=429, headers={"Retry-After": "7"})
    responses.get(URL, json=[])

    result, stat = collect_one(http_config("quality"))

    assert recorded_sleeps == [7.0]
    assert result.data["quality"] == [] and stat.attempts == 2


@responses.activate
def test_retry_after_http_date_is_honoured_up_to_the_cap(recorded_sleeps, settings):
    settings.REPORTING_SOURCE_RETRY_AFTER_CAP_S = 5
    soon = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=3), usegmt=True)
    much_later = format_datetime(datetime.now(timezone.utc) + timedelta(hours=1), usegmt=True)
    responses.get(URL, status=503, headers={"Retry-After": soon})
    responses.get(URL, status=503, headers={"Retry-After": much_later})
    responses.get(URL, json={"ok": True})

    result, _ = collect_one(http_config("quality"))

    assert result.data["quality"] == {"ok": True}
    assert 1.0 <= recorded_sleeps[0] <= 3.0
    assert recorded_sleeps[1] == 5.0


@responses.activate
def test_connection_errors_and_timeouts_are_retried_and_named(recorded_sleeps):
    responses.get(URL, body=requests.ConnectTimeout("connect timed out"))
    responses.get(URL, body=requests.ReadTimeout("read timed out"))
    responses.get(URL, body=requests.ConnectionError(ConnectionRefusedError(111, "Connection refused")))

    result, stat = collect_one(http_config("quality", read_timeout_s=2.5))

    assert len(responses.calls) == 3
    assert stat.attempts == 3
    assert result.failures[0].reason == "source 'quality': connection refused (3 attempts)"


@responses.activate
def test_read_timeout_message_names_the_timeout():
    responses.get(URL, body=requests.ReadTimeout("read timed out"))

    result, _ = collect_one(http_config("quality", read_timeout_s=2.5, max_attempts=1))

    assert result.failures[0].reason == "source 'quality': read timed out after 2.5 s (1 attempt)"


@responses.activate
def test_response_over_the_size_limit_is_refused(settings):
    settings.REPORTING_SOURCE_MAX_BYTES = 1000
    responses.get(URL, body=json.dumps({"rows": ["x" * 2000]}), content_type="application/json")

    result, stat = collect_one(http_config("quality"))

    assert result.failures[0].reason == "source 'quality': response too large (> 1000 bytes) (1 attempt)"
    assert len(responses.calls) == 1  # a size problem is not transient


@responses.activate
def test_size_limit_holds_without_content_length(settings):
    settings.REPORTING_SOURCE_MAX_BYTES = 100_000

    responses.get(URL, body=b"[" + b"1," * 100_000 + b"1]", auto_calculate_content_length=False)

    result, _ = collect_one(http_config("quality"))

    assert "Content-Length" not in responses.calls[0].response.headers
    assert "response too large (> 100000 bytes)" in result.failures[0].reason


@responses.activate
def test_bad_json_names_line_and_column():
    responses.get(URL, body='{\n  "metrics": {\n    "a": 1,,\n  }\n}', content_type="application/json")

    result, _ = collect_one(http_config("quality"))

    assert result.failures[0].reason.startswith("source 'quality': bad JSON at line 3 column 12")


@responses.activate
def test_response_path_selects_and_reports_a_missing_part():
    responses.get(URL, json={"result": {"data": {"metrics": {"x": {"average": 1}}}}})
    ok, _ = collect_one(http_config("quality", response_path="result.data"))
    assert ok.data["quality"] == {"metrics": {"x": {"average": 1}}}

    responses.get(URL, json={"result": {}})
    bad, _ = collect_one(http_config("quality2", response_path="result.data"))
    assert "response has no 'data' at response path 'result.data'" in bad.failures[0].reason


@responses.activate
def test_template_parameters_fill_query_and_body():
    get_call = responses.get(URL, json={})
    post_call = responses.post(URL, json={})
    parameters = {"period": {"start": "2026-10-01", "end": "2026-10-31"}, "department": "Łódź Packaging"}
    params = {"from": "{period.start}", "to": "{period.end}", "dept": "{department}"}

    collect_one(http_config("q-get", query_params={"format": "json"}), params=params, parameters=parameters)
    collect_one(http_config("q-post", method="POST", body={"limit": 5}), params=params, parameters=parameters)

    sent = get_call.calls[0].request
    assert "from=2026-10-01" in sent.url and "to=2026-10-31" in sent.url and "format=json" in sent.url
    assert json.loads(post_call.calls[0].request.body) == {
        "limit": 5, "from": "2026-10-01", "to": "2026-10-31", "dept": "Łódź Packaging",
    }


@responses.activate
def test_unknown_placeholder_is_a_clear_error():
    result, _ = collect_one(http_config("quality"), params={"from": "{period.begin}"}, parameters={"period": {}})

    assert "placeholder {period.begin} names no template parameter" in result.failures[0].reason
    assert len(responses.calls) == 0


@responses.activate
def test_header_secrets_are_sent_but_never_logged_or_reported(monkeypatch, caplog, recorded_sleeps):
    secret = "s3cr3t-T0KEN-value"
    monkeypatch.setenv("QMS_TEST_TOKEN", secret)
    # The upstream echoes the token back in an error; we must not repeat it.
    responses.get(URL, status=500, body=f"bad token {secret}")
    responses.get(URL, status=401, json={"detail": f"token {secret} rejected"})
    config = http_config("quality", headers={"Authorization": "Bearer ${env:QMS_TEST_TOKEN}"})

    with caplog.at_level(logging.DEBUG):
        result, stat = collect_one(config)

    assert responses.calls[0].request.headers["Authorization"] == f"Bearer {secret}"
    texts = [caplog.text, json.dumps(stat.to_dict()), repr(result.failures), repr(config)]
    assert all(secret not in text for text in texts)
    assert result.failures[0].reason == "source 'quality': HTTP 401 Unauthorized (2 attempts)"


@responses.activate
def test_unset_header_variable_names_the_variable_only(monkeypatch):
    monkeypatch.delenv("QMS_MISSING_TOKEN", raising=False)
    config = http_config("quality", headers={"X-Api-Key": "${env:QMS_MISSING_TOKEN}"})

    result, _ = collect_one(config)

    assert "unset environment variable QMS_MISSING_TOKEN" in result.failures[0].reason
    assert len(responses.calls) == 0


@pytest.mark.parametrize(
    "location, keeps_secret",
    [
        ("/v2/quality", True),  # same scheme, host and port
        ("https://cdn.example.com/v2/quality", False),  # another host
        ("http://api.example.com/v2/quality", False),  # https -> http: the secret would travel in clear text
    ],
)
@responses.activate
def test_header_secrets_follow_a_redirect_only_to_the_same_origin(
    location, keeps_secret, monkeypatch, settings, fake_dns
):
    secret = "s3cr3t-T0KEN-value"
    monkeypatch.setenv("QMS_TEST_TOKEN", secret)
    settings.REPORTING_SOURCE_ALLOWED_HOSTS = [*settings.REPORTING_SOURCE_ALLOWED_HOSTS, "cdn.example.com"]
    fake_dns["cdn.example.com"] = ["93.184.216.35"]
    responses.get(URL, status=302, headers={"Location": location})
    target = responses.get(location if "//" in location else "https://api.example.com/v2/quality", json={"ok": 1})
    config = http_config("quality", headers={"Authorization": "Bearer ${env:QMS_TEST_TOKEN}"})

    result, _ = collect_one(config)

    assert result.data["quality"] == {"ok": 1}
    sent = target.calls[0].request.headers
    assert (sent.get("Authorization") == f"Bearer {secret}") is keeps_secret
    assert keeps_secret or "Authorization" not in sent


@pytest.mark.parametrize("value", ["²", "-5", "soon", "1e3", " 7 "])
@responses.activate
def test_odd_retry_after_values_fall_back_to_backoff_or_are_read_as_seconds(value, recorded_sleeps):
    # Header values arrive Latin-1 decoded: "²" is a digit to str.isdigit() but not to float().
    responses.get(URL, status=503, headers={"Retry-After": value})
    responses.get(URL, json={"ok": True})

    result, stat = collect_one(http_config("quality"))

    assert result.data["quality"] == {"ok": True} and stat.attempts == 2
    assert recorded_sleeps == [7.0] if value.strip() == "7" else 0 <= recorded_sleeps[0] <= 0.01


@responses.activate
def test_non_ascii_digit_content_length_is_not_a_crash():
    responses.get(URL, body=b'{"ok": true}', headers={"Content-Length": "²"}, auto_calculate_content_length=False)

    result, stat = collect_one(http_config("quality"))

    assert stat.error is None and result.data["quality"] == {"ok": True}


@responses.activate
def test_deeply_nested_json_is_a_clear_error_not_an_internal_one():
    responses.get(URL, body="[" * 100_000 + "]" * 100_000, content_type="application/json")

    result, stat = collect_one(http_config("quality"))

    assert stat.error == "source 'quality': bad JSON: nested too deeply (1 attempt)"


@responses.activate
def test_size_limit_counts_decompressed_bytes(settings):
    import gzip

    settings.REPORTING_SOURCE_MAX_BYTES = 100_000
    bomb = gzip.compress(b"[" + b"0," * 1_000_000 + b"0]")  # ~2 MB of JSON in a few KB on the wire
    assert len(bomb) < 100_000
    responses.get(URL, body=bomb, headers={"Content-Encoding": "gzip"}, content_type="application/json")

    result, _ = collect_one(http_config("quality"))

    assert "response too large (> 100000 bytes)" in result.failures[0].reason
