"""Errors of the aggregation stage. Every message names the source and is safe to show a user."""
from __future__ import annotations


class SourceError(Exception):
    """A source could not be collected.

    ``retryable`` marks transient failures (connection errors, timeouts, 429, 5xx); ``retry_after_s``
    carries a server's Retry-After hint. ``attempts`` is filled in by the retry loop.
    """

    def __init__(
        self,
        source: str,
        what: str,
        *,
        retryable: bool = False,
        retry_after_s: float | None = None,
        attempts: int = 1,
    ):
        self.source = source
        self.what = what
        self.retryable = retryable
        self.retry_after_s = retry_after_s
        self.attempts = attempts
        super().__init__(what)

    def __str__(self) -> str:
        plural = "attempt" if self.attempts == 1 else "attempts"
        return f"source '{self.source}': {self.what} ({self.attempts} {plural})"


class SourceConfigError(SourceError):
    """The source (or the template's use of it) is misconfigured: retrying cannot help."""


class SourceRefused(SourceError):
    """The SSRF guard refused to contact a URL."""
