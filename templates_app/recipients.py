"""Report email recipients: addresses as typed or stored, and the one policy for form and delivery."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email


def split_addresses(text: str) -> list[str]:
    """Addresses typed as one text (commas, semicolons or new lines between them), each once."""
    return distinct_addresses(part.strip() for part in text.replace(";", ",").replace("\n", ",").split(","))


def distinct_addresses(addresses: Iterable[str]) -> list[str]:
    """Each address once, compared case-insensitively (mail systems treat them alike), first spelling kept."""
    seen: dict[str, str] = {}
    for address in addresses:
        if address:
            seen.setdefault(address.lower(), address)
    return list(seen.values())


def stored_addresses(value: Any) -> list[str]:
    """The addresses in a job's stored email_list value, read as the form would read them.

    Jobs whose parameters were written by another path than the form may hold a typed string or a
    stray value: it must not be read character by character, nor skipped by a policy check.
    """
    if value is None:
        return []
    if isinstance(value, str):
        return split_addresses(value)
    if isinstance(value, (list, tuple)):
        return distinct_addresses(str(v).strip() for v in value)
    return [str(value)]


def _ascii_domain(domain: str) -> str:
    try:
        return domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return domain.lower()


def recipient_errors(addresses: list[str]) -> list[ValidationError]:
    """Why these distinct addresses may not receive a report, or [] when they may.

    One policy for the form (web and CLI) and for delivery: at most REPORTING_EMAIL_MAX_RECIPIENTS
    addresses per job, each a valid address and, when REPORTING_EMAIL_ALLOWED_DOMAINS is set, at one
    of those domains (exactly: a subdomain must be listed itself).
    """
    limit = settings.REPORTING_EMAIL_MAX_RECIPIENTS
    if len(addresses) > limit:
        # The list has to be cut first; checking thousands of addresses one by one is wasted work.
        return [ValidationError("At most %(limit)d recipients per report (you entered %(count)d).",
                                code="too_many_recipients", params={"limit": limit, "count": len(addresses)})]
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            return [ValidationError("'%(address)s' is not a valid email address.",
                                    code="invalid_email", params={"address": address})]
    allowed = [_ascii_domain(d) for d in settings.REPORTING_EMAIL_ALLOWED_DOMAINS]
    if not allowed:
        return []
    refused = [a for a in addresses if _ascii_domain(a.rpartition("@")[2]) not in allowed]
    if not refused:
        return []
    who = "'%(address)s' is" if len(refused) == 1 else "'%(address)s' and %(more)d more are"
    return [ValidationError(who + " not allowed: reports may only be emailed to addresses at %(domains)s.",
                            code="recipient_domain",
                            params={"address": refused[0], "more": len(refused) - 1,
                                    "domains": " or ".join(settings.REPORTING_EMAIL_ALLOWED_DOMAINS)})]
