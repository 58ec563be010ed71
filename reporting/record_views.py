"""Pages for controlled records: approve a report (e-signature), download an approved copy, and the
staff page that verifies an uploaded report file."""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from . import selectors
from .downloads import stored_file_response
from .models import AuditEvent
from .record_forms import ApprovalForm, VerifyForm
from .services.approval import approval_create, approval_nonce_issue, user_may_approve
from .services.audit import audit_record
from .services.email_content import period_slug
from .services.report_verify import NotAReportFile, report_verify, verify_lines


@require_http_methods(["GET", "POST"])
def job_approve(request, public_id):
    # "approve", not "view": a share (read-only) must never let its reader sign the report.
    job = selectors.job_get_for_user(public_id=public_id, user=request.user, action="approve")
    if not user_may_approve(user=request.user):
        raise PermissionDenied("Approving reports needs the permission “Can approve reports (electronic signature)”.")
    form = ApprovalForm(request.POST or None, initial={"nonce": approval_nonce_issue(job=job, user=request.user)})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                approval = approval_create(job=job, user=request.user, password=data["password"],
                                           meaning=data["meaning"], nonce=data["nonce"], comment=data["comment"],
                                           acknowledge_partial=data["acknowledge_partial"])
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"Signed: {approval.get_meaning_display()} by {approval.signer_name}.")
                return redirect("reporting:job_detail", public_id=job.public_id)
        status = 400
        # A fresh one-time token for the next try (the old one may have been used).
        form.data = form.data.copy()
        form.data["nonce"] = approval_nonce_issue(job=job, user=request.user)
    return render(request, "reporting/approve.html", {"job": job, "form": form}, status=status)


def approval_download(request, public_id, approval_id):
    job = selectors.job_get_for_user(public_id=public_id, user=request.user, action="download")
    approval = job.approvals.filter(pk=approval_id).first()
    if approval is None or not approval.file:
        raise Http404("No such approved copy.")
    audit_record(action=AuditEvent.Action.DOWNLOAD, job=job,
                 detail={"format": "pdf", "approved_copy": approval.pk, "sha256": approval.file_sha256})
    # The common response: streamed with its size, or a pre-signed URL in redirect mode (reporting/downloads.py).
    return stored_file_response(storage=approval.file.storage, name=approval.file.name,
                                filename=approval_filename(approval), content_type="application/pdf",
                                size=approval.file_size or None)


def approval_filename(approval) -> str:
    """The report's download name (``<slug>-<period>-<short id>``) plus ``-approved-<n>``: the n-th
    signed copy of that report file."""
    job = approval.job
    period = period_slug(job)
    number = job.approvals.filter(artifact_sha256=approval.artifact_sha256, pk__lte=approval.pk).count()
    return f"{job.template.slug}-{period + '-' if period else ''}{job.public_id.hex[:8]}-approved-{number}.pdf"


class _SizeLimitHandler(FileUploadHandler):
    """Stops reading an upload past the limit (a client may send no or a false Content-Length)."""

    def __init__(self, request, limit: int):
        super().__init__(request)
        self.limit, self.received, self.too_large = limit, 0, False

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.too_large = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None


@csrf_exempt  # checked by _verify_upload once the size limit is installed (Django's documented pattern)
@staff_member_required
@require_http_methods(["GET", "POST"])
def verify_upload(request):
    limit = int(settings.REPORTING_VERIFY_MAX_UPLOAD_MB * 1024 * 1024)
    context = {"limit_mb": settings.REPORTING_VERIFY_MAX_UPLOAD_MB, "form": VerifyForm()}
    # Refused before the body is read: a huge upload is not spooled to disk first.
    if request.method == "POST" and int(request.META.get("CONTENT_LENGTH") or 0) > limit + 64 * 1024:
        return _refused(request, context, _too_large(context), 413)
    handler = _SizeLimitHandler(request, limit)
    request.upload_handlers.insert(0, handler)
    return _verify_upload(request, context=context, handler=handler, limit=limit)


@csrf_protect
def _verify_upload(request, *, context, handler, limit):
    if request.method == "GET":
        return render(request, "reporting/verify.html", context)
    form = VerifyForm(request.POST, request.FILES)
    if handler.too_large:
        return _refused(request, context, _too_large(context), 413)
    context["form"] = form
    if not form.is_valid():
        return render(request, "reporting/verify.html", context, status=400)
    upload = form.cleaned_data["file"]
    if upload.size > limit:
        return _refused(request, context, _too_large(context), 413)
    data = upload.read()
    try:
        result = report_verify(data=data)
    except NotAReportFile as exc:
        return _refused(request, context, str(exc), 400)
    audit_record(action=AuditEvent.Action.VERIFICATION, job=result.job,
                 outcome=AuditEvent.Outcome.SUCCESS if result.ok else AuditEvent.Outcome.FAILURE,
                 detail={"sha256": result.sha256, "status": result.status, "filename": upload.name[:200]})
    context.update(result=result, lines=verify_lines(result), filename=upload.name)
    return render(request, "reporting/verify.html", context)


def _too_large(context) -> str:
    return f"The file is larger than the {context['limit_mb']:g} MB limit of this page: it was not checked."


def _refused(request, context, message: str, status: int):
    context["refused"] = message
    return render(request, "reporting/verify.html", context, status=status)
