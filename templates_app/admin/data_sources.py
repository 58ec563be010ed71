"""Data sources in the admin: the model form (DataSource.clean checks what a source may reach),
only the fields of the source's kind, and "Test connection" (one uncached run with sample parameters)."""
from __future__ import annotations

from django.contrib import admin
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from ..models import DataSource
from ..services import data_source_cache_clear, data_source_delete, data_source_save
from ..source_test import data_source_test

# Shown for every kind; the kind's own fields are in its fieldset (static/js/datasource_kind.js
# hides the other kinds' fieldsets, and shows them again when the kind is changed).
_KIND_FIELDS = {
    DataSource.Kind.HTTP: ("base_url", "endpoint", "method", "query_params", "body", "headers", "response_path",
                           "connect_timeout_s", "read_timeout_s", "max_attempts"),
    DataSource.Kind.SQL: ("database_alias", "sql", "row_limit"),
    DataSource.Kind.STATIC: ("static_data",),
}


@admin.register(DataSource)
class DataSourceAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "is_active", "base_url", "endpoint", "cache_ttl_s", "version", "updated_at")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "description", "base_url", "endpoint")
    readonly_fields = ("version", "created_at", "updated_at", "test_connection")
    actions = ["clear_cache"]

    class Media:
        js = ("js/datasource_kind.js",)

    def get_fieldsets(self, request, obj=None):
        common = ("name", "description", "kind", "is_active", "cache_ttl_s")
        sets = [(None, {"fields": common + (("test_connection",) if obj else ())})]
        for kind, fields in _KIND_FIELDS.items():
            sets.append((f"{kind.label} source", {"fields": fields, "classes": ("kind-fields", f"kind-{kind.value}")}))
        sets.append(("Record", {"fields": ("version", "created_at", "updated_at")}))
        return sets

    @admin.display(description="Connection")
    def test_connection(self, obj):
        if not obj or not obj.pk:
            return "Save the source first."
        url = reverse("admin:templates_app_datasource_test", args=[obj.pk])
        return format_html('<a class="button" href="{}">Test connection</a> opens a page to run it once with '
                           'sample parameters (no cache).', url)

    def get_urls(self):
        return [path("<int:pk>/test/", self.admin_site.admin_view(self.test_view), name="templates_app_datasource_test"),
                *super().get_urls()]

    def test_view(self, request, pk):
        source = get_object_or_404(DataSource, pk=pk)
        # Running a source reads live data: those who may change sources only.
        if not self.has_change_permission(request, source):
            raise Http404
        # The outbound request runs on POST only (the admin checks its CSRF token): a GET, e.g. a link
        # or an <img> on another page a staff member opens, never makes the server fetch anything.
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        result = data_source_test(source=source) if request.method == "POST" else None
        return TemplateResponse(request, "templates_app/source_test.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "source": source,
            "title": f"Test connection: {source.name}", "result": result,
        })

    def save_model(self, request, obj, form, change):
        data_source_save(source=obj)

    # Both delete paths (the delete view and the "delete selected" action) go through the service,
    # which puts the deletion on the audit trail.
    def delete_model(self, request, obj):
        data_source_delete(source=obj)

    def delete_queryset(self, request, queryset):
        for source in queryset:
            data_source_delete(source=source)

    @admin.action(description="Clear cached responses of the selected sources", permissions=["change"])
    def clear_cache(self, request, queryset):
        names = [data_source_cache_clear(source=source) for source in queryset]
        self.message_user(request, f"Cleared the cache of {len(names)} source(s): {', '.join(names)}.")
