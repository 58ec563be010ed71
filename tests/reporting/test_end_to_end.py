"""Submit through the web form, run a real RQ worker process, open the files a user downloads."""
import io
import re
import zipfile
from xml.etree import ElementTree

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from reporting.models import ReportJob
from demo.loader import demo_seed

pytestmark = [pytest.mark.e2e]


def test_monthly_quality_report_from_form_to_downloads(live_server, client, run_worker_burst, empty_queues):
    demo_seed(base_url=live_server.url)  # the demo sources call the app's own demo API over HTTP
    client.force_login(get_user_model().objects.get(username="viewer"))

    catalog = client.get(reverse("reporting:catalog")).content.decode()
    assert "Monthly quality report" in catalog
    form_page = client.get(reverse("reporting:run", args=["monthly-quality"]))
    assert form_page.status_code == 200

    response = client.post(reverse("reporting:run", args=["monthly-quality"]), {
        "period_preset": "custom", "period_start": "2026-10-01", "period_end": "2026-10-31",
        "department": "All", "recipients": "",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    job = ReportJob.objects.get()
    assert job.status == ReportJob.Status.QUEUED
    assert job.parameters["period"] == {"start": "2026-10-01", "end": "2026-10-31", "preset": "custom"}

    run_worker_burst()

    job.refresh_from_db()
    assert job.status == ReportJob.Status.SUCCEEDED, job.error_message
    assert job.progress == 100
    assert set(job.stage_timings) >= {"validate", "aggregate", "process", "render_pdf", "render_xlsx", "store"}
    assert set(job.source_stats) == {"quality_metrics", "training_metrics", "document_metrics", "department_data"}

    page = client.get(reverse("reporting:job_detail", args=[job.public_id])).content.decode()
    assert "Download PDF" in page and "Download XLSX" in page
    assert page.count("<svg width=") == 3  # previews of the template's three charts

    pdf_bytes = b"".join(client.get(reverse("reporting:download", args=[job.public_id, "pdf"])).streaming_content)
    reader = PdfReader(io.BytesIO(pdf_bytes))
    assert len(reader.pages) >= 2
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Monthly quality report" in text
    for kpi in ("Quality score", "Audit compliance", "Training completion", "Average approval time", "How statuses are set"):
        assert kpi in text, kpi
    assert "1 Oct 2026" in text and "31 Oct 2026" in text

    xlsx_bytes = b"".join(client.get(reverse("reporting:download", args=[job.public_id, "xlsx"])).streaming_content)
    workbook = load_workbook(io.BytesIO(xlsx_bytes))
    assert workbook.sheetnames[0] == "Summary"
    # The template's three chart sections, each a native chart of its kind with one series per y field;
    # the department chart's target is a line over the bars, not a third bar series.
    assert native_charts(xlsx_bytes) == [
        ("Documents per workflow stage", (("barChart", "bar", 1),)),
        ("Quality metrics over time", (("lineChart", None, 3),)),
        ("Scores by department", (("barChart", "col", 2), ("lineChart", None, 1))),
    ]


CHART_NS = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
            "a": "http://schemas.openxmlformats.org/drawingml/2006/main"}


def native_charts(xlsx_bytes: bytes) -> list[tuple[str, tuple[tuple[str, str | None, int], ...]]]:
    """(title, ((plot type, bar direction, series count) per plot)) of every chart part in the workbook, by title."""
    charts = []
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes)) as archive:
        for name in archive.namelist():
            if not re.fullmatch(r"xl/charts/chart\d+\.xml", name):
                continue
            root = ElementTree.fromstring(archive.read(name))
            plot = root.find("c:chart/c:plotArea", CHART_NS)
            plots = []
            for kind in [el for el in plot if el.tag.endswith("Chart")]:
                bar_dir = kind.find("c:barDir", CHART_NS)
                plots.append((kind.tag.split("}")[1], None if bar_dir is None else bar_dir.get("val"),
                              len(kind.findall("c:ser", CHART_NS))))
            title = "".join(t.text or "" for t in root.findall("c:chart/c:title//a:t", CHART_NS))
            charts.append((title, tuple(plots)))
    return sorted(charts)


def test_optional_source_failure_gives_partial_report(live_server, client, run_worker_burst, empty_queues):
    from templates_app.models import DataSource
    from templates_app.services import data_source_save

    demo_seed(base_url=live_server.url)
    broken = DataSource.objects.get(name="training_metrics")
    broken.endpoint = "/demo-api/no_such_source/"
    data_source_save(source=broken)
    client.force_login(get_user_model().objects.get(username="viewer"))
    client.post(reverse("reporting:run", args=["monthly-quality"]), {
        "period_preset": "last_month", "department": "All", "recipients": ""})

    run_worker_burst()

    job = ReportJob.objects.get()
    assert job.status == ReportJob.Status.PARTIAL, job.error_message
    assert [m["name"] for m in job.missing_sources] == ["training_metrics"]
    assert "404" in job.missing_sources[0]["reason"]
    pdf_bytes = b"".join(client.get(reverse("reporting:download", args=[job.public_id, "pdf"])).streaming_content)
    first_page = PdfReader(io.BytesIO(pdf_bytes)).pages[0].extract_text()
    assert "training_metrics" in first_page
