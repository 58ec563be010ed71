from django.db.models import QuerySet
from django.http import Http404

from .models import ReportArtifact, ReportJob


def job_list_for_user(*, user) -> QuerySet[ReportJob]:
    """The user's jobs, newest first; staff see everyone's."""
    qs = ReportJob.objects.select_related("template", "template_version", "requested_by").prefetch_related("artifacts")
    if not user.is_staff:
        qs = qs.filter(requested_by=user)
    return qs.order_by("-created_at", "-id")


def job_get_for_user(*, public_id, user) -> ReportJob:
    """The job, or 404 for anyone but its owner and staff (never reveal that it exists)."""
    try:
        return job_list_for_user(user=user).get(public_id=public_id)
    except ReportJob.DoesNotExist:
        raise Http404("No such job.") from None


def artifact_get_for_user(*, public_id, fmt: str, user) -> ReportArtifact:
    job = job_get_for_user(public_id=public_id, user=user)
    try:
        return job.artifacts.get(format=fmt)
    except ReportArtifact.DoesNotExist:
        raise Http404("No such file.") from None
