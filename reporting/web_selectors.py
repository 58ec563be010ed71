"""Reads for the job list's filters, the home page and the HTML view."""
from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from templates_app.parameters import parameter_lines
from templates_app.selectors import template_list_for_user

from .models import FavouriteRun, JobReportView, ReportJob
from .selectors import OTHERS_JOB_PERMISSION, job_is_shared_with, job_list_for_user, job_shares

KEY_PARAMETERS_SHOWN = 3


def job_list_filtered(*, user, filters: dict[str, Any]) -> QuerySet[ReportJob]:
    """job_list_for_user narrowed by JobFilterForm.filters(); "q" matches the report's title or
    any stored parameter value (the parameters' JSON text, so a department code or a date)."""
    qs = job_list_for_user(user=user)
    if filters.get("invalid"):
        return qs.none()
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("template"):
        qs = qs.filter(template__slug=filters["template"])
    if filters.get("requested_by") and user.has_perm(OTHERS_JOB_PERMISSION["view"]):
        qs = qs.filter(requested_by__username=filters["requested_by"])
    tz = timezone.get_current_timezone()
    if filters.get("date_from"):
        qs = qs.filter(created_at__gte=datetime.datetime.combine(filters["date_from"], datetime.time.min, tz))
    if filters.get("date_to"):
        day_after = filters["date_to"] + datetime.timedelta(days=1)
        qs = qs.filter(created_at__lt=datetime.datetime.combine(day_after, datetime.time.min, tz))
    if filters.get("q"):
        term = filters["q"].strip()
        qs = qs.annotate(parameters_text=Cast("parameters", TextField())).filter(
            Q(template__name__icontains=term) | Q(template_version__spec__title__icontains=term)
            | Q(parameters_text__icontains=term))
    return qs


def job_filter_people(*, user):
    """Who the "Requested by" filter offers: only for a user who may see others' jobs."""
    if not user.has_perm(OTHERS_JOB_PERMISSION["view"]):
        return None
    return get_user_model().objects.filter(report_jobs__isnull=False).distinct().order_by("username")


def job_key_parameters(job: ReportJob) -> list[tuple[str, str]]:
    """The job's parameters as the list shows them beside its period (date ranges are the period)."""
    try:
        params = job.template_version.parsed.parameters
    except Exception:  # an unreadable old version: the list still shows the job
        return []
    dated = {p.name for p in params if p.type in ("date_range", "date")}
    lines = parameter_lines([p for p in params if p.name not in dated and p.type != "email_list"], job.parameters)
    return lines[:KEY_PARAMETERS_SHOWN]


def favourites_for_user(*, user) -> list[FavouriteRun]:
    """The user's favourite runs of templates they may still use."""
    usable = template_list_for_user(user=user).values("pk")
    return list(FavouriteRun.objects.filter(user=user, template__in=usable).select_related("template"))


def favourite_get_for_user(*, favourite_id: int, user) -> FavouriteRun | None:
    usable = template_list_for_user(user=user).values("pk")
    return FavouriteRun.objects.filter(pk=favourite_id, user=user, template__in=usable).select_related(
        "template").first()


def job_page_extras(*, job: ReportJob, user, may_act: bool) -> dict[str, Any]:
    """The job page's share panel, HTML-view link, "Run again with changes" and favourite button."""
    may_use = template_list_for_user(user=user).filter(pk=job.template_id).exists()
    return {
        "shares": job_shares(job=job) if may_act else [],
        "may_share": may_act and job.status in (ReportJob.Status.SUCCEEDED, ReportJob.Status.PARTIAL),
        "has_report_view": JobReportView.objects.filter(job=job).exists(),
        "may_run_again": may_use and job.template.published_version_id is not None,
        # Reached through a share only: someone who sees others' jobs by permission (an approver, a
        # viewer role) is not "shared with", and keeps what that permission offers (e.g. approving).
        "is_shared_view": (job.requested_by_id != user.pk and not user.has_perm(OTHERS_JOB_PERMISSION["view"])
                           and job_is_shared_with(job=job, user=user)),
    }
