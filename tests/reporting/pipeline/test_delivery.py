"""Email delivery through a real SMTP server (aiosmtpd) on 127.0.0.1: one message per recipient."""
import io
import socket

import pytest
from django.core.management import call_command
from openpyxl import load_workbook
from pypdf import PdfReader

from reporting.models import EmailDelivery
from tests.factories import StaticSourceFactory, published_template, small_spec
from tests.smtp_server import smtp_server  # noqa: F401 (fixture: a real SMTP server)

pytestmark = pytest.mark.django_db


def _template_with_recipients(*, optional_broken: bool = False):
    source = StaticSourceFactory(name="rows", static_data={"rows": [{"name": "Alpha", "value": 3}]})
    spec = small_spec(source_name=source.name, title="Mailed report")
    spec["parameters"].append({"name": "recipients", "type": "email_list", "label": "Email to"})
    if optional_broken:
        StaticSourceFactory(name="broken", kind="http", base_url="http://not-allowed.invalid", endpoint="/x",
                            static_data=None, max_attempts=1)
        spec["sources"].append({"source": "broken", "required": False})
    return published_template(spec=spec, slug="mailed")


def test_report_is_emailed_with_both_files_one_message_per_recipient(smtp_server, tmp_path):  # noqa: F811
    _template_with_recipients()
    call_command("generate_report", "mailed", "--param", "recipients=qa@example.com, lead@example.com",
                 "--output", str(tmp_path))
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == ["lead@example.com", "qa@example.com"]
    assert all(len(m.rcpt_tos) == 1 for m in smtp_server.messages)  # nobody sees the other addresses
    [received] = smtp_server.to("qa@example.com")
    message = received.message
    assert message["Subject"] == "Mailed report — Complete"
    attachments = {part.get_filename(): part for part in message.iter_attachments()}
    names = sorted(attachments)
    assert len(names) == 2
    assert names[0].startswith("mailed-") and names[0].endswith(".pdf") and names[1].endswith(".xlsx")
    assert names[1] == names[0].removesuffix(".pdf") + ".xlsx"  # the two files of one job
    pdf, xlsx = (attachments[name] for name in names)

    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_content().startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.get_content())).pages)
    assert text.startswith("Mailed report\n") and "Alpha\n3\n" in text

    assert xlsx.get_content_type() == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = load_workbook(io.BytesIO(xlsx.get_content()))
    assert workbook.sheetnames == ["Summary", "Charts", "Rows", "About"]  # About: the run record (issue 17)
    assert workbook["Summary"]["A1"].value == "Mailed report"
    rows = workbook["Rows"]
    assert [[cell.value for cell in row] for row in rows.iter_rows(min_row=3)] == [["Name", "Value"], ["Alpha", 3]]
    assert f"Attached: {names[0]}, {names[1]}" in received.text
    ledger = {d.recipient: d for d in EmailDelivery.objects.all()}
    assert set(ledger) == {"qa@example.com", "lead@example.com"}
    assert ledger["qa@example.com"].status == EmailDelivery.Status.SENT
    assert ledger["qa@example.com"].message_id == message["Message-ID"]


def test_partial_report_email_says_what_is_missing(smtp_server, tmp_path):  # noqa: F811
    _template_with_recipients(optional_broken=True)
    call_command("generate_report", "mailed", "--param", "recipients=qa@example.com", "--output", str(tmp_path))
    [received] = smtp_server.messages
    assert received.subject == "Mailed report — Incomplete: some data missing"
    assert "Some data could not be collected, so the report is incomplete:\n- broken:" in received.text
    assert "Some data could not be collected" in received.html and "<li>broken:" in received.html


def test_no_recipients_sends_nothing(smtp_server, tmp_path):  # noqa: F811
    _template_with_recipients()
    call_command("generate_report", "mailed", "--output", str(tmp_path))
    assert smtp_server.messages == []
    assert not EmailDelivery.objects.exists()


def test_unreachable_mail_server_keeps_the_report_and_says_so(settings, tmp_path, client, db):
    from django.urls import reverse

    from reporting.models import ReportJob
    from tests.factories import UserFactory

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port, 5
    settings.REPORTING_EMAIL_REDELIVER_AFTER_S = []  # no later retry: this test reads the final word
    owner = UserFactory(username="owner")
    _template_with_recipients()
    call_command("generate_report", "mailed", "--param", "recipients=qa@example.com", "--user", "owner",
                 "--output", str(tmp_path))

    job = ReportJob.objects.get()
    assert job.status == ReportJob.Status.SUCCEEDED
    assert sorted(job.artifacts.values_list("format", flat=True)) == ["pdf", "xlsx"]
    [delivery] = job.email_deliveries.all()
    assert delivery.status == EmailDelivery.Status.FAILED and not delivery.failed_permanently
    assert delivery.attempts == 1 + len(settings.REPORTING_EMAIL_RETRY_DELAYS_S)
    assert delivery.last_error.startswith("The mail server could not be reached: ConnectionRefusedError")
    assert job.delivery_note == "Not emailed to qa@example.com (see the deliveries)."
    client.force_login(owner)
    page = client.get(reverse("reporting:job_detail", args=[job.public_id])).content.decode()
    assert "Not emailed to qa@example.com (see the deliveries)." in page
    assert "The mail server could not be reached: ConnectionRefusedError" in page
    assert "Retry failed emails" in page
