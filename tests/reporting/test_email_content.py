"""What a report email says, read from the MIME a real SMTP server received."""
import hashlib

import pytest

from reporting.models import EmailDelivery, ReportJob
from tests.reporting.email_helpers import kpi_template, run_job
from tests.smtp_server import smtp_server  # noqa: F401 (fixture: a real SMTP server)

pytestmark = pytest.mark.django_db


def test_subject_bodies_and_attachments_say_what_the_report_holds(smtp_server, user):  # noqa: F811
    job = run_job(kpi_template(), user=user)
    assert job.status == ReportJob.Status.SUCCEEDED, job.error_message
    [received] = smtp_server.wait_for(1)

    assert received.rcpt_tos == ["qa@example.com"]
    assert received.subject == "Monthly KPIs — 1–31 Oct 2026 — Complete"
    text = received.text
    assert "Status: Complete (worst KPI status: Warning)" in text
    assert "- Overall score: 82.8 % (Good), ▲ 2.8 vs Sep\n" in text
    assert "- Training compliance: No data. Training data is missing: the LMS did not answer.\n" in text
    assert "- Open CAPAs: 13 items (Warning)\n" in text
    assert f"Job page: http://127.0.0.1:8000/jobs/{job.public_id}/" in text
    html = received.html
    assert "<td>Overall score</td><td align=\"right\">82.8 %</td><td>Good</td>" in html
    assert "No data" in html and f'href="http://127.0.0.1:8000/jobs/{job.public_id}/"' in html
    # The attached bytes are the stored files, byte for byte.
    stored = {a.format: a.sha256 for a in job.artifacts.all()}
    mailed = {name.rsplit(".", 1)[1]: hashlib.sha256(data).hexdigest() for name, data in received.attachments.items()}
    assert mailed == stored and set(stored) == {"pdf", "xlsx"}
    assert job.headline[0]["name"] == "Overall score" and job.worst_status == "warning"
    assert len(job.data_sha256) == 64


def test_a_report_without_period_or_kpis_still_says_its_status(smtp_server, user):  # noqa: F811
    from reporting.services import job_create, job_run

    job = job_run(job=job_create(template=kpi_template(kpis=[]), user=user,
                                 parameters={"recipients": ["qa@example.com"]}))
    [received] = smtp_server.wait_for(1)
    assert received.subject == "Monthly KPIs — Complete"
    assert "This report has no headline figures; see the attached files." in received.text
    assert job.worst_status == ""


def test_files_over_the_limit_are_links_not_attachments(smtp_server, user, settings):  # noqa: F811
    settings.REPORTING_EMAIL_MAX_ATTACHMENT_MB = 0.001  # ~1 kB: the real files are larger
    job = run_job(kpi_template(), user=user)
    [received] = smtp_server.wait_for(1)
    assert received.attachments == {}
    assert "The files are larger than 0.001 MB together, so they are not attached." in received.text
    assert "http://127.0.0.1:8000/download/" in received.text and "/download/" in received.html
    assert job.email_deliveries.get().status == EmailDelivery.Status.SENT


def test_the_links_expiry_in_the_email_is_the_exact_time_the_links_stop_working(smtp_server, user, settings):  # noqa: F811
    import re
    from datetime import UTC, datetime, timedelta

    from django.core import signing
    from django.utils import timezone

    settings.REPORTING_EMAIL_MAX_ATTACHMENT_MB = 0.001
    settings.REPORTING_EMAIL_LINK_DAYS = 7
    run_job(kpi_template(), user=user)
    [received] = smtp_server.wait_for(1)
    tokens = re.findall(r"/download/([^/\s]+)/", received.text)
    signed = {signing.b62_decode(token.split(":")[-2]) for token in tokens}
    assert len(tokens) >= 1 and len(signed) == 1  # every link of the email signed at the same second
    # The signature is refused once older than LINK_DAYS: the email names that instant, not a date.
    until = timezone.localtime(datetime.fromtimestamp(signed.pop(), tz=UTC) + timedelta(days=7))
    assert f"the links work until {until:%-d %b %Y, %H:%M %Z}):" in received.text
    assert f"the links work until {until:%-d %b %Y, %H:%M %Z}):" in received.html
