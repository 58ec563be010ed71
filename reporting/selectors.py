from typing import Literal

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from templates_app.models import ReportTemplate
from templates_app.selectors import template_list_for_user

from .models import JobShare, ReportArtifact, ReportJob
from .web_models import SHAREABLE_JOB_STATUSES

JobAction = Literal["view", "download", "cancel", "retry", "approve", "email"]

# What a user needs to act on somebody else's job. Being staff grants nothing here: staff is "may
# open the admin", and the admin checks model permissions too.
OTHERS_JOB_PERMISSION: dict[str, str] = {
    "view": "reporting.view_reportjob",
    "download": "reporting.view_reportjob",
    "cancel": "reporting.change_reportjob",
    "retry": "reporting.change_reportjob",
    # Approving needs its own permission too (services/approval.py); reaching someone else's job to
    # approve it is seeing it. Named apart from "view" so that a share (view/download) never reaches it.
    "approve": "reporting.view_reportjob",
    # Emailing the files on sends them to people the owner never chose: the owner's (or a job
    # manager's) call, never a share's.
    "email": "reporting.change_reportjob",
}
_ACTION_PHRASE = {"view": "open {}", "download": "download {}", "cancel": "cancel {}", "retry": "run {} again",
                  "approve": "approve {}", "email": "email {}"}

QUEUE_MANAGER_PERMISSION = "reporting.manage_queues"
# All a share (reporting/web_models.py JobShare) ever grants: reading the finished report. Never
# cancel, retry, approve or anything added later: a new action is refused unless listed here.
SHARE_ACTIONS = frozenset({"view", "download"})


def _jobs():
    return ReportJob.objects.select_related("template", "template_version", "requested_by").prefetch_related(
        "artifacts")


def job_list_for_user(*, user) -> QuerySet[ReportJob]:
    """The user's jobs of templates they may still use, newest first; everyone's with the view permission."""
    qs = _jobs()
    if not user.has_perm(OTHERS_JOB_PERMISSION["view"]):
        qs = qs.filter(requested_by=user, template__in=template_list_for_user(user=user).values("pk"))
    return qs.order_by("-created_at", "-id")


def job_get_for_user(*, public_id, user, action: JobAction = "view") -> ReportJob:
    """The job if the user may do ``action`` on it.

    Someone else's job is a 404 (never reveal that it exists) unless the user may see it; then an
    action their permissions do not cover is a 403. The owner's own job is re-checked against the
    template's groups on every action, so a user removed from a group loses its old jobs as well.
    """
    job = _jobs().filter(public_id=public_id).first()
    if job is None:
        raise Http404("No such job.")
    if user.has_perm(OTHERS_JOB_PERMISSION[action]):
        _ensure_version_still_published(job, action)
        return job
    phrase = _ACTION_PHRASE[action]
    is_owner = user.is_authenticated and job.requested_by_id == user.pk
    if not is_owner:
        if action in SHARE_ACTIONS and job_is_shared_with(job=job, user=user):
            return job
        if user.has_perm(OTHERS_JOB_PERMISSION["view"]):
            raise PermissionDenied(f"You may see other users' jobs but not {phrase.format('them')}.")
        raise Http404("No such job.")
    if not template_list_for_user(user=user).filter(pk=job.template_id).exists():
        raise PermissionDenied(
            f"You can no longer use the report “{job.template.name}”, so you cannot {phrase.format('this job')}. "
            "Ask an administrator to add you to one of the report's groups.")
    _ensure_version_still_published(job, action)
    return job


def _ensure_version_still_published(job: ReportJob, action: JobAction) -> None:
    # Running again re-reads the sources with the version the job pinned: once another version is
    # published (perhaps to stop using a source), only a fresh run from the report page may run.
    if action == "retry" and job.template.published_version_id != job.template_version_id:
        raise PermissionDenied(
            f"The report “{job.template.name}” has changed since this job ran (version "
            f"{job.template_version.number} is no longer published), so it cannot run again. "
            "Start a new run from the report page.")


def _active_shares_for(user) -> QuerySet[JobShare]:
    # Read again on every request: a revoked share or a user taken out of the group ends at once.
    # A share never reaches further than the template's groups, for the sharee and for the owner:
    # it dies when the owner leaves the groups or is deactivated, and it never opens a report to
    # someone the template is closed to (templates_app.selectors.template_list_for_user).
    return (JobShare.objects.filter(revoked_at__isnull=True)
            .filter(Q(user=user) | Q(group__in=user.groups.all()))
            .filter(job__status__in=SHAREABLE_JOB_STATUSES,
                    job__template__in=template_list_for_user(user=user).values("pk"),
                    job__requested_by__is_active=True)
            .filter(_owner_still_allowed()))


def _owner_still_allowed() -> Q:
    through = ReportTemplate.allowed_groups.through
    template_groups = through.objects.filter(reporttemplate_id=OuterRef("job__template_id"))
    return (Q(job__requested_by__is_superuser=True) | ~Exists(template_groups)
            | Exists(template_groups.filter(group__user=OuterRef("job__requested_by_id"))))


def job_is_shared_with(*, job: ReportJob, user) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    return _active_shares_for(user).filter(job=job).exists()


def job_list_shared_with(*, user) -> QuerySet[ReportJob]:
    """Other people's finished jobs shared with the user (directly or through a group), newest first."""
    if not (user.is_authenticated and user.is_active):
        return ReportJob.objects.none()
    ids = _active_shares_for(user).values("job_id")
    return _jobs().filter(pk__in=ids).exclude(requested_by=user).order_by("-created_at", "-id")


def job_get_for_unshare(*, public_id, user) -> ReportJob:
    """The job if the user may take its shares back: who may change others' jobs, or its owner.

    The owner keeps this after losing the template (their shares are dead then anyway, see
    _active_shares_for): taking a share back only ever narrows who sees the report.
    """
    if user.has_perm(OTHERS_JOB_PERMISSION["cancel"]):
        return job_get_for_user(public_id=public_id, user=user, action="cancel")
    job = _jobs().filter(public_id=public_id).first()
    if job is None or not (user.is_authenticated and job.requested_by_id == user.pk):
        raise Http404("No such job.")
    return job


def job_shares(*, job: ReportJob) -> list[JobShare]:
    """The job's active shares, for its owner's share panel."""
    return list(job.shares.filter(revoked_at__isnull=True).select_related("user", "group"))


def job_user_may_act(*, job: ReportJob, user) -> bool:
    """Whether the page should offer Cancel / Run again (the actions re-check this on POST)."""
    return user.has_perm(OTHERS_JOB_PERMISSION["retry"]) or (user.is_authenticated and job.requested_by_id == user.pk)


def artifact_get_for_user(*, public_id, fmt: str, user) -> ReportArtifact:
    job = job_get_for_user(public_id=public_id, user=user, action="download")
    try:
        return job.artifacts.get(format=fmt)
    except ReportArtifact.DoesNotExist:
        raise Http404("No such file.") from None


def user_may_manage_queues(*, user) -> bool:
    """django-rq's dashboard can empty queues and delete jobs: superusers or a dedicated permission only."""
    return user.has_perm(QUEUE_MANAGER_PERMISSION)


def job_summary(*, job: ReportJob, files: dict[str, str]) -> dict:
    """What a finished run produced, as the command line prints it (--json)."""
    stats = job.source_stats
    summary = {
        "job": str(job.public_id),
        "status": job.status,
        "artifacts": files,
        "timings": job.stage_timings,
        "sources": {
            "collected": [name for name, s in stats.items() if not s.get("error")],
            "failed": {m["name"]: m["reason"] for m in job.missing_sources},
        },
        "cache": {
            "hits": sum(1 for s in stats.values() if s.get("cache") == "hit"),
            "misses": sum(1 for s in stats.values() if s.get("cache") != "hit"),
        },
    }
    if job.error_message:
        summary["error"] = job.error_message
    return summary
