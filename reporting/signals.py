"""Signal receivers: a deactivated user's schedules pause (the tick checks too, for bulk updates); template
and data source changes go to the audit trail."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save
from django.dispatch import receiver

from reporting.models import AuditEvent
from reporting.services.audit import audit_record
from reporting.services.job_manifest import canonical_sha256
from reporting.services.schedule_crud import schedule_owner_deactivated
from templates_app.signals import data_source_changed, template_version_published


@receiver(post_save, sender=get_user_model(), dispatch_uid="reporting.pause_schedules_of_inactive_owner")
def pause_schedules_of_inactive_owner(sender, instance, created, **kwargs) -> None:
    if not created and not instance.is_active:
        schedule_owner_deactivated(user=instance)


# The audit trail of template and data source changes (templates_app sends, it cannot import us).
@receiver(template_version_published, dispatch_uid="reporting.audit_template_published")
def audit_template_published(sender, version, previous, **kwargs) -> None:
    rolled_back = previous is not None and version.number < previous.number
    audit_record(action=AuditEvent.Action.TEMPLATE_ROLLED_BACK if rolled_back else AuditEvent.Action.TEMPLATE_PUBLISHED,
                 template=version.template,
                 detail={"version": version.number, "previous_version": previous.number if previous else None,
                         "spec_sha256": canonical_sha256(version.spec)})


@receiver(data_source_changed, dispatch_uid="reporting.audit_data_source_changed")
def audit_data_source_changed(sender, source, created, change, **kwargs) -> None:
    audit_record(action=AuditEvent.Action.DATA_SOURCE_CHANGED,
                 detail={"source": source.name, "kind": source.kind, "version": source.version,
                         "change": "created" if created else change})
