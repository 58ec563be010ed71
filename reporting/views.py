from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.http import FileResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from templates_app.parameters import parameter_lines
from templates_app.selectors import template_get_for_user, template_list_for_user

from . import selectors, services
from .forms import RunReportForm


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
    page = Paginator(selectors.job_list_for_user(user=request.user), 25).get_page(request.GET.get("page"))
    return render(request, "reporting/job_list.html", {"page": page})


@require_GET
def job_detail(request, public_id):
    job = selectors.job_get_for_user(public_id=public_id, user=request.user, action="view")
    may_act = selectors.job_user_may_act(job=job, user=request.user)
    if request.htmx:
        return render(request, "reporting/_job_status.html", {"job": job, "may_act": may_act})
    lines = parameter_lines(job.template_version.parsed.parameters, job.parameters)
    return render(request, "reporting/job_detail.html", {"job": job, "parameter_lines": lines, "may_act": may_act})


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
    artifact = selectors.artifact_get_for_user(public_id=public_id, fmt=fmt, user=request.user)
    filename = f"{artifact.job.template.slug}-{timezone.localtime(artifact.job.created_at):%Y%m%d-%H%M}.{fmt}"
    response = FileResponse(artifact.file.open("rb"), as_attachment=True, filename=filename,
                            content_type=artifact.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


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
