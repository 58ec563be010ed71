from django.contrib import admin
from django_rq.admin import QueueAdmin
from django_rq.models import Dashboard

from . import admin_display
from .models import EmailDelivery, ReportArtifact, ReportJob
from .selectors import user_may_manage_queues
from .views import queue_manager_required


class ReportArtifactInline(admin.TabularInline):
    model = ReportArtifact
    fields = ("format", "size", "sha256", "created_at", "download")
    readonly_fields = fields

    @admin.display(description="File")
    def download(self, obj):
        return admin_display.artifact_download_link(obj)
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class EmailDeliveryInline(admin.TabularInline):
    """The job's email ledger: who got the report, who did not and why."""

    model = EmailDelivery
    fields = ("recipient", "status", "attempts", "failed_permanently", "last_error", "sent_at", "message_id")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ReportJob)
class ReportJobAdmin(admin.ModelAdmin):
    list_display = ("public_id", "template", "status", "stage", "progress", "priority", "requested_by",
                    "origin", "created_at", "finished_at")
    list_filter = ("status", "priority", "origin", "template")
    search_fields = ("public_id", "template__slug", "requested_by__username", "error_message")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in ReportJob._meta.fields if f.name not in admin_display.READABLE_JSON_FIELDS] + [
        "timings", "sources", "previews"]
    exclude = admin_display.READABLE_JSON_FIELDS  # shown by the methods below, not as JSON text
    inlines = [ReportArtifactInline, EmailDeliveryInline]

    def has_add_permission(self, request):
        return False

    @admin.display(description="Stage timings")
    def timings(self, obj):
        return admin_display.timings_table(obj)

    @admin.display(description="Data sources")
    def sources(self, obj):
        return admin_display.source_stats_table(obj)

    @admin.display(description="Chart previews")
    def previews(self, obj):
        return admin_display.previews_images(obj)


@admin.register(ReportArtifact)
class ReportArtifactAdmin(admin.ModelAdmin):
    list_display = ("job", "format", "size", "sha256", "created_at")
    list_filter = ("format",)
    # The file through the download view (its permission check), not the storage URL (a 404).
    fields = readonly_fields = ("job", "format", "download", "content_type", "size", "sha256", "created_at")

    @admin.display(description="File")
    def download(self, obj):
        return admin_display.artifact_download_link(obj)

    def has_add_permission(self, request):
        return False  # files come from runs only


@admin.register(EmailDelivery)
class EmailDeliveryAdmin(admin.ModelAdmin):
    """Read-only: the ledger is written by the delivery service only (a hand edit could resend or hide)."""

    list_display = ("recipient", "job", "status", "attempts", "failed_permanently", "sent_at", "updated_at")
    list_filter = ("status", "failed_permanently")
    search_fields = ("recipient", "job__public_id", "message_id", "last_error")
    date_hierarchy = "created_at"
    list_select_related = ("job", "job__template")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in EmailDelivery._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class QueueDashboardAdmin(QueueAdmin):
    """django-rq's admin entry (/admin/django_rq/dashboard/), for queue managers only.

    django-rq lets any staff user in there (its views check is_staff, its admin says every user
    may change); these are the same views as /admin/rq/, so they get the same check.
    """

    def has_module_permission(self, request):
        return user_may_manage_queues(user=request.user)

    def has_view_permission(self, request, obj=None):
        return user_may_manage_queues(user=request.user)

    def has_change_permission(self, request, obj=None):
        return user_may_manage_queues(user=request.user)

    def get_urls(self):
        patterns = super().get_urls()
        for pattern in patterns:
            pattern.callback = queue_manager_required(pattern.callback)
        return patterns


# django_rq's admin module registers its own (staff-only) entry when RQ_SHOW_ADMIN_LINK is on;
# it comes before this app in INSTALLED_APPS, so it is registered by now.
if admin.site.is_registered(Dashboard):
    admin.site.unregister(Dashboard)
    admin.site.register(Dashboard, QueueDashboardAdmin)

from . import admin_schedules  # noqa: E402,F401  (Schedule and ScheduleRun admins)
from . import admin_records  # noqa: E402,F401  (audit trail and approvals)
