"""Admin for controlled records: the audit trail (read-only, filterable, CSV export with a dedicated
permission) and the approvals (read-only)."""
from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.utils import timezone

from .models import AuditEvent, ReportApproval
from .services.audit import audit_csv_lines

EXPORT_PERMISSION = "reporting.export_auditevent"


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(_ReadOnly):
    list_display = ("at", "action", "outcome", "actor_name", "ip_address", "job_ref", "template_slug", "schedule_name")
    list_filter = ("action", "outcome", "at", "template_slug")
    search_fields = ("actor_name", "ip_address", "job_ref", "template_slug", "schedule_name")
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
    actions = ["export_csv"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm(EXPORT_PERMISSION):
            actions.pop("export_csv", None)
        # Deleting is refused by the model anyway; do not offer it.
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="Export the selected events as CSV")
    def export_csv(self, request, queryset):
        if not request.user.has_perm(EXPORT_PERMISSION):
            raise PermissionDenied("Exporting the audit trail needs the permission “Can export the audit trail as CSV”.")
        response = StreamingHttpResponse(audit_csv_lines(events=queryset.order_by("at", "id").iterator()),
                                         content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="audit-{timezone.now():%Y%m%d-%H%M%S}.csv"'
        return response


@admin.register(ReportApproval)
class ReportApprovalAdmin(_ReadOnly):
    list_display = ("signed_at", "job", "meaning", "signer_name", "time_zone", "digitally_signed")
    list_filter = ("meaning", "digitally_signed")
    search_fields = ("signer_name", "job__public_id", "artifact_sha256", "file_sha256")
    readonly_fields = [f.name for f in ReportApproval._meta.fields if f.name != "nonce"]
    exclude = ("nonce",)
