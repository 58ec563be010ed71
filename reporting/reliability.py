"""Which failures are worth another attempt, and how many attempts a report job gets.

Transient: a source timed out, refused or reset the connection, answered 429 or 5xx; Redis or the
database blipped. Permanent: validation errors, 4xx answers, bad data, rendering bugs - running
again gives the same result, so those jobs fail at once.
"""
from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings

DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_RETRY_INTERVALS_S = (10, 60)


class TransientJobError(Exception):
    """The job failed for a reason that may go away by itself; another attempt may succeed."""


def max_attempts() -> int:
    return max(1, int(getattr(settings, "REPORTING_JOB_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS)))


def retry_intervals_s() -> list[int]:
    intervals = getattr(settings, "REPORTING_JOB_RETRY_INTERVALS_S", DEFAULT_RETRY_INTERVALS_S)
    return [max(0, int(i)) for i in intervals] or [0]


def retry_interval_after(attempt: int) -> int:
    """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
    intervals = retry_intervals_s()
    return intervals[min(attempt, len(intervals)) - 1]


def has_attempts_left(attempts_made: int) -> bool:
    return attempts_made < max_attempts()


def is_transient_exception(exc: BaseException) -> bool:
    """Infrastructure blips: Redis or the database went away for a moment."""
    import redis.exceptions
    from django.db import InterfaceError, OperationalError

    transient_types: Sequence[type[BaseException]] = (
        redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OperationalError, InterfaceError,
        TransientJobError,
    )
    return isinstance(exc, tuple(transient_types))
