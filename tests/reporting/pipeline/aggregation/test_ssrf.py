"""SSRF guard: only allow-listed hosts, no private/link-local targets, redirects re-checked."""
from __future__ import annotations

import pytest
import responses

from reporting.pipeline.aggregation.collector import SourceRequest, collect_sources
from reporting.pipeline.aggregation.config import SourceConfig

pytestmark = pytest.mark.usefixtures("source_settings", "fake_dns")


def collect(base_url: str, endpoint: str = "/data"):
    config = SourceConfig(name="src", kind="http", base_url=base_url, endpoint=endpoint, cache_ttl_s=0)
    result = collect_sources(requests=[SourceRequest(config=config, params={}, required=True)], parameters={})
    return result


@responses.activate
def test_host_not_in_allow_list_is_refused_without_a_request():
    result = collect("https://evil.example.org")

    assert result.failures[0].reason.startswith(
        "source 'src': refused host 'evil.example.org': not in REPORTING_SOURCE_ALLOWED_HOSTS"
    )
    assert len(responses.calls) == 0


@responses.activate
def test_allowed_host_resolving_to_a_private_address_is_refused():
    result = collect("https://intranet.example.com")

    assert "resolves to non-public address 10.0.0.5" in result.failures[0].reason
    assert len(responses.calls) == 0


@responses.activate
def test_metadata_address_is_refused_even_when_allow_listed(settings):
    settings.REPORTING_SOURCE_ALLOWED_HOSTS = ["169.254.169.254"]
    settings.REPORTING_SOURCE_ALLOW_PRIVATE_HOSTS = ["169.254.169.254"]

    result = collect("http://169.254.169.254", "/latest/meta-data/")

    assert "resolves to 169.254.169.254 (link-local/unspecified)" in result.failures[0].reason
    assert len(responses.calls) == 0


@responses.activate
def test_private_literal_ip_is_refused_unless_allowed_private(settings):
    settings.REPORTING_SOURCE_ALLOWED_HOSTS = ["192.168.1.10"]
    settings.REPORTING_SOURCE_ALLOW_PRIVATE_HOSTS = []
    assert "non-public address 192.168.1.10" in collect("http://192.168.1.10").failures[0].reason

    settings.REPORTING_SOURCE_ALLOW_PRIVATE_HOSTS = ["192.168.1.10"]
    responses.get("http://192.168.1.10/data", json={"ok": 1})
    assert collect("http://192.168.1.10").data == {"src": {"ok": 1}}


@responses.activate
def test_redirect_to_a_private_address_is_not_followed():
    responses.get(
        "https://api.example.com/data", status=302, headers={"Location": "http://intranet.example.com/admin"}
    )
    intranet = responses.get("http://intranet.example.com/admin", json={"secret": 1})

    result = collect("https://api.example.com")

    assert "refused host 'intranet.example.com': resolves to non-public address 10.0.0.5" in result.failures[0].reason
    assert intranet.call_count == 0


@responses.activate
def test_redirect_to_metadata_is_not_followed():
    responses.get(
        "https://api.example.com/data", status=307, headers={"Location": "http://169.254.169.254/latest/meta-data/"}
    )

    result = collect("https://api.example.com")

    assert "refused host '169.254.169.254'" in result.failures[0].reason
    assert len(responses.calls) == 1


@responses.activate
def test_redirect_within_allowed_hosts_is_followed_up_to_the_hop_limit(settings):
    settings.REPORTING_SOURCE_MAX_REDIRECTS = 2
    responses.get("https://api.example.com/data", status=301, headers={"Location": "/v2/data"})
    responses.get("https://api.example.com/v2/data", json={"moved": True})
    assert collect("https://api.example.com").data == {"src": {"moved": True}}

    responses.get("https://api.example.com/loop", status=302, headers={"Location": "/loop"})
    looped = collect("https://api.example.com", "/loop")
    assert "too many redirects (> 2)" in looped.failures[0].reason


@responses.activate
def test_non_http_scheme_is_refused():
    result = collect("file:///etc")
    assert "refused URL scheme 'file'" in result.failures[0].reason
