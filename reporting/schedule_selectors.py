"""Reading schedules for a user: owners see theirs, staff see everyone's (acting on others' needs a permission)."""
from __future__ import annotations

from typing import Literal

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from .models import Schedule, ScheduleRun

ScheduleAction = Literal["view", "change", "delete"]
OTHERS_SCHEDULE_PERMISSION = {"change": "reporting.change_schedule", "delete": "reporting.delete_schedule"}


def _schedules() -> QuerySet[Schedule]:
    return Schedule.objects.select_related("template", "owner", "last_job")


def schedule_list_for_user(*, user) -> QuerySet[Schedule]:
    qs = _schedules()
    if not user.is_staff:
        qs = qs.filter(owner=user)
    return qs.order_by("name", "pk")


def schedule_get_for_user(*, pk: int, user, action: ScheduleAction = "view") -> Schedule:
    """The schedule if the user may do ``action``; someone else's is a 404 for non-staff (never
    reveal that it exists), a 403 for staff lacking the permission to change or delete it."""
    schedule = _schedules().filter(pk=pk).first()
    if schedule is None or (schedule.owner_id != user.pk and not user.is_staff):
        raise Http404("No such schedule.")
    if schedule.owner_id != user.pk and action != "view" and not user.has_perm(OTHERS_SCHEDULE_PERMISSION[action]):
        raise PermissionDenied(f"You may see other users' schedules but not {action} them.")
    return schedule


def schedule_recent_runs(*, schedule: Schedule, limit: int = 20) -> list[ScheduleRun]:
    return list(schedule.runs.select_related("job").order_by("-due_at", "burst_value")[:limit])
