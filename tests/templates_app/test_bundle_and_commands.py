"""Import/export bundles (all-or-nothing), group restrictions, and the validate_templates command."""
import copy
import json

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from templates_app.bundle import BundleInvalid, bundle_export, bundle_import
from templates_app.models import DataSource, ReportTemplate, TemplateVersion
from templates_app.services import template_version_create


def snapshot():
    return (sorted(DataSource.objects.values_list("name", "version", "endpoint")),
            sorted(ReportTemplate.objects.values_list("slug", "name", "published_version")),
            TemplateVersion.objects.count(), sorted(Group.objects.values_list("name", flat=True)))


def wipe():
    from reporting.models import ReportJob

    ReportJob.objects.all().delete()
    ReportTemplate.objects.update(published_version=None)
    TemplateVersion.objects.all().delete()
    ReportTemplate.objects.all().delete()
    DataSource.objects.all().delete()
    Group.objects.all().delete()


def test_export_then_import_into_an_empty_database_round_trips(demo, tmp_path):
    demo.allowed_groups.add(Group.objects.create(name="Quality team"))
    out = tmp_path / "bundle.json"
    call_command("export_templates", "--output", str(out))
    exported = json.loads(out.read_text())
    assert [t["slug"] for t in exported["templates"]] == ["monthly-quality", "training-compliance"]
    assert {s["name"] for s in exported["data_sources"]} == {"quality_metrics", "training_metrics",
                                                             "document_metrics", "department_data"}
    assert exported["templates"][0]["allowed_groups"] == ["Quality team"]
    wipe()
    call_command("import_templates", str(out))
    again = bundle_export(templates=ReportTemplate.objects.all())
    for before, after in zip(exported["templates"], again["templates"]):
        assert after["spec"] == before["spec"]
        assert after["sample_data"] == before["sample_data"]
        assert after["allowed_groups"] == before["allowed_groups"]
    assert again["data_sources"] == exported["data_sources"]


def test_import_updates_existing_templates_with_a_new_published_version(demo):
    bundle = bundle_export(templates=[demo])
    bundle["templates"][0]["spec"]["title"] = "Imported title"
    summary = bundle_import(bundle=bundle, as_operator=True)
    demo.refresh_from_db()
    assert summary.templates_updated == ["monthly-quality"]
    assert (demo.published_version.number, demo.published_version.spec["title"]) == (2, "Imported title")
    assert demo.published_version.change_note == "Imported from bundle (exported as v1)"


def test_an_invalid_part_means_nothing_is_imported(demo):
    bundle = bundle_export(templates=ReportTemplate.objects.all())
    bundle["data_sources"][0]["endpoint"] = "/changed/"
    bundle["templates"][0]["spec"]["title"] = "Would change"
    bundle["templates"][1]["spec"]["sections"][2]["y"] = ["nope"]
    before = snapshot()
    with pytest.raises(BundleInvalid) as exc:
        bundle_import(bundle=bundle, as_operator=True)
    assert [(p.pointer, p.code) for p in exc.value.problems] == [("/templates/1/spec/sections/2/y/0", "unknown_field")]
    assert snapshot() == before


def test_a_failure_half_way_through_writing_changes_nothing(demo, monkeypatch):
    bundle = bundle_export(templates=ReportTemplate.objects.all())
    for entry in bundle["templates"]:
        entry["spec"]["title"] += " (new)"
        entry["allowed_groups"] = ["Auditors"]
    bundle["data_sources"][0]["endpoint"] = "/changed/"
    before = snapshot()
    import templates_app.bundle as bundle_module

    real_publish, calls = bundle_module.template_version_publish, []

    def publish_then_fail(*, version):
        calls.append(version)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real_publish(version=version)

    monkeypatch.setattr(bundle_module, "template_version_publish", publish_then_fail)
    with pytest.raises(RuntimeError):
        bundle_import(bundle=bundle, as_operator=True)
    assert len(calls) == 2  # the first template was written before the failure...
    assert snapshot() == before  # ...and rolled back with everything else


@pytest.mark.parametrize("mutate, pointer, code", [
    (lambda b: b.update(format="zip"), "/format", "not_a_bundle"),
    (lambda b: b["data_sources"][0].update(kind="ftp"), "/data_sources/0/kind", "invalid_source_field"),
    (lambda b: b["data_sources"][0].update(password="x"), "/data_sources/0/password", "unknown_key"),
    (lambda b: b["templates"].append(copy.deepcopy(b["templates"][0])), "/templates/2/slug", "duplicate_name"),
    (lambda b: b["templates"][0].update(allowed_groups="staff"), "/templates/0/allowed_groups", "wrong_type"),
    (lambda b: b["templates"][0]["spec"]["sources"].append({"source": "elsewhere"}),
     "/templates/0/spec/sources/4/source", "unknown_source"),
])
def test_bundle_problems_have_pointers_into_the_bundle(demo, mutate, pointer, code):
    bundle = bundle_export(templates=ReportTemplate.objects.all())
    mutate(bundle)
    with pytest.raises(BundleInvalid) as exc:
        bundle_import(bundle=bundle, as_operator=True)
    assert (pointer, code) in {(p.pointer, p.code) for p in exc.value.problems}


def test_a_template_may_use_a_source_that_arrives_in_the_same_bundle(demo):
    bundle = bundle_export(templates=[demo])
    bundle["data_sources"].append({"name": "audits", "kind": "static", "static_data": {"rows": []}})
    bundle["templates"][0]["spec"]["sources"].append({"source": "audits", "required": False})
    bundle_import(bundle=bundle, as_operator=True)
    assert DataSource.objects.filter(name="audits").exists()


def test_import_command_prints_problems_and_fails(demo, tmp_path, capsys):
    path = tmp_path / "bad.json"
    bundle = bundle_export(templates=[demo])
    bundle["templates"][0]["spec"]["processors"] = ["qms.unknown"]
    path.write_text(json.dumps(bundle))
    with pytest.raises(CommandError, match="Nothing was imported: 1 problem"):
        call_command("import_templates", str(path))
    assert "/templates/0/spec/processors/0" in capsys.readouterr().err
    (tmp_path / "broken.json").write_text("{")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("import_templates", str(tmp_path / "broken.json"))


def test_admin_export_action_and_import_view(client, demo):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="demo"))
    response = client.post(reverse("admin:templates_app_reporttemplate_changelist"),
                           {"action": "export_selected", "_selected_action": [demo.pk]})
    bundle = json.loads(response.content)
    assert [t["slug"] for t in bundle["templates"]] == ["monthly-quality"]
    bundle["templates"][0]["spec"]["title"] = "Via the admin"
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("admin:templates_app_reporttemplate_import")
    upload = SimpleUploadedFile("b.json", json.dumps(bundle).encode(), "application/json")
    assert client.post(url, {"bundle": upload}).status_code == 302
    demo.refresh_from_db()
    assert demo.published_version.spec["title"] == "Via the admin"
    bundle["templates"][0]["spec"]["sections"] = []
    upload = SimpleUploadedFile("b.json", json.dumps(bundle).encode(), "application/json")
    response = client.post(url, {"bundle": upload})
    assert response.status_code == 400 and "/templates/0/spec/sections" in response.content.decode()


# ---- group restrictions

def test_group_restricted_template_is_invisible_and_unrunnable_for_others(demo, client, user, other_user):
    auditors = Group.objects.create(name="Auditors")
    demo.allowed_groups.add(auditors)
    user.groups.add(auditors)
    run_url = reverse("reporting:run", args=[demo.slug])

    client.force_login(other_user)
    assert "Monthly quality report" not in client.get(reverse("reporting:catalog")).content.decode()
    assert client.get(run_url).status_code == 404
    assert client.post(run_url, {"period_preset": "last_month", "department": "All"}).status_code == 404

    client.force_login(user)
    assert "Monthly quality report" in client.get(reverse("reporting:catalog")).content.decode()
    assert client.get(run_url).status_code == 200


# ---- validate_templates

def test_validate_templates_all_valid(demo, capsys):
    call_command("validate_templates")
    out = capsys.readouterr().out
    assert "monthly-quality v1: sample render ok (pdf" in out
    assert "2 of 2 template(s) valid." in out


def test_validate_templates_prints_one_problem_per_line_and_exits_1(demo, capsys):
    spec = copy.deepcopy(demo.published_version.spec)
    spec["sections"][10]["y"] = ["quality_score", "nope"]
    spec["title"] = ""
    demo.published_version = template_version_create(template=demo, spec=spec)
    demo.save()
    with pytest.raises(SystemExit) as exc:
        call_command("validate_templates", "monthly-quality", "--no-render")
    assert exc.value.code == 1
    lines = capsys.readouterr().out.splitlines()
    assert "monthly-quality v2: /title: The \"title\" must not be empty. [empty_text]" in lines
    assert any(line.startswith("monthly-quality v2: /sections/10/y/1: The y field 'nope'") for line in lines)
    assert "monthly-quality v2: INVALID" in lines


def test_validate_templates_catches_a_template_that_validates_but_fails_to_render(demo, capsys, monkeypatch):
    from reporting.pipeline.rendering import xlsx

    def explode(self, context, out):
        raise ValueError("chart anchor out of range")

    monkeypatch.setattr(xlsx.XlsxRenderer, "render", explode)
    with pytest.raises(SystemExit):
        call_command("validate_templates", "training-compliance")
    out = capsys.readouterr().out
    assert "training-compliance v1: sample render: Rendering XLSX failed: ValueError: chart anchor out of range" in out


def test_validate_templates_unknown_slug(demo):
    with pytest.raises(CommandError, match="No template called: nope"):
        call_command("validate_templates", "nope")


def test_validate_templates_seed_demo_as_make_test_runs_it():
    """The Makefile line: a separate process, a throw-away database, the demo templates validated and rendered."""
    import subprocess
    import sys

    from tests.conftest import REPO_ROOT

    result = subprocess.run([sys.executable, "manage.py", "validate_templates", "--seed-demo",
                             "--settings=config.settings.test"], cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "monthly-quality v1: sample render ok (pdf" in result.stdout
    assert "2 of 2 template(s) valid." in result.stdout


def test_export_templates_unknown_slug(demo):
    with pytest.raises(CommandError, match="No template called: nope, zilch"):
        call_command("export_templates", "zilch", "training-compliance", "nope")


def test_bundle_read_says_what_is_wrong_with_the_file():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from templates_app.bundle import BundleUnreadable, bundle_read

    assert bundle_read(upload=SimpleUploadedFile("b.json", b'{"format": "x"}')) == {"format": "x"}
    with pytest.raises(BundleUnreadable, match="^Choose a bundle file.$"):
        bundle_read(upload=None)
    with pytest.raises(BundleUnreadable, match="^The file is not valid JSON: "):
        bundle_read(upload=SimpleUploadedFile("b.json", b"{"))
    with pytest.raises(BundleUnreadable, match="^The file is not valid JSON: "):
        bundle_read(upload=SimpleUploadedFile("b.json", b"\xff\xfe{}"))


def test_admin_import_view_without_a_file_or_with_broken_json_imports_nothing(client, demo):
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(get_user_model().objects.get(username="demo"))
    url = reverse("admin:templates_app_reporttemplate_import")
    versions = TemplateVersion.objects.count()
    response = client.post(url, {})
    assert response.status_code == 400 and "Choose a bundle file." in response.content.decode()
    response = client.post(url, {"bundle": SimpleUploadedFile("b.json", b"{", "application/json")})
    assert response.status_code == 400 and "The file is not valid JSON" in response.content.decode()
    assert TemplateVersion.objects.count() == versions


def test_the_current_version_is_the_published_one_else_the_latest(demo):
    from templates_app.selectors import template_version_current

    published = demo.published_version
    spec = copy.deepcopy(published.spec)
    spec["title"] = "A draft"
    draft = template_version_create(template=demo, spec=spec)
    assert draft.number > published.number
    assert template_version_current(template=demo) == published
    demo.published_version = None
    assert template_version_current(template=demo) == draft
    assert template_version_current(template=ReportTemplate.objects.create(slug="empty", name="Empty")) is None
