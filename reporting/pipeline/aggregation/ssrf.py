"""Server-side request forgery guard for HTTP sources.

A URL may be fetched only when its host is listed (exactly, case-insensitively) in
REPORTING_SOURCE_ALLOWED_HOSTS and every address it resolves to is public, unless the host is
also listed in REPORTING_SOURCE_ALLOW_PRIVATE_HOSTS (the demo API on 127.0.0.1 in development).
Link-local addresses (169.254.0.0/16 with the cloud metadata service, fe80::/10) and the
unspecified address are refused even for hosts allowed to be private.

Known limit (accepted, documented): the check resolves the name and then ``requests`` resolves
it again when connecting, so a DNS server that answers differently within that window
(DNS rebinding) could slip past. Allow-listing exact hosts keeps that to hosts an admin trusts.
"""
from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from .config import reporting_setting
from .errors import SourceRefused

_ALLOWED_SCHEMES = ("http", "https")
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def resolve_host(host: str, port: int) -> list[str]:
    """All addresses ``host`` resolves to (a seam tests replace)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({info[4][0] for info in infos})


def check_url(url: str, *, source: str) -> None:
    """Raise SourceRefused unless ``url`` may be fetched."""
    parts = urlsplit(url)
    if parts.scheme not in _ALLOWED_SCHEMES:
        raise SourceRefused(source, f"refused URL scheme '{parts.scheme}' (only http/https)")
    host = _normalise(parts.hostname or "")
    if not host:
        raise SourceRefused(source, "refused URL without a host")
    if parts.username or parts.password:
        raise SourceRefused(source, "refused URL with credentials in it")
    allowed = {_normalise(h) for h in reporting_setting("REPORTING_SOURCE_ALLOWED_HOSTS", [])}
    if host not in allowed:
        raise SourceRefused(source, f"refused host '{host}': not in REPORTING_SOURCE_ALLOWED_HOSTS")
    may_be_private = host in {
        _normalise(h) for h in reporting_setting("REPORTING_SOURCE_ALLOW_PRIVATE_HOSTS", [])
    }
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise SourceRefused(source, "refused URL with an invalid port") from None
    try:
        addresses = resolve_host(host, port)
    except (socket.gaierror, UnicodeError) as exc:
        raise SourceRefused(source, f"host '{host}' does not resolve ({exc.__class__.__name__})", retryable=True) from None
    if not addresses:
        raise SourceRefused(source, f"host '{host}' does not resolve")
    for text in addresses:
        address = _unmapped(ipaddress.ip_address(text.split("%", 1)[0]))
        if address.is_link_local or address.is_unspecified or address.is_multicast:
            raise SourceRefused(source, f"refused host '{host}': resolves to {address} (link-local/unspecified)")
        if not address.is_global and not may_be_private:
            raise SourceRefused(
                source,
                f"refused host '{host}': resolves to non-public address {address} "
                "(not in REPORTING_SOURCE_ALLOW_PRIVATE_HOSTS)",
            )


def _normalise(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def _unmapped(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address
