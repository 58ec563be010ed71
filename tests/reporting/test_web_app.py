"""The web app's pages (issue 15) through Django's test client: list filters and search, download
names, favourites, "Run again with changes", and the stored HTML view of a real run."""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from reporting.models import FavouriteRun, JobReportView, ReportJob
from reporting.services.email_content import artifact_filename
from tests.factories import (
    FavouriteRunFactory,
    ReportArtifactFactory,
    ReportJobFactory,
    StaticSourceFactory,
    published_template,
    scheduled_spec,
)

pytestmark = pytest.mark.django_db
OCT = {"start": "2026-10-01", "end": "2026-10-31", "preset": "custom"}


@pytest.fixture
def template():
    return published_template(spec=scheduled_spec(source_name=StaticSourceFactory(name="rows").name,
                                                  title="Monthly summary"), slug="monthly")


def _job(template, user, **kwargs):
    params = {"period": OCT, "department": "QA", **kwargs.pop("parameters", {})}
    return ReportJobFactory(template=template, requested_by=user, parameters=params, **kwargs)


def _listed(client, **query) -> str:
    response = client.get(reverse("reporting:job_list"), query)
    assert response.status_code == 200
    return response.content.decode()


def test_job_list_filters_search_and_columns(client, user, template):
    qa = _job(template, user)
    ops = _job(template, user, parameters={"department": "OPS"}, status=ReportJob.Status.FAILED)
    client.force_login(user)
    page = _listed(client)
    assert "1–31 Oct 2026" in page and "Quality" in page and "Operations" in page  # period + key parameter
    assert str(ops.public_id) in _listed(client, status="failed")
    assert str(qa.public_id) not in _listed(client, status="failed")
    searched = _listed(client, q="OPS")
    assert str(ops.public_id) in searched and str(qa.public_id) not in searched
    assert "1 job matches the filters" in searched
    unknown = _listed(client, template="nope")  # an unknown report: the error, and no job
    assert "Select a valid choice" in unknown and "No jobs match these filters." in unknown
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    assert "No jobs match these filters." in _listed(client, date_from=tomorrow)
    bad = _listed(client, date_from=tomorrow, date_to="2020-01-01")
    assert "“To” is before “From”." in bad and 'aria-describedby="id_date_to-error"' in bad


def test_requested_by_filter_only_for_who_may_see_others(client, user, other_user, staff_user, template):
    from django.contrib.auth.models import Permission

    _job(template, user)
    mine = _job(template, other_user)
    client.force_login(user)
    assert 'name="requested_by"' not in _listed(client)
    assert str(mine.public_id) not in _listed(client, requested_by="mallory")
    staff_user.user_permissions.add(Permission.objects.get(codename="view_reportjob"))
    client.force_login(staff_user)
    page = _listed(client, requested_by="mallory")
    assert 'name="requested_by"' in page and str(mine.public_id) in page


def test_paging_keeps_the_filters(client, user, template):
    for _ in range(26):
        _job(template, user)
    client.force_login(user)
    page = _listed(client, q="QA")
    assert "?q=QA&amp;page=2" in page


def test_download_name_is_slug_period_short_id_in_the_view_and_the_email(client, user, template):
    job = _job(template, user)
    artifact = ReportArtifactFactory(job=job, format="pdf")
    expected = f"monthly-2026-10-{job.public_id.hex[:8]}.pdf"
    assert artifact_filename(artifact) == expected
    client.force_login(user)
    response = client.get(reverse("reporting:download", args=[job.public_id, "pdf"]))
    assert f'filename="{expected}"' in response["Content-Disposition"]
    job.parameters["period"] = {"start": "2026-10-01", "end": "2026-10-15", "preset": "custom"}
    job.save()
    assert artifact_filename(artifact) == f"monthly-2026-10-01_2026-10-15-{job.public_id.hex[:8]}.pdf"


def test_run_again_with_changes_prefills_and_makes_a_new_job(client, user, template, empty_queues):
    job = _job(template, user, parameters={"department": "OPS", "recipients": ["a@example.com", "b@example.com"]})
    client.force_login(user)
    page = client.get(reverse("reporting:run_again", args=[job.public_id])).content.decode()
    assert "a@example.com, b@example.com</textarea>" in page  # a list, typed as the form takes it
    assert 'value="2026-10-01"' in page and 'value="2026-10-31"' in page
    assert '<option value="OPS" selected>' in page
    assert f'action="{reverse("reporting:run", args=["monthly"])}"' in page
    response = client.post(reverse("reporting:run", args=["monthly"]), {
        "period_preset": "custom", "period_start": "2026-09-01", "period_end": "2026-09-30", "department": "OPS"})
    assert response.status_code == 302
    assert ReportJob.objects.count() == 2
    new = ReportJob.objects.exclude(pk=job.pk).get()
    assert new.parameters["period"]["start"] == "2026-09-01" and job.parameters["period"] == OCT


def test_favourite_saved_from_a_job_runs_from_home_with_last_month_worked_out_today(client, user, template,
                                                                                     empty_queues):
    job = _job(template, user, parameters={"period": {"start": "2020-01-01", "end": "2020-01-31",
                                                      "preset": "last_month"}})
    client.force_login(user)
    client.post(reverse("reporting:favourite_add", args=[job.public_id]), {"name": "QA monthly"})
    favourite = FavouriteRun.objects.get(user=user)
    assert "QA monthly" in client.get(reverse("reporting:home")).content.decode()
    response = client.post(reverse("reporting:favourite_run", args=[favourite.pk]))
    assert response.status_code == 302
    new = ReportJob.objects.exclude(pk=job.pk).get()
    first_of_month = timezone.localdate().replace(day=1)
    assert new.parameters["period"]["end"] == (first_of_month - datetime.timedelta(days=1)).isoformat()
    assert new.parameters["department"] == "QA"


def test_someone_elses_favourite_is_404(client, other_user, template):
    favourite = FavouriteRunFactory(template=template)
    client.force_login(other_user)
    assert client.post(reverse("reporting:favourite_run", args=[favourite.pk])).status_code == 404
    assert client.post(reverse("reporting:favourite_delete", args=[favourite.pk])).status_code == 404
    assert FavouriteRun.objects.filter(pk=favourite.pk).exists()


def test_html_view_of_a_real_run_has_the_pdfs_sections(client, user, run_worker_burst, empty_queues):
    rows = [{"name": f"Item {i}", "value": i} for i in range(120)]
    template = published_template(spec=scheduled_spec(source_name=StaticSourceFactory(name="rows", static_data={"rows": rows}).name,
                                                      title="Monthly summary"), slug="monthly")
    client.force_login(user)
    client.post(reverse("reporting:run", args=["monthly"]), {
        "period_preset": "custom", "period_start": "2026-10-01", "period_end": "2026-10-31", "department": "QA"})
    run_worker_burst()
    job = ReportJob.objects.get()
    assert job.status == ReportJob.Status.SUCCEEDED, job.error_message
    view = JobReportView.objects.get(job=job)
    assert [s["type"] for s in view.sections] == ["heading", "chart", "table"]
    page = client.get(reverse("reporting:job_report", args=[job.public_id])).content.decode()
    assert "<svg" in page and "<td>Item 0</td>" in page and "<td>Item 49</td>" in page and "<td>Item 50</td>" not in page
    assert "Rows 1–50 of 120" in page
    page2 = client.get(reverse("reporting:job_report", args=[job.public_id]), {"table2": 3}).content.decode()
    assert "Item 119" in page2 and "<td>Item 0</td>" not in page2
    detail = client.get(reverse("reporting:job_detail", args=[job.public_id])).content.decode()
    assert "View in the browser" in detail and "chart-preview" in detail


def test_html_view_escapes_stored_text_and_rechecks_svg(client, user, template):
    from tests.factories import JobReportViewFactory

    job = _job(template, user)
    evil = '<script>alert("x")</script>'
    JobReportViewFactory(job=job, sections=[
        {"type": "heading", "title": evil, "level": 1}, {"type": "text", "text": evil},
        {"type": "kpis", "title": evil, "note": "", "cards": [{"name": evil, "value": evil, "status": evil,
                                                               "status_key": '" onmouseover="x', "change": evil,
                                                               "assessment": "", "note": evil}]},
        {"type": "chart", "title": "c", "svg": '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'},
        {"type": "table", "title": evil, "note": "", "totals": [], "left_out": 0,
         "columns": [{"label": evil, "numeric": False, "status": True}], "rows": [[evil]]},
        "not a section", {"type": "unknown"},
    ])
    client.force_login(user)
    page = client.get(reverse("reporting:job_report", args=[job.public_id])).content.decode()
    assert "<script>alert" not in page and 'onmouseover="x' not in page
    assert "&lt;script&gt;" in page and "could not be shown safely" in page
