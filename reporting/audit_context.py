"""The request an action happens in, for the audit trail: who and from which address.

Set by reporting.middleware.AuditContextMiddleware for every web request; empty in workers and
commands (their events name the actor explicitly or have none)."""
from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AuditActor:
    user: Any
    ip_address: str | None


current_actor: ContextVar[AuditActor | None] = ContextVar("reporting_audit_actor", default=None)
