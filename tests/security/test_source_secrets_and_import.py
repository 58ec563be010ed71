"""Findings 3 and 4: template-only staff created data sources through the bundle import, and any
environment variable could be sent to a source (and echoed back into the report)."""
from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from reporting.models import ReportJob
from reporting.services import job_run
from reporting.services import job_create
from templates_app.bundle import BundleInvalid, bundle_import
from templates_app.models import DataSource, ReportTemplate
from tests.factories import UserFactory, published_template
from tests.local_http import local_api

pytestmark = pytest.mark.django_db

SECRET = "s3cret-key-that-must-never-leave-0451"


def echo_spec(source_name: str) -> dict:
    return {"title": "Echo", "parameters": [], "sources": [{"source": source_name, "required": True}],
            "processors": [], "outputs": ["pdf"],
            "sections": [{"type": "table", "title": "Rows", "data": f"{source_name}.rows",
                          "columns": [{"field": "name", "label": "Name"}]}]}


def bundle_with_source(**source_fields) -> dict:
    source = {"name": "hashes", "kind": "sql", "sql": "SELECT username, password FROM auth_user",
              "database_alias": "default", **source_fields}
    return {"format": "qms-report-templates", "format_version": 1, "data_sources": [source],
            "templates": [{"slug": "innocent", "name": "Innocent", "allowed_groups": [],
                           "spec": echo_spec(source["name"]), "sample_data": {}}]}


@pytest.fixture
def template_author():
    """Staff with every template permission and none on data sources."""
    user = UserFactory(username="author", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="templates_app",
                                                        content_type__model__in=["reporttemplate", "templateversion"]))
    return user


# ----------------------------------------------------------------------------- finding 4


@pytest.mark.parametrize("variable", ["DJANGO_SECRET_KEY", "DATABASE_URL", "EMAIL_URL", "REDIS_URL"])
def test_a_header_naming_a_variable_outside_the_allow_list_is_refused_on_save(variable):
    source = DataSource(name="echo", kind="http", base_url="http://127.0.0.1:1", endpoint="/echo",
                        headers={"X-Leak": f"${{env:{variable}}}"})
    with pytest.raises(ValidationError) as caught:
        source.full_clean(exclude=["version"])
    error = caught.value.error_dict["headers"][0]
    assert error.code == "secret_not_allowed"
    assert f"${{env:{variable}}} is not an allowed secret" in error.messages[0]
    assert "REPORTING_SOURCE_SECRET_ENV" in error.messages[0]


def test_an_allow_listed_secret_is_accepted(settings):
    settings.REPORTING_SOURCE_SECRET_ENV = ["ANALYTICS_TOKEN"]
    DataSource(name="ok", kind="http", base_url="http://127.0.0.1:1", endpoint="/x",
               headers={"Authorization": "Bearer ${env:ANALYTICS_TOKEN}"}).full_clean(exclude=["version"])


def test_a_stored_source_with_such_a_header_never_sends_the_value(monkeypatch, settings):
    monkeypatch.setenv("DJANGO_SECRET_KEY", SECRET)
    settings.REPORTING_SOURCE_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.REPORTING_SOURCE_ALLOW_PRIVATE_HOSTS = ["127.0.0.1"]
    with local_api() as api:
        api.add("/echo", {"rows": [{"name": "echoed"}]})
        # Saved without validation, as a row from before the allow-list would be.
        DataSource.objects.create(name="echo", kind="http", base_url=api.base_url, endpoint="/echo", cache_ttl_s=0,
                                  headers={"X-Leak": "${env:DJANGO_SECRET_KEY}"})
        template = published_template(spec=echo_spec("echo"))
        job = job_run(job=job_create(template=template, user=UserFactory(), parameters={}))
        assert api.hits["/echo"] == 0
        assert all(SECRET not in json.dumps(headers) for headers in api.seen_headers)
    assert job.status == ReportJob.Status.FAILED
    assert "${env:DJANGO_SECRET_KEY} is not an allowed secret" in job.error_message
    assert SECRET not in job.error_message + json.dumps(job.source_stats)


def test_a_bundle_with_such_a_header_is_refused_with_a_pointer_and_code(settings):
    settings.REPORTING_SQL_DATABASES = {}
    bundle = bundle_with_source(name="echo", kind="http", base_url="http://127.0.0.1:1", endpoint="/echo",
                                sql="", database_alias="", headers={"X-Leak": "${env:DJANGO_SECRET_KEY}"})
    with pytest.raises(BundleInvalid) as caught:
        bundle_import(bundle=bundle, as_operator=True)
    assert [(p.pointer, p.code) for p in caught.value.problems if p.code == "secret_not_allowed"] == [
        ("/data_sources/0/headers", "secret_not_allowed")]
    assert not DataSource.objects.filter(name="echo").exists()


def test_validation_of_a_template_names_a_misconfigured_source():
    from templates_app.selectors import template_spec_problems

    DataSource.objects.create(name="echo", kind="http", base_url="http://127.0.0.1:1", endpoint="/echo",
                              headers={"X-Leak": "${env:DJANGO_SECRET_KEY}"})
    problems = template_spec_problems(spec=echo_spec("echo"))
    assert [(p.pointer, p.code) for p in problems] == [("/sources/0/source", "source_misconfigured")]
    assert "is not an allowed secret" in problems[0].message


# ----------------------------------------------------------------------------- finding 3


def test_template_only_staff_cannot_create_a_source_through_the_admin_import(client, template_author):
    client.force_login(template_author)
    upload = io.BytesIO(json.dumps(bundle_with_source()).encode())
    upload.name = "bundle.json"
    response = client.post(reverse("admin:templates_app_reporttemplate_import"), {"bundle": upload})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Data source &#x27;hashes&#x27; would be created, but you do not have permission to add data sources" in page
    assert not DataSource.objects.exists()
    assert not ReportTemplate.objects.filter(slug="innocent").exists()


def test_template_only_staff_cannot_change_an_existing_source_through_an_import(template_author):
    DataSource.objects.create(name="hashes", kind="static", static_data={"rows": []})
    with pytest.raises(BundleInvalid) as caught:
        bundle_import(bundle=bundle_with_source(), author=template_author)
    assert [(p.pointer, p.code) for p in caught.value.problems] == [("/data_sources/0", "permission_denied")]
    source = DataSource.objects.get(name="hashes")
    assert (source.kind, source.sql) == ("static", "")


def test_an_unchanged_source_in_a_bundle_needs_no_source_permission(template_author):
    DataSource.objects.create(name="rows", kind="static", static_data={"rows": [{"name": "a"}]})
    bundle = bundle_with_source(name="rows", kind="static", static_data={"rows": [{"name": "a"}]}, sql="",
                                database_alias="")
    summary = bundle_import(bundle=bundle, author=template_author)
    assert summary.templates_created == ["innocent"]


def test_with_the_permission_the_import_still_refuses_the_app_database(template_author):
    template_author.user_permissions.add(*Permission.objects.filter(codename__in=["add_datasource",
                                                                                  "change_datasource"]))
    template_author = type(template_author).objects.get(pk=template_author.pk)  # fresh permission cache
    with pytest.raises(BundleInvalid) as caught:
        bundle_import(bundle=bundle_with_source(), author=template_author)
    assert ("/data_sources/0/database_alias", "sql_connection_not_allowed") in [
        (p.pointer, p.code) for p in caught.value.problems]
    assert not DataSource.objects.exists()


def test_import_command_applies_the_named_users_permissions(tmp_path, template_author):
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle_with_source(kind="static", static_data={"rows": []}, sql="",
                                                  database_alias="")))
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_templates", str(path), "--user", "author", stderr=err)
    assert "Importing with the permissions of user 'author'" in err.getvalue()
    assert "permission to add data sources" in err.getvalue()
    assert not DataSource.objects.exists()
    err = io.StringIO()
    call_command("import_templates", str(path), stdout=io.StringIO(), stderr=err)
    assert "server operator's full rights" in err.getvalue()
    assert DataSource.objects.filter(name="hashes").exists()


@pytest.mark.parametrize(("fields", "message"), [
    ({"kind": "sql", "sql": "SELECT password FROM auth_user", "database_alias": "default"},
     "is the application&#x27;s own database"),
    ({"kind": "http", "base_url": "http://127.0.0.1:1", "endpoint": "/echo",
      "headers": '{"X-Leak": "${env:DJANGO_SECRET_KEY}"}'}, "is not an allowed secret"),
])
def test_the_admin_form_refuses_what_the_rules_forbid(client, fields, message):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    form = {"name": "attack", "description": "", "kind": "http", "is_active": "on", "base_url": "", "endpoint": "",
            "method": "GET", "query_params": "{}", "body": "null", "headers": "{}", "response_path": "",
            "connect_timeout_s": "3", "read_timeout_s": "10", "max_attempts": "3", "cache_ttl_s": "0",
            "database_alias": "", "sql": "", "row_limit": "100", "static_data": "null", **fields}
    response = client.post(reverse("admin:templates_app_datasource_add"), form)
    assert response.status_code == 200  # the form again, with the error beside the field
    assert message in response.content.decode()
    assert not DataSource.objects.filter(name="attack").exists()
