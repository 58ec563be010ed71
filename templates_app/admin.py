"""Admin for data sources and templates: spec editing with validation, versions, diff, rollback,
test render and bundle import/export. Business actions live in services/bundle/sample_render."""
from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from .bundle import BundleInvalid, BundleUnreadable, bundle_export, bundle_import, bundle_read
from .diff import pretty_json, version_diff_html, version_diff_unified
from .models import DataSource, ReportTemplate, TemplateVersion
from .sample_render import sample_render_file, sample_render_store, template_version_sample_render
from .selectors import (
    template_allows_user,
    template_spec_problems, template_version_current, template_version_latest, template_version_problems,
)
from .services import data_source_cache_clear, data_source_save, template_spec_save, template_version_publish
from .validation import JsonRefused, json_parse, sample_data_limit_problems, spec_limit_problems

NEW_SPEC = {"title": "New report", "parameters": [], "sources": [], "processors": [],
            "sections": [{"type": "heading", "text": "New report"}], "outputs": ["pdf", "xlsx"]}


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


def _json_textarea(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "cols": 110, "spellcheck": "false",
                                 "style": "font-family: monospace; font-size: 12px; width: 95%"})


def _parse_json(text: str, *, what: str):
    try:
        return json_parse(text, what=f"The {what}")
    except JsonRefused as exc:  # not JSON, nested too deep for the parser, a number of thousands of digits
        raise ValidationError(str(exc), code=exc.code) from None


def _limit_errors(problems, *, what: str) -> ValidationError | None:
    """Limit problems block even a draft: such a value cannot be stored (NaN breaks the JSON column) or
    would make every later step crash or crawl."""
    if not problems:
        return None
    return ValidationError([ValidationError(f"{what} at {p.pointer or '/'}: {p.message}", code=p.code)
                            for p in problems])


class ReportTemplateAdminForm(forms.ModelForm):
    """The template's fields plus its spec: saving a changed spec records a new version."""

    spec = forms.CharField(widget=_json_textarea(30), help_text="The template spec (JSON).")
    sample_data = forms.CharField(widget=_json_textarea(8), required=False,
                                  help_text="Sample payload per source name (JSON object), used by the test render "
                                            "and to check data paths.")
    change_note = forms.CharField(max_length=255, required=False, help_text="What changed, for the version history.")
    publish = forms.BooleanField(required=False, initial=True,
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
        spec = _parse_json(self.cleaned_data["spec"], what="spec")
        errors = _limit_errors(spec_limit_problems(spec), what="Spec")
        if errors:
            raise errors
        return spec

    def clean_sample_data(self):
        text = (self.cleaned_data.get("sample_data") or "").strip()
        value = _parse_json(text, what="sample data") if text else {}
        if not isinstance(value, dict):
            raise ValidationError("Sample data must be a JSON object: {\"source name\": payload, ...}.",
                                  code="bad_sample_data")
        errors = _limit_errors(sample_data_limit_problems(value), what="Sample data")
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
        return _problems_html(template_version_problems(version=latest))

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

    def history_versions_view(self, request, pk):
        template = self._template_or_404(request, pk)
        versions = list(template.versions.select_related("author").order_by("-number"))
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


def _problems_html(problems) -> str:
    if not problems:
        return mark_safe('<strong style="color:#1a7f37">Valid</strong>')
    items = format_html_join("", "<li><code>{}</code> {} <small>[{}]</small></li>",
                             ((p.pointer or "/", p.message, p.code) for p in problems))
    return format_html('<strong style="color:#b42318">{} problem(s)</strong><ul class="spec-problems">{}</ul>',
                       len(problems), items)


@admin.register(TemplateVersion)
class TemplateVersionAdmin(admin.ModelAdmin):
    list_display = ("template", "number", "is_published", "author", "change_note", "created_at")
    list_filter = ("template",)
    fields = ("template", "number", "author", "change_note", "created_at", "validation_report", "spec_pretty",
              "sample_data_pretty")
    readonly_fields = fields
    actions = ["publish_selected", "compare_selected", "test_render_selected"]

    def has_add_permission(self, request):
        return False  # versions are made by saving a template's spec

    @admin.display(boolean=True, description="Published")
    def is_published(self, obj):
        return obj.template.published_version_id == obj.pk

    @admin.display(description="Spec")
    def spec_pretty(self, obj):
        return format_html("<pre>{}</pre>", pretty_json(obj.spec))

    @admin.display(description="Sample data")
    def sample_data_pretty(self, obj):
        return format_html("<pre style='max-height:20em;overflow:auto'>{}</pre>", pretty_json(obj.sample_data))

    @admin.display(description="Validation")
    def validation_report(self, obj):
        return _problems_html(template_version_problems(version=obj))

    @admin.action(description="Publish the selected version (roll back to it)", permissions=["publish"])
    def publish_selected(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one version to publish.", messages.WARNING)
            return
        _publish(self, request, queryset.get())

    @admin.action(description="Compare the two selected versions")
    def compare_selected(self, request, queryset):
        versions = list(queryset.order_by("number"))
        if len(versions) != 2 or versions[0].template_id != versions[1].template_id:
            self.message_user(request, "Select exactly two versions of the same template.", messages.WARNING)
            return None
        url = reverse("admin:templates_app_reporttemplate_diff", args=[versions[0].template_id])
        return HttpResponseRedirect(f"{url}?a={versions[0].number}&b={versions[1].number}")

    @admin.action(description="Test render the selected version (from its sample data)")
    def test_render_selected(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one version to test render.", messages.WARNING)
            return None
        return HttpResponseRedirect(reverse("admin:templates_app_templateversion_test_render",
                                            args=[queryset.get().pk]))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/publish/", view(require_POST(self.publish_view)),
                 name="templates_app_templateversion_publish"),
            path("<int:pk>/test-render/", view(self.test_render_view), name="templates_app_templateversion_test_render"),
            path("test-render/<str:token>/<str:fmt>/", view(self.test_render_download),
                 name="templates_app_templateversion_test_render_download"),
        ] + super().get_urls()

    def has_publish_permission(self, request, obj=None) -> bool:
        """Publishing changes the template (its published version), so it needs that permission."""
        return user_may_publish(request.user)

    def publish_view(self, request, pk):
        version = get_object_or_404(TemplateVersion.objects.select_related("template"), pk=pk)
        if not self.has_publish_permission(request, version):
            raise Http404
        _publish(self, request, version)
        return HttpResponseRedirect(reverse("admin:templates_app_reporttemplate_history_versions",
                                            args=[version.template_id]))

    def test_render_view(self, request, pk):
        version = get_object_or_404(TemplateVersion.objects.select_related("template"), pk=pk)
        if not self.has_view_or_change_permission(request, version):
            raise Http404
        live = request.GET.get("live") == "1"
        if live and not user_may_render_live(request.user, version.template):
            raise PermissionDenied("A test render from the live sources needs permission to change this template "
                                   "and to run it (its groups).")
        result = template_version_sample_render(version=version, live=live)
        token = sample_render_store(result=result)
        downloads = [(f.fmt.upper(), f.filename, len(f.content),
                      reverse("admin:templates_app_templateversion_test_render_download", args=[token, f.fmt]))
                     for f in result.files.values()]
        return TemplateResponse(request, "templates_app/test_render.html", {
            **self.admin_site.each_context(request), "title": f"Test render of {version}", "version": version,
            "result": result, "downloads": downloads, "problems_html": _problems_html(result.problems),
            "opts": self.model._meta,
        })

    def test_render_download(self, request, token, fmt):
        found = sample_render_file(token=token, fmt=fmt)
        if found is None:
            raise Http404("This test render has expired; render again.")
        file_path, filename, content_type = found
        return FileResponse(open(file_path, "rb"), as_attachment=True, filename=filename, content_type=content_type)


def user_may_publish(user) -> bool:
    return user.has_perm("templates_app.change_reporttemplate")


def user_may_render_live(user, template: ReportTemplate) -> bool:
    return user_may_publish(user) and template_allows_user(template=template, user=user)


def _publish(model_admin, request, version: TemplateVersion) -> None:
    try:
        template_version_publish(version=version)
    except ValidationError as exc:
        model_admin.message_user(request, f"v{version.number} cannot be published: {' '.join(exc.messages)}",
                                 messages.ERROR)
    else:
        model_admin.message_user(request, f"{version.template.name}: v{version.number} is now published.",
                                 messages.SUCCESS)
