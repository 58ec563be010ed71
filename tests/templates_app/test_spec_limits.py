"""Limits on specs (size, depth, text length, finite numbers, storable characters): refused with a
pointer, a code and a message naming the setting on save (admin), import (bundle and command),
validation and run; never a traceback, an IntegrityError or a half-saved import."""
import copy
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from reporting.models import ReportJob
from reporting.services import job_create, job_run
from templates_app.bundle import BundleInvalid, BundleUnreadable, bundle_export, bundle_import, bundle_read
from templates_app.models import DataSource, TemplateVersion
from templates_app.validation import validate_spec
from tests.factories import StaticSourceFactory, published_template, small_spec
from tests.templates_app.test_versioning_admin import change_form

MB = 1024 * 1024


def codes(problems):
    return [(p.pointer, p.code) for p in problems]


def compact_size(value):
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


def nested(depth, leaf=1):
    """A value inside ``depth`` objects: nested(2) == {"a": {"a": 1}}."""
    value = leaf
    for _ in range(depth):
        value = {"a": value}
    return value


def text_spec(text="Hello", title="Report"):
    return {"title": title, "sections": [{"type": "text", "text": text}], "outputs": ["pdf"]}


@pytest.fixture
def bundle(demo):
    """The demo's monthly template exported; every test changes one thing in it."""
    return bundle_export(templates=[demo])


def import_file(tmp_path, text):
    path = tmp_path / "bundle.json"
    path.write_text(text)
    return path


def versions():
    return TemplateVersion.objects.count()


# ---- depth


@pytest.mark.parametrize("depth", [5_000, 100_000])
def test_import_command_refuses_a_file_nested_too_deep_for_the_parser_with_a_clear_error(demo, bundle, tmp_path,
                                                                                        depth):
    bundle["templates"][0]["spec"]["sources"][0]["params"] = {"deep": "DEEP"}
    text = json.dumps(bundle).replace('"DEEP"', "[" * depth + "]" * depth)
    before = versions()
    with pytest.raises(CommandError) as caught:
        call_command("import_templates", str(import_file(tmp_path, text)))
    assert str(caught.value).endswith("bundle.json is nested deeper than 50 levels (REPORTING_SPEC_MAX_DEPTH).")
    assert versions() == before


def test_import_command_names_where_a_spec_is_nested_too_deep(demo, bundle, tmp_path, capsys):
    # 51 levels parse fine but break the limit: the problem points at the level that breaks it.
    bundle["templates"][0]["spec"]["sources"][0]["params"] = {"deep": nested(49)}
    before = versions()
    with pytest.raises(CommandError, match=r"^Nothing was imported: 1 problem\(s\)"):
        call_command("import_templates", str(import_file(tmp_path, json.dumps(bundle))))
    err = capsys.readouterr().err
    assert ("/templates/0/spec/sources/0/params/deep" + "/a" * 46 + ": Template 'monthly-quality': The spec is nested "
            "deeper than 50 levels here (REPORTING_SPEC_MAX_DEPTH). [too_deep]") in err
    assert versions() == before


def test_validate_spec_refuses_deep_nesting_with_a_pointer_and_checks_nothing_else():
    for depth in (47, 100_000):  # params is the 4th level: 47 more objects in it make 51
        spec = {**text_spec(), "sources": [{"source": "s", "params": {"x": nested(depth)}}]}
        problems = validate_spec(spec, known_sources={"s"})
        assert codes(problems) == [("/sources/0/params/x" + "/a" * 46, "too_deep")]
        assert problems[0].message == "The spec is nested deeper than 50 levels here (REPORTING_SPEC_MAX_DEPTH)."
    at_the_limit = {**text_spec(), "sources": [{"source": "s", "params": {"x": nested(46)}}]}  # 50 levels
    assert validate_spec(at_the_limit, known_sources={"s"}) == []


def test_depth_limit_is_a_setting(settings):
    settings.REPORTING_SPEC_MAX_DEPTH = 4
    spec = {**text_spec(), "sources": [{"source": "s", "params": {"x": {"y": 1}}}]}
    problems = validate_spec(spec, known_sources={"s"})
    assert codes(problems) == [("/sources/0/params/x", "too_deep")]
    assert "nested deeper than 4 levels" in problems[0].message


# ---- size


def spec_of_size(size):
    """A valid spec of exactly ``size`` bytes as compact JSON (text sections below the text limit)."""
    spec = text_spec("")
    spec["sections"] = [{"type": "text", "text": "x" * 90_000} for _ in range(size // 90_010)]
    spec["sections"].append({"type": "text", "text": ""})
    spec["sections"][-1]["text"] = "y" * (size - compact_size(spec))
    assert compact_size(spec) == size
    return spec


def test_a_spec_of_one_megabyte_is_accepted_and_one_byte_more_is_refused():
    assert validate_spec(spec_of_size(MB)) == []
    problems = validate_spec(spec_of_size(MB + 1))
    assert codes(problems) == [("", "too_large")]
    assert problems[0].message == ("The spec is 1,048,577 bytes as JSON; the limit is 1,048,576 bytes "
                                   "(REPORTING_SPEC_MAX_BYTES).")


def test_bundle_import_refuses_a_spec_over_the_size_limit_and_imports_nothing(demo, bundle):
    bundle["templates"][0]["spec"] = spec_of_size(MB + 1)
    before = versions()
    with pytest.raises(BundleInvalid) as caught:
        bundle_import(bundle=bundle, as_operator=True)
    assert codes(caught.value.problems) == [("/templates/0/spec", "too_large")]
    assert versions() == before


def test_import_command_refuses_a_file_over_the_bundle_limit_before_reading_it(demo, tmp_path, settings):
    settings.REPORTING_BUNDLE_MAX_BYTES = 100
    with pytest.raises(CommandError, match=r"bundle\.json is 101 bytes; the limit is 100 bytes "
                                           r"\(REPORTING_BUNDLE_MAX_BYTES\)\.$"):
        call_command("import_templates", str(import_file(tmp_path, " " * 101)))
    with pytest.raises(BundleUnreadable, match=r"^The file is 101 bytes; the limit is 100 bytes"):
        bundle_read(upload=SimpleUploadedFile("b.json", b" " * 101))


# ---- text length


def test_section_text_may_be_100000_characters_and_no_more():
    assert validate_spec(text_spec("x" * 100_000)) == []
    problems = validate_spec(text_spec("x" * 100_001))
    assert codes(problems) == [("/sections/0/text", "text_too_long")]
    assert problems[0].message == ("This text is 100,001 characters long; the limit is 100,000 "
                                   "(REPORTING_SPEC_MAX_TEXT).")


def test_titles_labels_and_keys_may_be_1000_characters_and_no_more():
    spec = text_spec(title="T" * 1_000)
    spec["sections"].append({"type": "heading", "text": "H" * 1_001})
    spec["sources"] = [{"source": "s", "params": {"k" * 1_001: "v"}}]
    problems = validate_spec(spec, known_sources={"s"})
    assert [(p.pointer, p.code) for p in problems if p.code == "text_too_long"] == [
        ("/sections/1/text", "text_too_long"), ("/sources/0/params/" + "k" * 1_001, "text_too_long")]
    assert problems[0].message == "This text is 1,001 characters long; the limit is 1,000 (REPORTING_SPEC_MAX_LABEL)."


def test_too_long_section_text_is_refused_on_admin_save_even_as_a_draft(admin_client, demo):
    spec = copy.deepcopy(demo.published_version.spec)
    spec["sections"].append({"type": "text", "text": "x" * 100_001})
    before = versions()
    response = admin_client.post(reverse("admin:templates_app_reporttemplate_change", args=[demo.pk]),
                                 change_form(demo, spec=spec, publish=False))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors.as_data()["spec"]
    assert [(e.code, e.message) for e in errors] == [
        ("text_too_long", (f"Spec at /sections/{len(spec['sections']) - 1}/text: This text is 100,001 characters "
                           "long; the limit is 100,000 (REPORTING_SPEC_MAX_TEXT)."))]
    assert versions() == before


# ---- non-finite numbers and characters no database can store


def test_nan_or_infinity_in_a_parameter_min_is_refused_by_validation():
    for value, word in ((float("nan"), "NaN"), (float("inf"), "Infinity"), (float("-inf"), "-Infinity")):
        spec = {**text_spec(), "parameters": [{"name": "n", "type": "integer", "min": value}]}
        problems = validate_spec(spec)
        assert codes(problems) == [("/parameters/0/min", "number_not_finite")]
        assert problems[0].message == f"{word} is not a number JSON can store; use a finite number."


def test_nan_in_min_is_refused_on_admin_save_as_a_draft_without_an_integrity_error(admin_client, demo):
    spec = copy.deepcopy(demo.published_version.spec)
    spec["parameters"].append({"name": "top", "type": "integer", "min": float("nan")})
    before = versions()
    response = admin_client.post(reverse("admin:templates_app_reporttemplate_change", args=[demo.pk]),
                                 change_form(demo, spec=json.dumps(spec), publish=False))  # NaN, as typed
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors.as_data()["spec"]
    assert [(e.code, e.message) for e in errors] == [
        ("number_not_finite", (f"Spec at /parameters/{len(spec['parameters']) - 1}/min: NaN is not a number JSON "
                               "can store; use a finite number."))]
    assert versions() == before


def test_infinity_in_sample_data_is_refused_on_admin_save(admin_client, demo):
    sample = copy.deepcopy(demo.published_version.sample_data)
    sample["quality_metrics"]["extra"] = [1, float("inf")]
    form = change_form(demo, spec=demo.published_version.spec, publish=False)
    form["sample_data"] = json.dumps(sample)  # writes Infinity, which Python's json reads back
    before = versions()
    response = admin_client.post(reverse("admin:templates_app_reporttemplate_change", args=[demo.pk]), form)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors.as_data()["sample_data"]
    assert [(e.code, e.message) for e in errors] == [
        ("number_not_finite", ("Sample data at /quality_metrics/extra/1: Infinity is not a number JSON can "
                               "store; use a finite number."))]
    assert versions() == before


def test_infinity_in_sample_data_is_refused_by_bundle_import_with_a_pointer(demo, bundle, tmp_path, capsys):
    bundle["templates"][0]["sample_data"]["quality_metrics"]["extra"] = float("inf")
    before = versions()
    with pytest.raises(CommandError, match="^Nothing was imported: 1 problem"):
        call_command("import_templates", str(import_file(tmp_path, json.dumps(bundle))))
    assert ("/templates/0/sample_data/quality_metrics/extra: Template 'monthly-quality': sample data: Infinity is "
            "not a number JSON can store; use a finite number. [number_not_finite]") in capsys.readouterr().err
    assert versions() == before


def test_nan_in_a_parameter_min_is_refused_by_bundle_import(demo, bundle):
    bundle["templates"][0]["spec"]["parameters"][0]["min"] = float("nan")
    before = versions()
    with pytest.raises(BundleInvalid) as caught:
        bundle_import(bundle=json.loads(json.dumps(bundle)), as_operator=True)
    assert ("/templates/0/spec/parameters/0/min", "number_not_finite") in codes(caught.value.problems)
    assert versions() == before


@pytest.mark.parametrize("field", ["static_data", "query_params", "body"])
def test_non_finite_numbers_in_a_bundled_data_source_are_refused_with_a_pointer(demo, bundle, field):
    bundle["data_sources"][0][field] = {"rows": [{"value": float("nan")}]}
    name = bundle["data_sources"][0]["name"]
    before = list(DataSource.objects.order_by("name").values_list("name", "version"))
    with pytest.raises(BundleInvalid) as caught:
        bundle_import(bundle=json.loads(json.dumps(bundle)), as_operator=True)
    problem = caught.value.problems[0]
    assert (problem.pointer, problem.code) == (f"/data_sources/0/{field}/rows/0/value", "number_not_finite")
    assert problem.message == (f"Data source '{name}': {field}: NaN is not a number JSON can store; "
                               "use a finite number.")
    assert list(DataSource.objects.order_by("name").values_list("name", "version")) == before


def test_nul_characters_and_lone_surrogates_are_refused(admin_client, demo):
    # Python's json reads "\u0000" and "\ud800"; PostgreSQL's jsonb refuses both on save.
    for bad in ("\x00", "\ud800"):
        problems = validate_spec(text_spec(title=f"A{bad}B"))
        assert codes(problems) == [("/title", "bad_character")]
    spec = copy.deepcopy(demo.published_version.spec)
    spec["title"] = "Monthly\x00"
    before = versions()
    response = admin_client.post(reverse("admin:templates_app_reporttemplate_change", args=[demo.pk]),
                                 change_form(demo, spec=json.dumps(spec), publish=False))
    assert [e.code for e in response.context["adminform"].form.errors.as_data()["spec"]] == ["bad_character"]
    assert versions() == before


def test_a_number_of_thousands_of_digits_is_refused_on_admin_save_not_a_server_error(admin_client, demo):
    text = json.dumps(demo.published_version.spec).replace('"title": ', '"x": ' + "1" * 5_000 + ', "title": ', 1)
    response = admin_client.post(reverse("admin:templates_app_reporttemplate_change", args=[demo.pk]),
                                 change_form(demo, spec=text, publish=False))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors.as_data()["spec"]
    assert [(e.code, e.message) for e in errors] == [
        ("number_too_large", "The spec holds a number of more than 4300 digits.")]


# ---- run time


@pytest.mark.django_db
def test_a_stored_version_over_a_limit_fails_its_job_with_the_limit_not_an_unexpected_error(user):
    template = published_template(spec=small_spec(source_name=StaticSourceFactory().name))
    spec = copy.deepcopy(template.published_version.spec)
    spec["sections"].append({"type": "text", "text": "x" * 100_001})
    # Written around the services (as a version saved before the limits existed would be).
    TemplateVersion.objects.filter(pk=template.published_version.pk).update(spec=spec)
    template.refresh_from_db()
    job = job_run(job=job_create(template=template, user=user, parameters={}))
    assert job.status == ReportJob.Status.FAILED
    assert job.error_message == (
        "Template version 1 is not a valid spec: /sections/3/text: This text is 100,001 characters long; the limit "
        "is 100,000 (REPORTING_SPEC_MAX_TEXT). [text_too_long]")


@pytest.fixture
def admin_client(client, demo):
    client.force_login(get_user_model().objects.get(username="demo"))
    return client
