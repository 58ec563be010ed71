"""Who a finished report is emailed to, and the recipient policy it is held to.

The sending itself (one message per recipient, the delivery ledger) is reporting/services/email_delivery.py.
"""
from __future__ import annotations

from typing import Any

from templates_app.spec import ReportSpec
from templates_app.recipients import distinct_addresses, recipient_errors, stored_addresses


class RecipientsRefused(Exception):
    """The recipients break the email policy; nothing was sent (the message says why)."""


def recipients_for(spec: ReportSpec, parameters: dict[str, Any]) -> list[str]:
    """Addresses from every email_list parameter of the spec, each once (case-insensitively), in order."""
    addresses: list[str] = []
    for param in spec.parameters_of_type("email_list"):
        addresses += stored_addresses(parameters.get(param.name))
    return distinct_addresses(addresses)


def recipients_refusal(recipients: list[str]) -> str | None:
    """Why the report may not be emailed to these addresses (the form's policy), or None."""
    messages = [message for error in recipient_errors(recipients) for message in error.messages]
    return " ".join(messages) or None
