from django.contrib import admin

from .models import DataSource, ReportTemplate, TemplateVersion
from .services import data_source_save


@admin.register(DataSource)
class DataSourceAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "is_active", "base_url", "endpoint", "cache_ttl_s", "version", "updated_at")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "description", "base_url", "endpoint")
    readonly_fields = ("version", "created_at", "updated_at")

    def save_model(self, request, obj, form, change):
        data_source_save(source=obj)


class TemplateVersionInline(admin.TabularInline):
    model = TemplateVersion
    fields = ("number", "author", "change_note", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ReportTemplate)
class ReportTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "is_active", "published_version", "updated_at")
    list_filter = ("is_active", "allowed_groups")
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("allowed_groups",)
    inlines = [TemplateVersionInline]


@admin.register(TemplateVersion)
class TemplateVersionAdmin(admin.ModelAdmin):
    list_display = ("template", "number", "author", "change_note", "created_at")
    list_filter = ("template",)
    readonly_fields = ("created_at",)
