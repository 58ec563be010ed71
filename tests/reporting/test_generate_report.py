import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook
from pypdf import PdfReader

from reporting.models import ReportJob
from tests.factories import GroupFactory, StaticSourceFactory, published_template, small_spec

pytestmark = pytest.mark.django_db


@pytest.fixture
def template():
    source = StaticSourceFactory(name="rows", static_data={"rows": [{"name": "Alpha", "value": 3},
                                                                  {"name": "Beta", "value": 5}]})
    return published_template(spec=small_spec(source_name=source.name, title="CLI report"), slug="cli-report")


def test_json_output_shape_and_files(template, tmp_path):
    out = StringIO()
    dump = tmp_path / "data.json"
    call_command("generate_report", "cli-report", "--param", "note=hi", "--format", "pdf,xlsx",
                 "--output", str(tmp_path), "--json", "--dump-data", str(dump), stdout=out)
    result = json.loads(out.getvalue())
    assert set(result) >= {"job", "status", "artifacts", "timings", "sources", "cache"}
    assert result["status"] == "succeeded"
    assert set(result["artifacts"]) == {"pdf", "xlsx"}
    assert set(result["timings"]) >= {"validate", "aggregate", "process", "render_pdf", "render_xlsx", "store"}
    assert result["sources"] == {"collected": ["rows"], "failed": {}}
    assert set(result["cache"]) == {"hits", "misses"}
    text = "".join(page.extract_text() for page in PdfReader(result["artifacts"]["pdf"]).pages)
    assert "CLI report" in text and "Alpha" in text and "Beta" in text
    assert load_workbook(result["artifacts"]["xlsx"]).sheetnames
    assert json.loads(dump.read_text())["rows"]["rows"][1] == {"name": "Beta", "value": 5}
    job = ReportJob.objects.get(public_id=result["job"])
    assert job.origin == "cli" and job.parameters == {"note": "hi"}


def test_unknown_template_exits_2(db):
    with pytest.raises(CommandError) as excinfo:
        call_command("generate_report", "no-such-report")
    assert excinfo.value.returncode == 2
    assert "unknown report template 'no-such-report'" in str(excinfo.value)


def test_unknown_parameter_exits_2(template):
    with pytest.raises(CommandError) as excinfo:
        call_command("generate_report", "cli-report", "--param", "colour=red")
    assert excinfo.value.returncode == 2
    assert "unknown parameter(s): colour" in str(excinfo.value)
    assert not ReportJob.objects.exists()


def test_invalid_parameter_value_exits_2(template):
    spec = template.published_version.spec
    spec["parameters"] = [{"name": "period", "type": "date_range", "required": True}]
    template.published_version.spec = spec
    template.published_version.save()
    with pytest.raises(CommandError) as excinfo:
        call_command("generate_report", "cli-report", "--param", "period=2026-13-01..2026-12-31")
    assert excinfo.value.returncode == 2
    assert str(excinfo.value) == ("invalid parameters: period: start: "
                                  "Enter the date as YYYY-MM-DD (for example 2026-01-31).")


def test_user_outside_the_template_groups_is_refused(template, user, tmp_path):
    # --user records who asked; the job page then lets that user download the files, so the
    # template's group restriction holds here as it does on the run page.
    auditors = GroupFactory(name="Auditors")
    template.allowed_groups.add(auditors)
    with pytest.raises(CommandError, match="user 'alice' may not run report template 'cli-report'") as exc:
        call_command("generate_report", "cli-report", "--user", "alice", "--output", str(tmp_path))
    assert exc.value.returncode == 2
    assert not ReportJob.objects.exists()

    user.groups.add(auditors)
    call_command("generate_report", "cli-report", "--user", "alice", "--output", str(tmp_path), stdout=StringIO())
    assert ReportJob.objects.get().requested_by == user


# Issue 12: errors name the parameter typed, and --json answers a refusal with one JSON object.

def _period_template(template):
    version = template.published_version
    version.spec = {**version.spec, "parameters": [{"name": "period", "type": "date_range", "required": True}]}
    version.save()


@pytest.mark.parametrize("typed, message", [
    ("next_decade", "invalid parameters: period: Select a valid choice. "
                    "next_decade is not one of the available choices."),
    ("2026-02-01..2026-01-01", "invalid parameters: period: end: The end date is before the start date."),
    ("2026-02-01..01/02/2026", "invalid parameters: period: end: "
                               "Enter the date as YYYY-MM-DD (for example 2026-01-31)."),
])
def test_errors_name_the_parameter_not_its_form_fields(template, typed, message):
    _period_template(template)
    with pytest.raises(CommandError) as excinfo:
        call_command("generate_report", "cli-report", "--param", f"period={typed}")
    assert str(excinfo.value) == message
    assert "period_preset" not in message and "period_end" not in message


@pytest.mark.parametrize("args, error", [
    (["no-such-report"], "unknown report template 'no-such-report' (known: cli-report)"),
    (["cli-report", "--param", "colour=red"], "unknown parameter(s): colour (known: note)"),
    (["cli-report", "--param", "period"], "--param needs NAME=VALUE, got 'period'"),
    (["cli-report", "--param", "period=next_decade"],
     "invalid parameters: period: Select a valid choice. next_decade is not one of the available choices."),
])
def test_json_refusal_is_one_json_object_and_exit_2(template, args, error):
    _period_template(template) if "period=next_decade" in args else None
    out = StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("generate_report", *args, "--json", stdout=out)
    assert excinfo.value.returncode == 2
    assert json.loads(out.getvalue()) == {"error": error, "exit_code": 2}
    assert not ReportJob.objects.exists()


def test_dump_data_into_a_missing_folder_is_refused_before_any_job(template, tmp_path):
    target = tmp_path / "no-such-folder" / "data.json"
    with pytest.raises(CommandError) as caught:
        call_command("generate_report", "cli-report", "--dump-data", str(target), "--output", str(tmp_path))
    assert caught.value.returncode == 2
    assert f"--dump-data: the folder {target.parent} does not exist" in str(caught.value)
    assert not ReportJob.objects.exists()


def test_dump_data_writes_the_processed_data(template, tmp_path):
    target = tmp_path / "data.json"
    call_command("generate_report", "cli-report", "--dump-data", str(target), "--output", str(tmp_path),
                 stdout=StringIO())
    assert "rows" in json.loads(target.read_text())
