"""What a report email says: subject, plain-text and HTML bodies, attachments or download links.

Never empty, never silent: the subject names the report, its period and whether it is complete;
the bodies carry the headline KPIs ("No data" where a value is missing, never 0), the missing-data
notice of a partial report and a link to the job page. A failed job gets its own mail, to its
owner only, with the reason — never a report-shaped mail without a report.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from templates_app.parameters import iso_date

from reporting.models import ReportArtifact, ReportJob
from reporting.headline import headline_rows as job_headline_rows
from reporting.pipeline.rendering import presentation

from .download_links import download_link_url

SUBJECT_MAX = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]+")


@dataclass(frozen=True)
class EmailContent:
    subject: str
    text: str
    html: str
    attachments: list[tuple[str, bytes, str]] = field(default_factory=list)  # (filename, bytes, mimetype)


def one_line(text: Any) -> str:
    """Text for a mail header: control characters (CR/LF above all) become spaces, runs of space one."""
    return " ".join(_CONTROL.sub(" ", str(text)).split())


def job_period(job: ReportJob) -> tuple[date, date, bool] | None:
    """(start, end, is_range) of the job's first date range, else (day, day, False) of its first date."""
    parsed = job.template_version.parsed
    for param in parsed.parameters_of_type("date_range"):
        value = job.parameters.get(param.name)
        if isinstance(value, dict):
            start, end = iso_date(value.get("start")), iso_date(value.get("end"))
            if start and end:
                return start, end, True
    for param in parsed.parameters_of_type("date"):
        day = iso_date(job.parameters.get(param.name))
        if day:
            return day, day, False
    return None


def period_text(job: ReportJob) -> str:
    """"1–31 Oct 2026" from the job's first date range (or "31 Oct 2026" from its first date); ""."""
    period = job_period(job)
    return date_range_text(period[0], period[1]) if period else ""


def date_range_text(start: date, end: date) -> str:
    if start == end:
        return _day(start, year=True)
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {end:%b %Y}"
    if start.year == end.year:
        return f"{_day(start, year=False)} – {_day(end, year=True)}"
    return f"{_day(start, year=True)} – {_day(end, year=True)}"


def _day(day: date, *, year: bool) -> str:
    return f"{day.day} {day:%b %Y}" if year else f"{day.day} {day:%b}"


def status_word(job: ReportJob) -> str:
    if job.status == ReportJob.Status.FAILED:
        return "Failed: no report"
    if job.status == ReportJob.Status.PARTIAL or job.missing_sources:
        return "Incomplete: some data missing"
    return "Complete"


def subject_for(job: ReportJob, status: str) -> str:
    parts = [one_line(job.template_version.title) or one_line(job.template.name), one_line(period_text(job)), status]
    subject = " — ".join(part for part in parts if part)
    return subject if len(subject) <= SUBJECT_MAX else subject[:SUBJECT_MAX - 1] + "…"


def job_url(job: ReportJob) -> str:
    return f"{settings.REPORTING_SITE_URL}{reverse('reporting:job_detail', args=[job.public_id])}"


def artifact_filename(artifact: ReportArtifact) -> str:
    """``<slug>-<period>-<short job id>.<ext>``: the name the download view gives the file, so a
    mailed file and a downloaded one match, and two runs never share a name ("monthly-2026-10-1a2b3c4d.pdf")."""
    job = artifact.job
    period = period_slug(job)
    return f"{job.template.slug}-{period + '-' if period else ''}{job.public_id.hex[:8]}.{artifact.format}"


def period_slug(job: ReportJob) -> str:
    """"2026-10" for a whole month, "2026-10-01_2026-10-15" for another range, "2026-10-31" for a
    date; "" when the job has no period."""
    period = job_period(job)
    if period is None:
        return ""
    start, end, is_range = period
    if not is_range:
        return start.isoformat()
    month_end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    if start.day == 1 and end == month_end:
        return f"{start:%Y-%m}"
    return f"{start.isoformat()}_{end.isoformat()}"


def headline_rows(job: ReportJob) -> list[dict[str, str]]:
    return job_headline_rows(job.headline)


def report_email_content(*, job: ReportJob) -> EmailContent:
    artifacts = list(job.artifacts.all())
    limit = settings.REPORTING_EMAIL_MAX_ATTACHMENT_MB * 1024 * 1024
    attach = sum(a.size for a in artifacts) <= limit
    attachments, links = [], []
    # Every link signed at this one second, so the email can say exactly when they stop working.
    signed_at = int(time.time())
    for artifact in artifacts:
        if attach:
            with artifact.file.open("rb") as fh:
                attachments.append((artifact_filename(artifact), fh.read(), artifact.content_type))
        else:
            links.append({"label": artifact.get_format_display(), "url": download_link_url(artifact=artifact, signed_at=signed_at),
                          "size": filesizeformat(artifact.size)})
    status = status_word(job)
    context = {
        "title": job.template_version.title, "period": period_text(job), "status": status,
        "worst_status": presentation.status_label(job.worst_status), "headline": headline_rows(job),
        "missing": job.missing_sources, "job_url": job_url(job), "attached": [a[0] for a in attachments],
        "links": links, "link_days": settings.REPORTING_EMAIL_LINK_DAYS,
        "links_valid_until": timezone.localtime(datetime.fromtimestamp(
            signed_at + settings.REPORTING_EMAIL_LINK_DAYS * 86400, tz=UTC)),
        "max_attachment_mb": settings.REPORTING_EMAIL_MAX_ATTACHMENT_MB,
    }
    return EmailContent(
        subject=subject_for(job, status),
        text=render_to_string("reporting/email/report.txt", context),
        html=render_to_string("reporting/email/report.html", context),
        attachments=attachments,
    )


def failure_email_content(*, job: ReportJob) -> EmailContent:
    context = {"title": job.template_version.title, "period": period_text(job),
               "reason": job.error_message or "No reason was recorded.", "job_url": job_url(job)}
    return EmailContent(
        subject=subject_for(job, status_word(job)),
        text=render_to_string("reporting/email/failure.txt", context),
        html=render_to_string("reporting/email/failure.html", context),
    )
