"""Data sources in the admin: the model form (DataSource.clean checks what a source may reach)."""
from __future__ import annotations

from django.contrib import admin

from ..models import DataSource
from ..services import data_source_cache_clear, data_source_save


@admin.register(DataSource)
class DataSourceAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "is_active", "base_url", "endpoint", "cache_ttl_s", "version", "updated_at")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "description", "base_url", "endpoint")
    readonly_fields = ("version", "created_at", "updated_at")
    actions = ["clear_cache"]

    def save_model(self, request, obj, form, change):
        data_source_save(source=obj)

    @admin.action(description="Clear cached responses of the selected sources", permissions=["change"])
    def clear_cache(self, request, queryset):
        names = [data_source_cache_clear(source=source) for source in queryset]
        self.message_user(request, f"Cleared the cache of {len(names)} source(s): {', '.join(names)}.")
