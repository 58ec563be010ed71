from django.contrib import admin
from django_rq.admin import QueueAdmin
from django_rq.models import Dashboard

from .models import ReportArtifact, ReportJob
from .selectors import user_may_manage_queues
from .views import queue_manager_required


class ReportArtifactInline(admin.TabularInline):
    model = ReportArtifact
    fields = ("format", "size", "sha256", "created_at")
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
    readonly_fields = [f.name for f in ReportJob._meta.fields]
    inlines = [ReportArtifactInline]

    def has_add_permission(self, request):
        return False


@admin.register(ReportArtifact)
class ReportArtifactAdmin(admin.ModelAdmin):
    list_display = ("job", "format", "size", "sha256", "created_at")
    list_filter = ("format",)
    readonly_fields = ("job", "format", "file", "content_type", "size", "sha256", "created_at")


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
