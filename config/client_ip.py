"""The client's address for login throttling (django-axes' AXES_CLIENT_IP_CALLABLE).

Without a proxy it is the socket address: a client cannot choose it by sending X-Forwarded-For.
Behind DJANGO_BEHIND_PROXY (one trusted reverse proxy that appends the address it saw) it is the
right-most X-Forwarded-For entry, the only one the client cannot forge.
"""
from __future__ import annotations

from django.conf import settings


def client_ip(request) -> str | None:
    if getattr(settings, "BEHIND_PROXY", False):
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if forwarded:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR")
