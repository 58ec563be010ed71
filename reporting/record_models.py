"""Controlled records: the append-only audit trail and electronic signatures (approvals).

Kept apart from reporting/models.py (imported at its end); the app label is still ``reporting``.
"""
from django.conf import settings
from django.db import models

from reporting.model_storage import artifact_storage


class AuditEventQuerySet(models.QuerySet):
    """Bulk changes would bypass the model's refusal: an audit trail is only ever appended to.

    This is also the base manager's queryset (Meta.base_manager_name), which Model.save_base uses
    for its UPDATE; a database trigger (migration 0013) refuses what raw SQL would change.
    """

    def update(self, **kwargs):
        raise AuditImmutable("Audit events cannot be changed.")

    def _update(self, values):
        raise AuditImmutable("Audit events cannot be changed.")

    def delete(self):
        raise AuditImmutable("Audit events cannot be deleted.")

    def bulk_create(self, objs, batch_size=None, ignore_conflicts=False, update_conflicts=False,
                    update_fields=None, unique_fields=None):
        # An upsert rewrites the existing row. ignore_conflicts only skips rows that clash with an
        # existing one and never touches that row, so it may stay.
        if update_conflicts:
            raise AuditImmutable("Audit events cannot be changed (bulk_create with update_conflicts).")
        return super().bulk_create(objs, batch_size=batch_size, ignore_conflicts=ignore_conflicts)

    def bulk_update(self, objs, fields, batch_size=None):
        raise AuditImmutable("Audit events cannot be changed.")


class AuditImmutable(Exception):
    pass


class AuditEvent(models.Model):
    """Who did what, when, from where, to which job/template/schedule, and how it ended. Append-only."""

    class Action(models.TextChoices):
        REPORT_RUN = "report_run", "Report run"
        DOWNLOAD = "download", "Download"
        EMAIL_SENT = "email_sent", "Email sent"
        SHARE_GRANTED = "share_granted", "Share granted"
        SHARE_REVOKED = "share_revoked", "Share revoked"
        TEMPLATE_PUBLISHED = "template_published", "Template published"
        TEMPLATE_ROLLED_BACK = "template_rolled_back", "Template rolled back"
        DATA_SOURCE_CHANGED = "data_source_changed", "Data source changed"
        APPROVAL = "approval", "Approval"
        VERIFICATION = "verification", "Verification"

    class Outcome(models.TextChoices):
        SUCCESS = "success", "Success"
        FAILURE = "failure", "Failure"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # The trail outlives what it names: no database constraint, nothing cascades or blocks a deletion,
    # and the names are copied as text (a deleted job or template still reads in the trail).
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING,
                              db_constraint=False, related_name="+")
    # The actor's name at the time: a later rename does not rewrite history.
    actor_name = models.CharField(max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    action = models.CharField(max_length=30, choices=Action.choices, db_index=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS)
    job = models.ForeignKey("reporting.ReportJob", null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
                            related_name="audit_events")
    job_ref = models.CharField(max_length=36, blank=True, db_index=True)
    template = models.ForeignKey("templates_app.ReportTemplate", null=True, blank=True, on_delete=models.DO_NOTHING,
                                 db_constraint=False, related_name="+")
    template_slug = models.CharField(max_length=100, blank=True)
    schedule = models.ForeignKey("reporting.Schedule", null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
                                 related_name="+")
    schedule_name = models.CharField(max_length=200, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        # Model.save_base and related lookups use the base manager: it must refuse changes too.
        base_manager_name = "objects"
        permissions = [("export_auditevent", "Can export the audit trail as CSV")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.actor_name or '-'} ({self.outcome})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AuditImmutable("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditImmutable("Audit events cannot be deleted.")


def approval_upload_to(instance: "ReportApproval", filename: str) -> str:
    return f"jobs/{instance.job.public_id}/approvals/{filename}"


class ReportApproval(models.Model):
    """An electronic signature on one stored PDF: who, when (with zone), what it means, which bytes."""

    class Meaning(models.TextChoices):
        REVIEWED = "reviewed", "Reviewed"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    job = models.ForeignKey("reporting.ReportJob", on_delete=models.PROTECT, related_name="approvals")
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signer_name = models.CharField(max_length=300)
    meaning = models.CharField(max_length=10, choices=Meaning.choices)
    comment = models.TextField(blank=True)
    signed_at = models.DateTimeField()
    time_zone = models.CharField(max_length=64)
    # The sha256 of the report file the signature applies to (the job's PDF as it was stored).
    artifact_sha256 = models.CharField(max_length=64)
    partial_acknowledged = models.BooleanField(default=False)
    # The approved copy: the original's pages plus a signature block page (the original is untouched).
    file = models.FileField(storage=artifact_storage, upload_to=approval_upload_to, max_length=255, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    file_size = models.PositiveBigIntegerField(default=0)
    digitally_signed = models.BooleanField(default=False)
    # One form submission signs once: a replayed POST finds the nonce used.
    nonce = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["signed_at", "id"]
        permissions = [("approve_reports", "Can approve reports (electronic signature)")]

    def __str__(self) -> str:
        return f"{self.job.public_id} {self.meaning} by {self.signer_name}"
