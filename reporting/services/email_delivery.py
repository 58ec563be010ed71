"""The email delivery ledger: one EmailDelivery row per job and recipient, one message each.

- One message per recipient, so one refused address fails alone and is retried alone.
- A row is claimed (compare-and-set to "sending") before its message goes out and marked "sent"
  after: a retried job, a re-run delivery, a second click or a concurrent run finds it and sends
  nothing (the row's idempotency key is unique per job and recipient).
- Temporary SMTP failures (4xx, connection errors) are tried again after each pause in
  REPORTING_EMAIL_RETRY_DELAYS_S; what still fails is tried again later by an RQ job after each
  interval in REPORTING_EMAIL_REDELIVER_AFTER_S (only the failed recipients). Permanent ones (5xx)
  are not retried automatically.
A process killed between the SMTP server's "250" and the "sent" mark leaves a "sending" row; it is
retried after SENDING_STALE (the one case where a recipient may get the report twice).
"""
from __future__ import annotations

import logging
import smtplib
import time
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import make_msgid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F, Q
from django.utils import timezone

from templates_app.recipients import distinct_addresses

from reporting.models import EmailDelivery, ReportJob
from reporting.pipeline.delivery import RecipientsRefused, recipients_for, recipients_refusal

from .audit import audit_record
from .delivery_policy import delivery_wanted
from .email_content import EmailContent, failure_email_content, report_email_content
from .job_state import job_record

logger = logging.getLogger("reporting.email")
Status = EmailDelivery.Status
SENDING_STALE = timedelta(minutes=15)
# RQ calls it by name (services never import reporting.jobs).
REDELIVER_JOB = "reporting.jobs.deliver_report_again"


@dataclass
class DeliveryResult:
    sent: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # address -> error
    already_sent: list[str] = field(default_factory=list)


def job_deliver(*, job: ReportJob) -> DeliveryResult:
    """The deliver stage: the template's recipients get the finished report, once each."""
    recipients = recipients_for(job.template_version.parsed, job.parameters)
    if not recipients:
        return DeliveryResult()
    refusal = recipients_refusal(recipients)
    if refusal:  # jobs stored by another path than the form are held to the policy too
        _note(job, f"Email not sent to any of the {len(recipients)} recipient(s): {refusal}")
        return DeliveryResult()
    rows = _ledger_rows(job, recipients)
    wanted, reason = delivery_wanted(job=job)
    if not wanted:
        EmailDelivery.objects.filter(pk__in=[r.pk for r in rows], status=Status.PENDING).update(
            status=Status.SKIPPED, last_error=reason, updated_at=timezone.now())
        _note(job, f"Not emailed: {reason}")
        return DeliveryResult()
    result = _send(job, rows, sendable=(Status.PENDING, Status.SKIPPED, Status.FAILED))
    _after_sending(job, result, redelivery=0)
    return result


def job_deliver_again(*, job: ReportJob, redelivery: int = 0) -> DeliveryResult:
    """Retry only the recipients whose delivery failed temporarily (or was cut off while sending)."""
    rows = list(job.email_deliveries.filter(_retryable()))
    # Time has passed since the first try: the owner may be gone, the policy (domains) may be stricter.
    refusal = _redelivery_refusal(job, [r.recipient for r in rows]) if rows else None
    if refusal:
        _note(job, f"Not emailed again: {refusal}")
        return DeliveryResult(failed={r.recipient: refusal for r in rows})
    result = _send(job, rows, sendable=(Status.FAILED, Status.PENDING, Status.SENDING))
    _after_sending(job, result, redelivery=redelivery)
    return result


def job_email_send(*, job: ReportJob, recipients: list[str]) -> DeliveryResult:
    """"Email this report": the same ledger, so nobody gets the same report twice.

    Raises RecipientsRefused (sending nothing) when the addresses break the recipient policy.
    """
    if job.status not in (ReportJob.Status.SUCCEEDED, ReportJob.Status.PARTIAL):
        raise RecipientsRefused("Only a finished report can be emailed.")
    refusal = _job_recipients_refusal(job, recipients)
    if refusal:
        raise RecipientsRefused(refusal)
    rows = _ledger_rows(job, recipients)
    # Someone asked for it by name: a permanently refused address is worth one more try.
    EmailDelivery.objects.filter(pk__in=[r.pk for r in rows], failed_permanently=True).update(
        failed_permanently=False)
    return _send(job, rows, sendable=(Status.PENDING, Status.SKIPPED, Status.FAILED))


def _job_recipients_refusal(job: ReportJob, addresses: list[str]) -> str | None:
    """The recipient policy for the job as a whole: the limit counts every address the job was ever
    addressed to (asking again with new addresses must not add up past it), plus these ones' rules."""
    earlier = distinct_addresses(job.email_deliveries.values_list("recipient", flat=True))
    total = len(distinct_addresses([*earlier, *addresses]))
    limit = settings.REPORTING_EMAIL_MAX_RECIPIENTS
    if earlier and total > limit:
        return (f"At most {limit} recipients per report (REPORTING_EMAIL_MAX_RECIPIENTS): this report was "
                f"already addressed to {len(earlier)}, so these would make {total}.")
    return recipients_refusal(addresses)


def _redelivery_refusal(job: ReportJob, addresses: list[str]) -> str | None:
    owner = job.requested_by
    if owner is not None and not owner.is_active:
        return f"the owner {owner.get_username()} is deactivated."
    return _job_recipients_refusal(job, addresses)


def job_failure_notify(*, job: ReportJob) -> None:
    """A failed job that would have been emailed tells its owner why; its recipients get nothing."""
    try:
        recipients = recipients_for(job.template_version.parsed, job.parameters)
    except Exception:  # an invalid spec is itself the failure being reported
        recipients = []
    if job.status != ReportJob.Status.FAILED or not (recipients or job.origin == ReportJob.Origin.SCHEDULE):
        return
    owner = job.requested_by
    if owner is None or not owner.email:
        _note(job, "Not emailed: the report could not be produced, and it has no owner with an email "
                   "address to tell.")
        return
    error = ""
    for delay in [0, *settings.REPORTING_EMAIL_RETRY_DELAYS_S]:
        time.sleep(delay)
        error, permanent = _send_message(failure_email_content(job=job), to=owner.email)
        if not error or permanent:
            break
    if error:
        logger.warning("job=%s failure notice to the owner failed: %s", job.public_id, error)
        _note(job, f"Not emailed: the report could not be produced. Telling its owner ({owner.email}) "
                   f"failed too: {error}")
    else:
        _note(job, f"Not emailed: the report could not be produced. The reason was emailed to its owner "
                   f"({owner.email}).")


# --- the ledger ---------------------------------------------------------------------------------

def _ledger_rows(job: ReportJob, recipients: list[str]) -> list[EmailDelivery]:
    rows = []
    for address in recipients:
        key = EmailDelivery.key_for(job_public_id=job.public_id, recipient=address)
        row, _ = EmailDelivery.objects.get_or_create(idempotency_key=key, defaults={"job": job, "recipient": address})
        rows.append(row)
    return rows


def _retryable() -> Q:
    stale = timezone.now() - SENDING_STALE
    return (Q(status__in=[Status.FAILED, Status.PENDING], failed_permanently=False)
            | Q(status=Status.SENDING, updated_at__lt=stale))


def _claim(row: EmailDelivery, sendable: tuple[str, ...]) -> bool:
    """Compare-and-set: only one run moves a row to "sending", so only one run sends it."""
    allowed = Q(status__in=[s for s in sendable if s != Status.SENDING])
    if Status.SENDING in sendable:
        allowed |= Q(status=Status.SENDING, updated_at__lt=timezone.now() - SENDING_STALE)
    claimable = EmailDelivery.objects.filter(allowed, pk=row.pk, attempts=row.attempts, failed_permanently=False)
    return bool(claimable.update(status=Status.SENDING, attempts=F("attempts") + 1, updated_at=timezone.now()))


def _send(job: ReportJob, rows: list[EmailDelivery], *, sendable: tuple[str, ...]) -> DeliveryResult:
    result = DeliveryResult(already_sent=[r.recipient for r in rows if r.status == Status.SENT])
    waiting = [r for r in rows if r.status != Status.SENT]
    if not waiting:
        return result
    content = report_email_content(job=job)
    delays = settings.REPORTING_EMAIL_RETRY_DELAYS_S
    for attempt, delay in enumerate([0, *delays]):
        time.sleep(delay)
        retry_later = []
        for row in waiting:
            row.refresh_from_db()
            if not _claim(row, sendable if attempt == 0 else (Status.FAILED,)):
                continue  # sent, skipped or being sent by another run meanwhile
            error, permanent = _send_message(content, to=row.recipient, record=row)
            if not error:
                result.sent.append(row.recipient)
                result.failed.pop(row.recipient, None)
                continue
            result.failed[row.recipient] = error
            if not permanent:
                retry_later.append(row)
        waiting = retry_later
        if not waiting:
            break
    return result


def _send_message(content: EmailContent, *, to: str, record: EmailDelivery | None = None) -> tuple[str, bool]:
    """Send one message; ("", False) when sent, else (error a person can read, permanent?)."""
    message_id = make_msgid(domain=urlsplit(settings.REPORTING_SITE_URL).hostname or "localhost")
    message = EmailMultiAlternatives(subject=content.subject, body=content.text, to=[to],
                                     from_email=settings.DEFAULT_FROM_EMAIL, headers={"Message-ID": message_id})
    message.attach_alternative(content.html, "text/html")
    for filename, payload, mimetype in content.attachments:
        message.attach(filename, payload, mimetype)
    try:
        message.send(fail_silently=False)
    except Exception as exc:  # whatever the SMTP server or the network says, the row says it too
        error, permanent = smtp_error_text(exc)
        logger.warning("email to=%s failed permanent=%s: %s", to, permanent, error)
        if record is not None:
            EmailDelivery.objects.filter(pk=record.pk).update(
                status=Status.FAILED, last_error=error, failed_permanently=permanent, updated_at=timezone.now())
        return error, permanent
    if record is not None:
        now = timezone.now()
        EmailDelivery.objects.filter(pk=record.pk).update(status=Status.SENT, message_id=message_id, sent_at=now,
                                                          last_error="", failed_permanently=False, updated_at=now)
        audit_record(action="email_sent", job=record.job, actor=None,
                     detail={"recipient": record.recipient, "message_id": message_id,
                             "attachments": [name for name, _, _ in content.attachments]})
    return "", False


def smtp_error_text(exc: BaseException) -> tuple[str, bool]:
    """(what the server said, whether it is permanent). 5xx refusals are; 4xx and network errors not."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        answers = list(exc.recipients.values())
        codes = [code for code, _ in answers]
        text = "; ".join(f"{code} {_decoded(reply)}" for code, reply in answers)
        return f"The mail server refused the address: {text}", bool(codes) and min(codes) >= 500
    if isinstance(exc, smtplib.SMTPResponseException):
        permanent = exc.smtp_code >= 500 and isinstance(exc, smtplib.SMTPDataError)
        return f"The mail server answered {exc.smtp_code} {_decoded(exc.smtp_error)}", permanent
    if isinstance(exc, (smtplib.SMTPException, OSError)):
        return f"The mail server could not be reached: {type(exc).__name__}: {exc}", False
    return f"{type(exc).__name__}: {exc}", True


def _decoded(reply) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _after_sending(job: ReportJob, result: DeliveryResult, *, redelivery: int) -> None:
    intervals = settings.REPORTING_EMAIL_REDELIVER_AFTER_S
    temporary = list(job.email_deliveries.filter(status=Status.FAILED, failed_permanently=False)
                     .values_list("recipient", flat=True))
    later = ""
    if temporary and redelivery < len(intervals):
        if _schedule_redelivery(job, redelivery + 1, intervals[redelivery]):
            later = f" It is tried again in {_duration(intervals[redelivery])}."
    failed = list(job.email_deliveries.filter(status=Status.FAILED).values_list("recipient", flat=True))
    _note(job, f"Not emailed to {', '.join(failed)} (see the deliveries).{later}" if failed else "")


def _schedule_redelivery(job: ReportJob, redelivery: int, after_s: float) -> bool:
    import django_rq
    import redis.exceptions

    try:
        django_rq.get_queue("low").enqueue_in(timedelta(seconds=after_s), REDELIVER_JOB, job.pk, redelivery,
                                              job_timeout=600, result_ttl=3600,
                                              description=f"email again: report {job.public_id}")
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
        logger.warning("job=%s email retry not scheduled (Redis unavailable: %s)", job.public_id, exc)
        return False
    return True


def _duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{int(seconds)} s" if seconds < 120 else f"{minutes} minutes"


def _note(job: ReportJob, note: str) -> None:
    job_record(job_id=job.pk, delivery_note=note)
    job.delivery_note = note
