"""Holes a hostile review found after the first fixes: admin actions that only checked "may view",
running an old template version again, imports by users who may not write templates, and test
renders stored where any local user could read them."""
from __future__ import annotations

import io
import json
import os
import stat
import tempfile
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.urls import reverse

from reporting.models import ReportJob
from templates_app.models import DataSource, ReportTemplate, TemplateVersion
from templates_app.sample_render import sample_render_store, template_version_sample_render
from tests.factories import StaticSourceFactory, UserFactory, published_template, small_spec

pytestmark = pytest.mark.django_db


def staff_with(*codenames, username=None):
    user = UserFactory(is_staff=True, **({"username": username} if username else {}))
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def template_with_two_versions():
    source = StaticSourceFactory(name="rows")
    template = published_template(spec=small_spec(source_name=source.name, title="v1"), slug="two-versions")
    v1 = template.published_version
    v2 = TemplateVersion.objects.create(template=template, number=2, spec=small_spec(source_name=source.name,
                                                                                     title="v2"))
    return template, v1, v2


def test_a_view_only_user_cannot_publish_or_roll_back(client, template_with_two_versions):
    template, v1, v2 = template_with_two_versions
    client.force_login(staff_with("view_templateversion", "view_reporttemplate"))
    client.post(reverse("admin:templates_app_templateversion_changelist"),
                {"action": "publish_selected", "_selected_action": [v2.pk]})
    response = client.post(reverse("admin:templates_app_templateversion_publish", args=[v2.pk]))
    assert response.status_code == 404
    template.refresh_from_db()
    assert template.published_version_id == v1.pk


def test_publishing_needs_the_template_change_permission(client, template_with_two_versions):
    template, v1, v2 = template_with_two_versions
    client.force_login(staff_with("view_templateversion", "change_templateversion", "change_reporttemplate"))
    response = client.post(reverse("admin:templates_app_templateversion_changelist"),
                           {"action": "publish_selected", "_selected_action": [v2.pk]})
    client.post(response.url)  # the confirmation page's "Yes, publish"
    template.refresh_from_db()
    assert template.published_version_id == v2.pk


def test_export_needs_the_data_source_view_permission(client, template_with_two_versions):
    template, _, _ = template_with_two_versions
    client.force_login(staff_with("view_reporttemplate"))
    response = client.post(reverse("admin:templates_app_reporttemplate_changelist"),
                           {"action": "export_selected", "_selected_action": [template.pk]})
    assert response.get("Content-Type") != "application/json"
    assert "static_data" not in response.content.decode()
    client.force_login(staff_with("view_reporttemplate", "view_datasource"))
    response = client.post(reverse("admin:templates_app_reporttemplate_changelist"),
                           {"action": "export_selected", "_selected_action": [template.pk]})
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["data_sources"][0]["name"] == "rows"


def test_clearing_a_source_cache_needs_the_change_permission(client):
    source = StaticSourceFactory(name="cached")
    client.force_login(staff_with("view_datasource"))
    response = client.post(reverse("admin:templates_app_datasource_changelist"),
                           {"action": "clear_cache", "_selected_action": [source.pk]}, follow=True)
    assert "Cleared the cache" not in response.content.decode()


def test_a_live_test_render_needs_change_permission_and_the_templates_groups(client, template_with_two_versions):
    _, v1, _ = template_with_two_versions
    client.force_login(staff_with("view_templateversion"))
    url = reverse("admin:templates_app_templateversion_test_render", args=[v1.pk])
    assert client.get(url + "?live=1").status_code == 403
    assert client.get(url).status_code == 200  # from sample data: fine to look at


def test_running_an_old_version_again_is_refused(client, template_with_two_versions,
                                                 django_capture_on_commit_callbacks):
    """Publishing a new version (e.g. one that stops using a sensitive source) ends the old one."""
    template, v1, v2 = template_with_two_versions
    owner = UserFactory()
    job = ReportJob.objects.create(template=template, template_version=v1, requested_by=owner,
                                   status=ReportJob.Status.CANCELLED, formats=["pdf"])
    template.published_version = v2
    template.save()
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reporting:job_retry", args=[job.public_id]))
    assert response.status_code == 403
    assert "version 1 is no longer published" in response.content.decode()
    job.refresh_from_db()
    assert job.status == ReportJob.Status.CANCELLED


def test_an_import_by_a_user_who_may_not_write_templates_is_refused(tmp_path):
    StaticSourceFactory(name="rows")
    bundle = {"format": "qms-report-templates", "format_version": 1, "data_sources": [],
              "templates": [{"slug": "sneaky", "name": "Sneaky", "allowed_groups": [],
                             "spec": small_spec(source_name="rows"), "sample_data": {}}]}
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    UserFactory(username="viewer-only")
    staff_with("view_reporttemplate", username="staff-viewer")
    for username, message in (("viewer-only", "only active staff users may import templates"),
                              ("staff-viewer", "permission to add report templates")):
        err = io.StringIO()
        with pytest.raises(CommandError):
            call_command("import_templates", str(path), "--user", username, stderr=err)
        assert message in err.getvalue()
    assert not ReportTemplate.objects.filter(slug="sneaky").exists()
    assert DataSource.objects.count() == 1


def test_test_renders_are_stored_where_only_this_user_can_read_them(template_with_two_versions):
    """In the private artifact storage (shared by every web host), folders 0700 and files 0600."""
    from django.core.files.storage import storages

    _, v1, _ = template_with_two_versions
    token = sample_render_store(result=template_version_sample_render(version=v1), owner_id=None)
    folder = Path(storages["artifacts"].path(f"sample-renders/{token}"))
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(folder.parent.stat().st_mode) == 0o700
    assert sorted(p.name for p in folder.iterdir()) == ["meta.json", "pdf", "xlsx"]
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert folder.stat().st_uid == os.getuid()
    assert not str(folder).startswith(tempfile.gettempdir() + "/qms-sample-renders")


def test_a_test_render_is_downloadable_only_by_the_user_who_made_it(client, template_with_two_versions):
    _, v1, _ = template_with_two_versions
    maker = staff_with("view_templateversion", username="maker")
    client.force_login(maker)
    page = client.get(reverse("admin:templates_app_templateversion_test_render", args=[v1.pk]))
    assert page.status_code == 200
    token = page.context["downloads"][0][3].split("/test-render/")[1].split("/")[0]
    url = reverse("admin:templates_app_templateversion_test_render_download", args=[token, "pdf"])
    assert client.get(url).status_code == 200
    client.force_login(staff_with("view_templateversion", username="other-staff"))
    assert client.get(url).status_code == 404
