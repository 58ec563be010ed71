"""Email delivery of a finished report: attachments plus a truthful status line."""
from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage

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


def email_report(*, job, recipients: list[str]) -> int:
    """Send the job's artifacts. The subject and body say when data is missing: never a silent success.

    Raises RecipientsRefused, sending nothing, when the recipients break the policy: jobs whose
    parameters did not come through the form (stored before the limit, a schedule) are held to
    it too, and a truncated list would mail some people and silently drop the rest.
    """
    refusal = recipients_refusal(recipients)
    if refusal:
        raise RecipientsRefused(f"Email not sent to any of the {len(recipients)} recipient(s): {refusal}")
    title = job.template_version.title
    partial = job.status == job.Status.PARTIAL or bool(job.missing_sources)
    subject = f"{title}{' (incomplete: some data missing)' if partial else ''}"
    lines = [f"Your report \"{title}\" is attached.", ""]
    if partial:
        lines.append("Some data could not be collected, so the report is incomplete:")
        lines += [f"  - {m['name']}: {m['reason']}" for m in job.missing_sources]
        lines.append("")
    lines.append(f"Job {job.public_id}")
    message = EmailMessage(subject=subject, body="\n".join(lines), from_email=settings.DEFAULT_FROM_EMAIL,
                           to=recipients)
    for artifact in job.artifacts.all():
        with artifact.file.open("rb") as fh:
            message.attach(artifact.file.name.rsplit("/", 1)[-1], fh.read(), artifact.content_type)
    return message.send(fail_silently=False)
