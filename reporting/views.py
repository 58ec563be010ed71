from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from templates_app.parameters import parameter_lines
from templates_app.selectors import template_get_for_user, template_list_for_user

from . import selectors, services, web_selectors
from .downloads import stored_file_response
from .forms import EmailReportForm, RunReportForm
from .web_forms import JobFilterForm
from .pipeline.delivery import RecipientsRefused
from .services.download_links import LinkExpired, LinkInvalid, download_link_target
from .services.audit import audit_record
from .services.email_content import artifact_filename
from .services.email_delivery import job_deliver_again as services_job_deliver_again, job_email_send


@require_GET
def catalog(request):
    return render(request, "reporting/catalog.html", {"templates": template_list_for_user(user=request.user)})


@require_http_methods(["GET", "POST"])
def run_report(request, slug):
    template = template_get_for_user(slug=slug, user=request.user)
    form = RunReportForm(request.POST or None, spec_parameters=template.published_version.parsed.parameters,
                         user=request.user)
    if request.method == "POST" and form.is_valid():
        job = services.job_submit(template=template, user=request.user, parameters=form.parameters(),
                                  priority=form.priority, use_cache=form.use_cache)
        return redirect("reporting:job_detail", public_id=job.public_id)
    return render(request, "reporting/run.html", {"template": template, "form": form},
                  status=400 if request.method == "POST" else 200)


@require_GET
def job_list(request):
    form = JobFilterForm(request.GET or None, templates=template_list_for_user(user=request.user),
                         people=web_selectors.job_filter_people(user=request.user))
    jobs = web_selectors.job_list_filtered(user=request.user, filters=form.filters())
    page = Paginator(jobs, 25).get_page(request.GET.get("page"))
    # The filters stay in the page links, so paging keeps them.
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "reporting/job_list.html", {"page": page, "form": form, "query": query.urlencode(),
                                                       "filtered": bool(form.filters())})


@require_GET
def job_detail(request, public_id):
    job = selectors.job_get_for_user(public_id=public_id, user=request.user, action="view")
    may_act = selectors.job_user_may_act(job=job, user=request.user)
    if request.htmx:
        return render(request, "reporting/_job_status.html", {"job": job, "may_act": may_act})
    # Who gets the report is the owner's business: a colleague reading it through a share sees no recipients.
    shown = [p for p in job.template_version.parsed.parameters if may_act or p.type != "email_list"]
    lines = parameter_lines(shown, job.parameters)
    return render(request, "reporting/job_detail.html", {"job": job, "parameter_lines": lines, "may_act": may_act,
                                                         **_email_panel_context(request, job),
                                                         **web_selectors.job_page_extras(job=job, user=request.user,
                                                                                         may_act=may_act)})


@require_POST
def job_cancel(request, public_id):
    job = selectors.job_get_for_user(public_id=public_id, user=request.user, action="cancel")
    services.job_cancel(job=job)
    return redirect("reporting:job_detail", public_id=job.public_id)


@require_POST
def job_retry(request, public_id):
    job = selectors.job_get_for_user(public_id=public_id, user=request.user, action="retry")
    services.job_retry(job=job, user=request.user)
    return redirect("reporting:job_detail", public_id=job.public_id)


@require_GET
def download(request, public_id, fmt):
    return _file_response(selectors.artifact_get_for_user(public_id=public_id, fmt=fmt, user=request.user))


@require_GET
def download_link(request, token):
    """A signed link from a report email: valid and unexpired, and still only for a user who may
    download the job (the same check as the download button)."""
    try:
        target = download_link_target(token=token)
    except (LinkExpired, LinkInvalid) as exc:
        status = 410 if isinstance(exc, LinkExpired) else 404
        return render(request, "reporting/link_refused.html", {"message": str(exc)}, status=status)
    return _file_response(selectors.artifact_get_for_user(public_id=target.public_id, fmt=target.fmt,
                                                          user=request.user))


def _file_response(artifact):
    # Every file handed out is in the audit trail (who, from where, which file).
    audit_record(action="download", job=artifact.job, detail={"format": artifact.format, "sha256": artifact.sha256})
    # Streamed, or on S3 a short-lived pre-signed URL (reporting/downloads.py), after the check above.
    return stored_file_response(storage=artifact.file.storage, name=artifact.file.name,
                                filename=artifact_filename(artifact),
                                content_type=artifact.content_type, size=artifact.size)


@require_GET
def job_email_panel(request, public_id):
    """The job page's email panel (deliveries, "Email this report"), refreshed while it delivers."""
    job = selectors.job_get_for_user(public_id=public_id, user=request.user, action="view")
    return render(request, "reporting/_job_email.html", _email_panel_context(request, job))


def _email_panel_context(request, job) -> dict:
    # Recipients' addresses, attempts and SMTP errors are the owner's (or a job manager's) business,
    # not a sharee's: a share lets one read the report, not see whom it went to.
    may_act = selectors.job_user_may_act(job=job, user=request.user)
    deliveries = list(job.email_deliveries.all()) if may_act else []
    return {"job": job, "deliveries": deliveries, "may_act": may_act,
            "delivery_note": job.delivery_note if may_act else "",
            "retryable_failures": any(d.status == "failed" and not d.failed_permanently for d in deliveries)}


@require_POST
def job_email(request, public_id):
    # Emailing the files sends them on: the owner's right (a share only lets one read the report).
    job = selectors.job_get_for_user(public_id=public_id, user=request.user, action="email")
    form = EmailReportForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            result = job_email_send(job=job, recipients=form.cleaned_data["recipients"])
        except RecipientsRefused as exc:
            messages.error(request, f"Not emailed: {exc}")
        else:
            for level, text in delivery_result_messages(result):
                messages.add_message(request, level, text)
    else:
        for error in form.non_field_errors() + form.errors.get("addresses", []):
            messages.error(request, f"Not emailed: {error}")
    return redirect("reporting:job_detail", public_id=job.public_id)


@require_POST
def job_deliver_again(request, public_id):
    # Retrying a delivery is acting on the job: the owner, or who may change others' jobs.
    job = selectors.job_get_for_user(public_id=public_id, user=request.user, action="cancel")
    for level, text in delivery_result_messages(services_job_deliver_again(job=job)):
        messages.add_message(request, level, text)
    return redirect("reporting:job_detail", public_id=job.public_id)


def delivery_result_messages(result) -> list[tuple[int, str]]:
    out = []
    if result.sent:
        out.append((messages.SUCCESS, f"Emailed to {', '.join(result.sent)}."))
    if result.already_sent:
        out.append((messages.INFO, f"Already emailed to {', '.join(result.already_sent)} (not sent again)."))
    for address, error in result.failed.items():
        out.append((messages.ERROR, f"Not emailed to {address}: {error}"))
    if not out:
        out.append((messages.INFO, "Nothing to send."))
    return out


def queue_manager_required(view):
    """Wraps django-rq's dashboard views, which on their own let in any staff user."""
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        # Anonymous users go on to the wrapped view, which sends them to the login page.
        if request.user.is_authenticated and not selectors.user_may_manage_queues(user=request.user):
            raise PermissionDenied("The queue dashboard needs the permission “Can manage the RQ queues”.")
        return view(request, *args, **kwargs)
    return wrapped


def permission_denied(request, exception):
    """handler403: say why, so a refused user knows what to ask for (Django's default page drops
    the exception's message)."""
    message = str(exception) or "You do not have permission to open this page."
    return render(request, "403.html", {"message": message}, status=403)


@login_not_required
@require_GET
def healthz(request):
    checks = {"database": _check_database(), "redis": _check_redis()}
    healthy = all(c == "ok" for c in checks.values())
    return JsonResponse({"status": "ok" if healthy else "unavailable", "checks": checks},
                        status=200 if healthy else 503)


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:  # any failure means "not healthy"; say which
        return f"error: {type(exc).__name__}"


def _check_redis() -> str:
    import django_rq

    try:
        django_rq.get_connection("default").ping()
        return "ok"
    except Exception as exc:
        return f"error: {type(exc).__name__}"
