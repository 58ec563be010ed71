"""Reading schedules for a user: owners see theirs; someone else's needs a model permission AND the
template's groups allowing the reader (a schedule shows its recipients and parameters)."""
from __future__ import annotations

from typing import Literal

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from templates_app.selectors import template_allows_user

from .models import Schedule, ScheduleRun

ScheduleAction = Literal["view", "change", "delete"]
# Being staff grants nothing here (as for jobs, reporting/selectors.py): staff is "may open the admin".
OTHERS_SCHEDULE_PERMISSION = {"view": "reporting.view_schedule", "change": "reporting.change_schedule",
                              "delete": "reporting.delete_schedule"}


def _schedules() -> QuerySet[Schedule]:
    return Schedule.objects.select_related("template", "owner", "last_job")


def _templates_allowing(user) -> Q:
    if user.is_superuser:
        return Q()
    return Q(template__allowed_groups__isnull=True) | Q(template__allowed_groups__in=user.groups.all())


def schedule_list_for_user(*, user) -> QuerySet[Schedule]:
    """The user's own schedules, plus others' of templates the user may run when they may view schedules."""
    qs = _schedules()
    if any(user.has_perm(perm) for perm in OTHERS_SCHEDULE_PERMISSION.values()):
        ids = Schedule.objects.filter(Q(owner=user) | _templates_allowing(user)).values("pk")
        qs = qs.filter(pk__in=ids)
    else:
        qs = qs.filter(owner=user)
    return qs.order_by("name", "pk")


def schedule_get_for_user(*, pk: int, user, action: ScheduleAction = "view") -> Schedule:
    """The schedule if the user may do ``action``.

    Someone else's is a 404 (never reveal that it exists) unless the user has the view permission
    and the template's groups allow them; then an action their permissions do not cover is a 403.
    """
    schedule = _schedules().filter(pk=pk).first()
    if schedule is None:
        raise Http404("No such schedule.")
    if schedule.owner_id == user.pk:
        return schedule
    # As in the admin, the permission to change or delete one includes seeing it.
    may_view = any(user.has_perm(perm) for perm in OTHERS_SCHEDULE_PERMISSION.values())
    if not may_view or not template_allows_user(template=schedule.template, user=user):
        raise Http404("No such schedule.")
    if not user.has_perm(OTHERS_SCHEDULE_PERMISSION[action]):
        raise PermissionDenied(f"You may see other users' schedules but not {action} them.")
    return schedule


def schedule_recent_runs(*, schedule: Schedule, limit: int = 20) -> list[ScheduleRun]:
    return list(schedule.runs.select_related("job").order_by("-due_at", "burst_value")[:limit])
