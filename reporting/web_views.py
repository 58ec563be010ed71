"""Home page, sharing, favourites, "Run again with changes" and the report's HTML view."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from templates_app.selectors import template_get_for_user, template_list_for_user

from . import selectors, services, web_selectors
from .forms import RunReportForm
from .models import JobReportView
from .services.favourites import favourite_delete as services_favourite_delete, favourite_save
from .services.job_share import job_share_grant, job_share_revoke
from .web_forms import FavouriteForm, JobShareForm, parameters_as_form_data

RECENT_JOBS = 8
TABLE_PAGE_ROWS = 50


@require_GET
def home(request):
    user = request.user
    return render(request, "reporting/home.html", {
        "recent": list(selectors.job_list_for_user(user=user).filter(requested_by=user)[:RECENT_JOBS]),
        "shared": list(selectors.job_list_shared_with(user=user)[:RECENT_JOBS]),
        "favourites": web_selectors.favourites_for_user(user=user),
        "templates": template_list_for_user(user=user),
    })


@require_GET
def run_again(request, public_id):
    """The run form filled with the job's parameters; submitting it makes a new job (the run view)."""
    job = selectors.job_get_for_user(public_id=public_id, user=request.user, action="view")
    template = template_get_for_user(slug=job.template.slug, user=request.user)
    spec_parameters = template.published_version.parsed.parameters
    values = job.parameters
    if not selectors.job_user_may_act(job=job, user=request.user):
        # Running a colleague's report again starts without their recipients (theirs to know).
        emails = {p.name for p in spec_parameters if p.type == "email_list"}
        values = {name: value for name, value in job.parameters.items() if name not in emails}
    form = RunReportForm(initial=parameters_as_form_data(spec_parameters, values),
                         spec_parameters=spec_parameters, user=request.user)
    form.helper.form_action = reverse("reporting:run", args=[template.slug])  # a new job, made as any run
    return render(request, "reporting/run.html", {"template": template, "form": form, "from_job": job})


def _form_errors(error: ValidationError) -> str:
    return " ".join(error.messages)


@require_POST
def job_share(request, public_id):
    # Sharing hands the report on: the owner, or who may change others' jobs (as Cancel).
    job = selectors.job_get_for_user(public_id=public_id, user=request.user, action="cancel")
    form = JobShareForm(request.POST)
    form.is_valid()
    try:
        share = job_share_grant(job=job, shared_by=request.user, username=form.cleaned_data.get("username", ""),
                                group_name=form.cleaned_data.get("group", ""))
    except ValidationError as exc:
        messages.error(request, f"Not shared: {_form_errors(exc)}")
    else:
        messages.success(request, f"Shared with {share.target_name} (view and download only).")
    return redirect("reporting:job_detail", public_id=job.public_id)


@require_POST
def job_share_revoke_view(request, public_id, share_id):
    job = selectors.job_get_for_unshare(public_id=public_id, user=request.user)
    try:
        share = job_share_revoke(job=job, share_id=share_id, revoked_by=request.user)
    except ValidationError as exc:
        messages.error(request, _form_errors(exc))
    else:
        messages.success(request, f"No longer shared with {share.target_name}.")
    return redirect("reporting:job_detail", public_id=job.public_id)


@require_GET
def job_report(request, public_id):
    """The report in the browser: the stored HTML view, long tables a page at a time."""
    job = selectors.job_get_for_user(public_id=public_id, user=request.user, action="view")
    view = JobReportView.objects.filter(job=job).first()
    if view is None:
        raise Http404("This job has no report to show in the browser (it did not finish, or ran before "
                      "the browser view existed).")
    sections = []
    for index, section in enumerate(view.sections if isinstance(view.sections, list) else []):
        if isinstance(section, dict) and section.get("type") == "table":
            param = f"table{index}"
            page = Paginator(section.get("rows") or [], TABLE_PAGE_ROWS).get_page(request.GET.get(param))
            section = {**section, "page": page, "page_param": param}
        sections.append(section)
    return render(request, "reporting/job_report.html", {"job": job, "sections": sections,
                                                         "query": request.GET})


@require_POST
def favourite_add(request, public_id):
    job = selectors.job_get_for_user(public_id=public_id, user=request.user, action="view")
    template_get_for_user(slug=job.template.slug, user=request.user)
    form = FavouriteForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("Give the favourite a name.", code="favourite_name")
        favourite = favourite_save(user=request.user, job=job, name=form.cleaned_data["name"])
    except ValidationError as exc:
        messages.error(request, f"Not saved: {_form_errors(exc)}")
    else:
        messages.success(request, f"Saved “{favourite.name}” to your favourites on the home page.")
    return redirect("reporting:job_detail", public_id=job.public_id)


@require_POST
def favourite_run(request, favourite_id):
    """Quick run: the saved values through the run form (presets such as "last month" are resolved
    today); a value that is no longer valid opens the filled form instead."""
    favourite = web_selectors.favourite_get_for_user(favourite_id=favourite_id, user=request.user)
    if favourite is None:
        raise Http404("No such favourite.")
    template = template_get_for_user(slug=favourite.template.slug, user=request.user)
    spec_parameters = template.published_version.parsed.parameters
    data = parameters_as_form_data(spec_parameters, favourite.parameters)
    form = RunReportForm(data, spec_parameters=spec_parameters, user=request.user)
    if form.is_valid():
        job = services.job_submit(template=template, user=request.user, parameters=form.parameters(),
                                  priority=form.priority, use_cache=form.use_cache)
        return redirect("reporting:job_detail", public_id=job.public_id)
    messages.warning(request, f"“{favourite.name}” needs a change before it can run.")
    form.helper.form_action = reverse("reporting:run", args=[template.slug])
    return render(request, "reporting/run.html", {"template": template, "form": form}, status=400)


@require_POST
def favourite_delete(request, favourite_id):
    favourite = web_selectors.favourite_get_for_user(favourite_id=favourite_id, user=request.user)
    if favourite is None:
        raise Http404("No such favourite.")
    services_favourite_delete(favourite=favourite)
    messages.success(request, f"Deleted the favourite “{favourite.name}”.")
    return redirect("reporting:home")
