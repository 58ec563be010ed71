"""Template versions in the admin: publish (roll back), compare, test render and its downloads."""
from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods

from reporting.downloads import stored_file_response

from ..diff import pretty_json
from ..models import TemplateVersion
from ..sample_render import sample_render_file, sample_render_store, template_version_sample_render
from ..selectors import template_version_problems
from .common import problems_html, publish, user_may_publish, user_may_render_live


@admin.register(TemplateVersion)
class TemplateVersionAdmin(admin.ModelAdmin):
    list_display = ("template", "number", "is_valid", "is_published", "author", "change_note", "created_at")
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

    @admin.display(boolean=True, description="Valid")
    def is_valid(self, obj):
        return not template_version_problems(version=obj)

    @admin.display(description="Spec")
    def spec_pretty(self, obj):
        return format_html("<pre>{}</pre>", pretty_json(obj.spec))

    @admin.display(description="Sample data")
    def sample_data_pretty(self, obj):
        return format_html("<pre style='max-height:20em;overflow:auto'>{}</pre>", pretty_json(obj.sample_data))

    @admin.display(description="Validation")
    def validation_report(self, obj):
        return problems_html(template_version_problems(version=obj))

    @admin.action(description="Publish the selected version (roll back to it)", permissions=["publish"])
    def publish_selected(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one version to publish.", messages.WARNING)
            return None
        # Publishing changes what every run uses: it is confirmed on its own page first.
        return HttpResponseRedirect(reverse("admin:templates_app_templateversion_publish", args=[queryset.get().pk]))

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
            path("<int:pk>/publish/", view(require_http_methods(["GET", "POST"])(self.publish_view)),
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
        if request.method == "GET":  # the confirmation page: what changes, and whether it can
            template = version.template
            current = template.published_version
            return TemplateResponse(request, "templates_app/publish_confirm.html", {
                **self.admin_site.each_context(request), "opts": self.model._meta, "template": template,
                "title": f"Publish v{version.number} of {template.name}?", "version": version, "current": current,
                "rolls_back": bool(current and version.number < current.number),
                "problems_html": problems_html(template_version_problems(version=version)),
                "is_valid": not template_version_problems(version=version),
            })
        publish(self, request, version)
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
        token = sample_render_store(result=result, owner_id=request.user.pk)
        downloads = [(f.fmt.upper(), f.filename, len(f.content),
                      reverse("admin:templates_app_templateversion_test_render_download", args=[token, f.fmt]))
                     for f in result.files.values()]
        return TemplateResponse(request, "templates_app/test_render.html", {
            **self.admin_site.each_context(request), "title": f"Test render of {version}", "version": version,
            "result": result, "downloads": downloads, "problems_html": problems_html(result.problems),
            "opts": self.model._meta,
        })

    def test_render_download(self, request, token, fmt):
        found = sample_render_file(token=token, fmt=fmt, user_id=request.user.pk)
        if found is None:
            raise Http404("This test render has expired; render again.")
        return stored_file_response(storage=found.storage, name=found.name, filename=found.filename,
                                    content_type=found.content_type)
