from django.contrib import admin

from .models import ReportArtifact, ReportJob


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
