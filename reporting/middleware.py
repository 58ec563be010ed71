"""Middleware: remembers the request's user and client address for audit_record."""
from __future__ import annotations

from config.client_ip import client_ip

from .audit_context import AuditActor, current_actor


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # request.user is lazy: read when an event is recorded, after authentication ran.
        token = current_actor.set(AuditActor(user=_LazyUser(request), ip_address=client_ip(request)))
        try:
            return self.get_response(request)
        finally:
            current_actor.reset(token)


class _LazyUser:
    def __init__(self, request):
        self._request = request

    def resolve(self):
        user = getattr(self._request, "user", None)
        return user if user is not None and user.is_authenticated else None
