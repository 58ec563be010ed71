"""Schedule pages: list, create, edit (with a preview of the next runs before saving), pause, resume, delete."""
from __future__ import annotations

from datetime import UTC

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from templates_app.selectors import template_get_for_user, template_list_for_user

from .schedule_forms import ScheduleForm, ScheduleParameterForm, timezone_names
from .schedule_selectors import schedule_get_for_user, schedule_list_for_user, schedule_recent_runs
from .scheduling.recurrence import describe, next_runs
from .services import schedule_crud
from .services.schedule_params import schedule_rule

PREVIEW_COUNT = 5


@require_GET
def schedule_list(request):
    schedules = []
    for schedule in schedule_list_for_user(user=request.user):
        rule = schedule_rule(schedule)
        next_run = _with_local([schedule.next_run_at], rule.zone)[0][0] if schedule.next_run_at else ""
        schedules.append((schedule, describe(rule), next_run))
    return render(request, "reporting/schedules/list.html",
                  {"schedules": schedules, "templates": template_list_for_user(user=request.user)})


@require_GET
def schedule_detail(request, pk):
    schedule = schedule_get_for_user(pk=pk, user=request.user)
    rule = schedule_rule(schedule)
    upcoming = next_runs(rule, after=timezone.now(), count=PREVIEW_COUNT) if schedule.enabled else []
    return render(request, "reporting/schedules/detail.html", {
        "schedule": schedule, "rule_text": describe(rule), "upcoming": _with_local(upcoming, rule.zone),
        "runs": schedule_recent_runs(schedule=schedule)
    })


@require_http_methods(["GET", "POST"])
def schedule_create(request, slug):
    template = template_get_for_user(slug=slug, user=request.user)
    return _edit(request, template=template, schedule=None)


@require_http_methods(["GET", "POST"])
def schedule_edit(request, pk):
    schedule = schedule_get_for_user(pk=pk, user=request.user, action="change")
    return _edit(request, template=schedule.template, schedule=schedule)


def _edit(request, *, template, schedule):
    spec = template.published_version.parsed
    data = request.POST if request.method == "POST" else None
    form = ScheduleForm(data, spec=spec, **({"initial": ScheduleForm.initial_from(schedule)} if schedule else {}))
    params = ScheduleParameterForm(data, spec=spec, stored=schedule.parameters if schedule else None)
    preview, status = [], 200
    if request.method == "POST":
        if form.is_valid() and params.is_valid():
            values = {**form.values(), "parameters": params.parameters()}
            try:
                if "preview" in request.POST:
                    rule = schedule_crud.rule_from(values)
                    preview = _with_local(schedule_crud.schedule_preview(values=values, count=PREVIEW_COUNT),
                                          rule.zone)
                elif schedule is None:
                    schedule = schedule_crud.schedule_create(owner=request.user, template=template, values=values)
                    messages.success(request, f"Schedule '{schedule.name}' saved.")
                    return redirect("reporting:schedule_detail", pk=schedule.pk)
                else:
                    schedule_crud.schedule_update(schedule=schedule, values=values, editor=request.user)
                    messages.success(request, f"Schedule '{schedule.name}' saved.")
                    return redirect("reporting:schedule_detail", pk=schedule.pk)
            except ValidationError as exc:
                form.add_service_errors(exc)
        if form.errors or params.errors:
            status = 400
    return render(request, "reporting/schedules/form.html", {
        "template": template, "schedule": schedule, "form": form, "params": params, "preview": preview,
        "timezones": timezone_names(), "not_owner": schedule is not None and schedule.owner_id != request.user.pk,
    }, status=status)


def _with_local(instants, zone) -> list[tuple[str, str]]:
    """(local, UTC) texts. Formatted here: the template's |date would show the site's zone instead."""
    return [(f"{instant.astimezone(zone):%a %-d %b %Y %H:%M %Z}", f"{instant.astimezone(UTC):%Y-%m-%d %H:%M}")
            for instant in instants]


@require_POST
def schedule_pause(request, pk):
    schedule = schedule_get_for_user(pk=pk, user=request.user, action="change")
    schedule_crud.schedule_pause(schedule=schedule, reason=f"Paused by {request.user.get_username()}")
    messages.info(request, f"Schedule '{schedule.name}' paused.")
    return redirect("reporting:schedule_detail", pk=schedule.pk)


@require_POST
def schedule_resume(request, pk):
    schedule = schedule_get_for_user(pk=pk, user=request.user, action="change")
    try:
        schedule_crud.schedule_resume(schedule=schedule)
        messages.success(request, f"Schedule '{schedule.name}' resumed.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("reporting:schedule_detail", pk=schedule.pk)


@require_POST
def schedule_delete(request, pk):
    schedule = schedule_get_for_user(pk=pk, user=request.user, action="delete")
    name = schedule.name
    schedule_crud.schedule_delete(schedule=schedule)
    messages.info(request, f"Schedule '{name}' deleted; the reports it made are kept.")
    return redirect("reporting:schedule_list")
