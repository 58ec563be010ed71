"""Sharing a finished report read-only with a colleague or a group, and taking it back."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from reporting.models import JobShare, ReportJob
from reporting.web_models import SHAREABLE_JOB_STATUSES
from reporting.services.audit import audit_record
from templates_app.selectors import template_allows_user


def job_share_grant(*, job: ReportJob, shared_by, username: str = "", group_name: str = "") -> JobShare:
    """Share ``job`` with the active user ``username`` or the group ``group_name`` (exactly one).

    The caller has checked that ``shared_by`` may act on the job (owner or change permission).
    """
    username, group_name = username.strip(), group_name.strip()
    if bool(username) == bool(group_name):
        raise ValidationError("Choose a user or a group to share with (one of them).", code="share_target")
    if job.status not in SHAREABLE_JOB_STATUSES:
        raise ValidationError("Only a finished report with files can be shared.", code="share_not_finished")
    user = group = None
    if username:
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise ValidationError(f"There is no active user “{username}”.", code="share_unknown_user")
        if user.pk == job.requested_by_id:
            raise ValidationError("That is the person who requested this report.", code="share_owner")
        if not template_allows_user(template=job.template, user=user):
            raise ValidationError(f"“{username}” is not in any of the groups the report “{job.template.name}” "
                                  "is limited to, so it cannot be shared with them.", code="share_not_allowed")
    else:
        group = Group.objects.filter(name=group_name).first()
        if group is None:
            raise ValidationError(f"There is no group “{group_name}”.", code="share_unknown_group")
        limited_to = set(job.template.allowed_groups.values_list("pk", flat=True))
        if limited_to and group.pk not in limited_to:
            raise ValidationError(f"The report “{job.template.name}” is limited to other groups than "
                                  f"“{group_name}”, so it cannot be shared with it.", code="share_not_allowed")
    active = job.shares.filter(revoked_at__isnull=True)
    if active.filter(Q(user=user) if user else Q(group=group)).exists():
        raise ValidationError("The report is already shared with them.", code="share_exists")
    share = JobShare.objects.create(job=job, user=user, group=group, shared_by=shared_by)
    audit_record(action="share_granted", actor=shared_by, job=job,
                 detail={"share": share.pk, "with": share.target_name})
    return share


def job_share_revoke(*, job: ReportJob, share_id: int, revoked_by) -> JobShare:
    share = job.shares.filter(pk=share_id, revoked_at__isnull=True).first()
    if share is None:
        raise ValidationError("That share does not exist or was already revoked.", code="share_missing")
    share.revoked_at = timezone.now()
    share.revoked_by = revoked_by
    share.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(action="share_revoked", actor=revoked_by, job=job,
                 detail={"share": share.pk, "with": share.target_name})
    return share
