"""Email delivery of a finished report: attachments plus a truthful status line."""
from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage


def recipients_for(spec: dict[str, Any], parameters: dict[str, Any]) -> list[str]:
    """Addresses from every email_list parameter of the spec, de-duplicated, in order."""
    seen: list[str] = []
    for param in spec.get("parameters", []):
        if param.get("type") == "email_list":
            for address in parameters.get(param["name"]) or []:
                if address not in seen:
                    seen.append(address)
    return seen


def email_report(*, job, recipients: list[str]) -> int:
    """Send the job's artifacts. The subject and body say when data is missing: never a silent success."""
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
