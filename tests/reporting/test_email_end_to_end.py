"""The web form to the inbox: a real RQ worker process runs the job and mails a real SMTP server."""
import hashlib

import pytest
from django.urls import reverse

from reporting.models import EmailDelivery, ReportJob
from tests.reporting.email_helpers import kpi_template
from tests.smtp_server import smtp_server  # noqa: F401 (fixture: a real SMTP server)

pytestmark = [pytest.mark.e2e]


def test_report_from_the_form_reaches_each_inbox_once(smtp_server, client, user, worker_env,  # noqa: F811
                                                      run_worker_burst, empty_queues):
    smtp_server.refuse("gone@example.com")
    worker_env.update(smtp_server.worker_env({}))  # the worker process sends to this server too
    kpi_template()
    client.force_login(user)
    response = client.post(reverse("reporting:run", args=["kpis"]), {
        "note": "", "period_preset": "custom", "period_start": "2026-10-01", "period_end": "2026-10-31",
        "recipients": "qa@example.com, gone@example.com"})
    assert response.status_code == 302, response.content.decode()[:2000]

    run_worker_burst()

    job = ReportJob.objects.get()
    assert job.status == ReportJob.Status.SUCCEEDED, job.error_message
    [received] = smtp_server.wait_for(1)
    assert received.rcpt_tos == ["qa@example.com"]
    assert received.subject == "Monthly KPIs — 1–31 Oct 2026 — Complete"
    assert "- Overall score: 82.8 % (Good)" in received.text
    stored = sorted(a.sha256 for a in job.artifacts.all())
    assert sorted(hashlib.sha256(data).hexdigest() for data in received.attachments.values()) == stored
    ledger = {d.recipient: (d.status, d.failed_permanently) for d in job.email_deliveries.all()}
    assert ledger == {"qa@example.com": (EmailDelivery.Status.SENT, False),
                      "gone@example.com": (EmailDelivery.Status.FAILED, True)}

    page = client.get(reverse("reporting:job_detail", args=[job.public_id])).content.decode()
    assert "<td>gone@example.com</td>" in page and "The mail server refused the address: 550" in page
    assert "Not emailed to gone@example.com (see the deliveries)." in page
