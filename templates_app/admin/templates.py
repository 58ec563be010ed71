"""Report templates in the admin: spec editing with validation, versions, diff, validation report,
export and bundle import. Business actions live in services/bundle/sample_render."""
from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from ..bundle import BundleInvalid, BundleUnreadable, bundle_export, bundle_import, bundle_read
from ..diff import pretty_json, version_diff_html, version_diff_unified
from ..models import ReportTemplate, TemplateVersion
from ..selectors import (
    template_spec_problems,
    template_version_current,
    template_version_latest,
    template_version_problems,
)
from ..services import template_spec_save
from ..validation import sample_data_limit_problems, spec_limit_problems
from .common import json_textarea, limit_errors, parse_json, problems_html, user_may_publish

NEW_SPEC = {"title": "New report", "parameters": [], "sources": [], "processors": [],
            "sections": [{"type": "heading", "text": "New report"}], "outputs": ["pdf", "xlsx"]}


class ReportTemplateAdminForm(forms.ModelForm):
    """The template's fields plus its spec: saving a changed spec records a new version."""

    spec = forms.CharField(widget=json_textarea(30), help_text="The template spec (JSON).")
    sample_data = forms.CharField(widget=json_textarea(8), required=False,
                                  help_text="Sample payload per source name (JSON object), used by the test render "
                                            "and to check data paths.")
    change_note = forms.CharField(max_length=255, required=False, help_text="What changed, for the version history.")
    publish = forms.BooleanField(required=False, initial=False,
                                 help_text="Publish this version now (only a valid spec can be published; "
                                           "untick to save a draft).")

    class Meta:
        model = ReportTemplate
        fields = ("name", "slug", "description", "is_active", "allowed_groups", "job_timeout_s")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.spec_problems: list = []
        latest = template_version_latest(template=self.instance) if self.instance.pk else None
        self.fields["spec"].initial = pretty_json(latest.spec if latest else NEW_SPEC)
        self.fields["sample_data"].initial = pretty_json(latest.sample_data if latest else {})

    def clean_spec(self):
        spec = parse_json(self.cleaned_data["spec"], what="spec")
        errors = limit_errors(spec_limit_problems(spec), what="Spec")
        if errors:
            raise errors
        return spec

    def clean_sample_data(self):
        text = (self.cleaned_data.get("sample_data") or "").strip()
        value = parse_json(text, what="sample data") if text else {}
        if not isinstance(value, dict):
            raise ValidationError("Sample data must be a JSON object: {\"source name\": payload, ...}.",
                                  code="bad_sample_data")
        errors = limit_errors(sample_data_limit_problems(value), what="Sample data")
        if errors:
            raise errors
        return value

    def clean(self):
        cleaned = super().clean()
        if "spec" in cleaned and "sample_data" in cleaned:
            self.spec_problems = template_spec_problems(spec=cleaned["spec"], sample_data=cleaned["sample_data"])
            if self.spec_problems and cleaned.get("publish"):
                # All problems at once, beside the spec.
                self.add_error("spec", [ValidationError(str(p), code=p.code) for p in self.spec_problems])
        return cleaned


class TemplateVersionInline(admin.TabularInline):
    model = TemplateVersion
    fields = ("number", "author", "change_note", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    max_num = 0

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ReportTemplate)
class ReportTemplateAdmin(admin.ModelAdmin):
    form = ReportTemplateAdminForm
    change_list_template = "templates_app/reporttemplate_change_list.html"
    list_display = ("name", "slug", "is_active", "published_version", "updated_at")
    list_filter = ("is_active", "allowed_groups")
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("allowed_groups",)
    readonly_fields = ("published_version", "tools", "validation_report")
    inlines = [TemplateVersionInline]
    actions = ["validate_selected", "export_selected", "test_render_selected"]
    fieldsets = (
        (None, {"fields": ("name", "slug", "description", "is_active", "allowed_groups", "job_timeout_s")}),
        ("Spec", {"fields": ("published_version", "tools", "validation_report", "spec", "sample_data",
                             "change_note", "publish")}),
    )

    # ---- change form

    @admin.display(description="Versions")
    def tools(self, obj):
        if not obj or not obj.pk:
            return "—"
        latest = template_version_latest(template=obj)
        return format_html('<a href="{}">History, diff and rollback</a> · <a href="{}">Test render the latest version</a>',
                           reverse("admin:templates_app_reporttemplate_history_versions", args=[obj.pk]),
                           reverse("admin:templates_app_templateversion_test_render", args=[latest.pk])
                           if latest else "#")

    @admin.display(description="Validation of the latest version")
    def validation_report(self, obj):
        latest = template_version_latest(template=obj) if obj and obj.pk else None
        if latest is None:
            return "—"
        return problems_html(template_version_problems(version=latest))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        data = form.cleaned_data
        try:
            version = template_spec_save(template=form.instance, spec=data["spec"], sample_data=data["sample_data"],
                                         author=request.user, change_note=data.get("change_note", ""),
                                         publish=bool(data.get("publish")))
        except ValidationError as exc:  # the sources changed between the check and the save
            self.message_user(request, f"Not published: {' '.join(exc.messages)}", messages.ERROR)
            return
        if form.spec_problems:
            self.message_user(request, f"Saved v{version.number} as a draft with {len(form.spec_problems)} "
                                       "problem(s); it cannot be published until they are fixed.", messages.WARNING)

    # ---- actions

    @admin.action(description="Validate selected templates (published or latest version)")
    def validate_selected(self, request, queryset):
        rows = []
        for template in queryset:
            version = template_version_current(template=template)
            rows.append({"template": template, "version": version,
                         "problems": template_version_problems(version=version) if version else None})
        return TemplateResponse(request, "templates_app/validation_report.html",
                                {**self.admin_site.each_context(request), "title": "Validation report", "rows": rows,
                                 "opts": self.model._meta})

    @admin.action(description="Export selected templates as a bundle (JSON)", permissions=["export"])
    def export_selected(self, request, queryset):
        response = HttpResponse(json.dumps(bundle_export(templates=queryset), indent=2, ensure_ascii=False),
                                content_type="application/json")
        response["Content-Disposition"] = 'attachment; filename="report-templates.json"'
        return response

    @admin.action(description="Test render the published version (from its sample data)")
    def test_render_selected(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one template to test render.", messages.WARNING)
            return None
        template = queryset.get()
        version = template_version_current(template=template)
        if version is None:
            self.message_user(request, "This template has no version yet.", messages.WARNING)
            return None
        return HttpResponseRedirect(reverse("admin:templates_app_templateversion_test_render", args=[version.pk]))

    # ---- extra views

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/versions/", view(self.history_versions_view), name="templates_app_reporttemplate_history_versions"),
            path("<int:pk>/diff/", view(self.diff_view), name="templates_app_reporttemplate_diff"),
            path("import/", view(self.import_view), name="templates_app_reporttemplate_import"),
        ] + super().get_urls()

    def has_export_permission(self, request) -> bool:
        """A bundle carries the data sources (their SQL, URLs and static data), so those too."""
        return (self.has_view_or_change_permission(request)
                and request.user.has_perm("templates_app.view_datasource"))

    def _template_or_404(self, request, pk) -> ReportTemplate:
        template = get_object_or_404(ReportTemplate, pk=pk)
        if not self.has_view_or_change_permission(request, template):
            raise Http404
        return template

    def history_view(self, request, object_id, extra_context=None):
        # A template's history is its versions (the admin's log has no entries for them).
        template = self._template_or_404(request, object_id)
        return HttpResponseRedirect(reverse("admin:templates_app_reporttemplate_history_versions",
                                            args=[template.pk]))

    def history_versions_view(self, request, pk):
        template = self._template_or_404(request, pk)
        versions = list(template.versions.select_related("author").order_by("-number"))
        for version in versions:  # the Valid column; an invalid version offers no Publish
            version.problems = template_version_problems(version=version)
        return TemplateResponse(request, "templates_app/version_history.html", {
            **self.admin_site.each_context(request), "title": f"Versions of {template.name}",
            "template": template, "versions": versions, "opts": self.model._meta,
            "can_publish": user_may_publish(request.user),
        })

    def diff_view(self, request, pk):
        template = self._template_or_404(request, pk)
        versions = {v.number: v for v in template.versions.all()}
        try:
            old, new = versions[int(request.GET["a"])], versions[int(request.GET["b"])]
        except (KeyError, ValueError):
            raise Http404("Choose two versions of this template.") from None
        if old.number > new.number:
            old, new = new, old
        return TemplateResponse(request, "templates_app/version_diff.html", {
            **self.admin_site.each_context(request), "title": f"{template.name}: v{old.number} → v{new.number}",
            "template": template, "old": old, "new": new, "opts": self.model._meta,
            "diff_table": mark_safe(version_diff_html(old, new)),  # difflib escapes the text it shows
            "unified": "\n".join(version_diff_unified(old, new)),
            "sample_changed": old.sample_data != new.sample_data,
        })

    def import_view(self, request):
        if not self.has_add_permission(request) or not self.has_change_permission(request):
            raise Http404
        problems, error = [], ""
        if request.method == "POST":
            try:
                summary = bundle_import(bundle=bundle_read(upload=request.FILES.get("bundle")), author=request.user)
            except BundleUnreadable as exc:
                error = str(exc)
            except BundleInvalid as exc:
                problems = exc.problems
            else:
                created, updated = summary.templates_created, summary.templates_updated
                self.message_user(request, f"Imported: {len(created)} template(s) created, {len(updated)} updated, "
                                           f"{len(summary.sources_created) + len(summary.sources_updated)} "
                                           "data source(s) written.", messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:templates_app_reporttemplate_changelist"))
        return TemplateResponse(request, "templates_app/import.html", {
            **self.admin_site.each_context(request), "title": "Import a template bundle", "problems": problems,
            "error": error, "opts": self.model._meta,
        }, status=400 if (problems or error) else 200)
