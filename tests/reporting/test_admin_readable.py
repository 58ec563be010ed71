"""The admin's job and file pages (issue 15): files through the download view, readable details."""
import pytest
from django.urls import reverse

from tests.factories import ReportArtifactFactory, ReportJobFactory, UserFactory

pytestmark = pytest.mark.django_db
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect x="0" y="0" width="5" height="5"/></svg>'
HOSTILE_SVG = SVG.replace("</svg>", "<script>alert(1)</script></svg>")


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_artifact_page_links_the_permission_checked_download_and_has_no_add(admin_client):
    artifact = ReportArtifactFactory(format="pdf")
    page = admin_client.get(reverse("admin:reporting_reportartifact_change", args=[artifact.pk])).content.decode()
    url = reverse("reporting:download", args=[artifact.job.public_id, "pdf"])
    assert f'href="{url}"' in page
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(reverse("admin:reporting_reportartifact_add")).status_code == 403
    assert "Add report artifact" not in admin_client.get(reverse("admin:reporting_reportartifact_changelist")).content.decode()


def test_job_page_shows_tables_and_preview_images_not_json(admin_client):
    job = ReportJobFactory(stage_timings={"collect": 0.25, "render_pdf": 1.5},
                           source_stats={"rows": {"duration_s": 0.1, "bytes": 2048, "attempts": 0, "cache": "hit"}},
                           chart_previews=[{"title": "Values", "svg": SVG}, {"title": "Bad", "svg": HOSTILE_SVG},
                                           {"title": "Empty", "note": "No data"}])
    page = admin_client.get(reverse("admin:reporting_reportjob_change", args=[job.pk])).content.decode()
    assert "<td>Collect</td><td style='text-align:right'>250 ms</td>" in page
    assert "<td>rows</td>" in page and "<td>—</td><td>hit</td>" in page
    assert 'src="data:image/svg+xml;base64,' in page and "Empty: No data" in page
    assert "Bad: The chart preview could not be shown safely" in page
    assert "&quot;render_pdf&quot;" not in page and "alert(1)" not in page
