"""Email delivery through a real SMTP server (aiosmtpd) on 127.0.0.1."""
import email
import io
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.factories import StaticSourceFactory, published_template, small_spec

pytestmark = pytest.mark.django_db


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_inbox(settings):
    inbox = _Inbox()
    with socket.socket() as probe:  # a free port: aiosmtpd's start-up check cannot use port 0
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()


def _template_with_recipients(*, optional_broken: bool = False):
    source = StaticSourceFactory(name="rows", static_data={"rows": [{"name": "Alpha", "value": 3}]})
    spec = small_spec(source_name=source.name, title="Mailed report")
    spec["parameters"].append({"name": "recipients", "type": "email_list", "label": "Email to"})
    if optional_broken:
        StaticSourceFactory(name="broken", kind="http", base_url="http://not-allowed.invalid", endpoint="/x",
                            static_data=None, max_attempts=1)
        spec["sources"].append({"source": "broken", "required": False})
    return published_template(spec=spec, slug="mailed")


def test_report_is_emailed_with_both_files(smtp_inbox, tmp_path):
    _template_with_recipients()
    call_command("generate_report", "mailed", "--param", "recipients=qa@example.com, lead@example.com",
                 "--output", str(tmp_path))
    assert len(smtp_inbox.messages) == 1
    recipients, message = smtp_inbox.messages[0]
    assert sorted(recipients) == ["lead@example.com", "qa@example.com"]
    assert message["Subject"] == "Mailed report"
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
    assert workbook.sheetnames == ["Summary", "Charts", "Rows"]
    assert workbook["Summary"]["A1"].value == "Mailed report"
    rows = workbook["Rows"]
    assert [[cell.value for cell in row] for row in rows.iter_rows(min_row=3)] == [["Name", "Value"], ["Alpha", 3]]
    assert "is attached" in message.get_body(("plain",)).get_content()


def test_partial_report_email_says_what_is_missing(smtp_inbox, tmp_path):
    _template_with_recipients(optional_broken=True)
    call_command("generate_report", "mailed", "--param", "recipients=qa@example.com", "--output", str(tmp_path))
    _, message = smtp_inbox.messages[0]
    assert message["Subject"] == "Mailed report (incomplete: some data missing)"
    body = message.get_body(("plain",)).get_content()
    assert "incomplete" in body and "broken:" in body


def test_no_recipients_sends_nothing(smtp_inbox, tmp_path):
    _template_with_recipients()
    call_command("generate_report", "mailed", "--output", str(tmp_path))
    assert smtp_inbox.messages == []


def test_unreachable_mail_server_keeps_the_report_and_says_so(settings, tmp_path, client, db):
    from django.urls import reverse

    from reporting.models import ReportJob
    from tests.factories import UserFactory

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port, 5
    owner = UserFactory(username="owner")
    _template_with_recipients()
    call_command("generate_report", "mailed", "--param", "recipients=qa@example.com", "--user", "owner",
                 "--output", str(tmp_path))

    job = ReportJob.objects.get()
    assert job.status == ReportJob.Status.SUCCEEDED
    assert sorted(job.artifacts.values_list("format", flat=True)) == ["pdf", "xlsx"]
    [note] = [w for w in job.warnings if w.startswith("Email delivery to qa@example.com failed")]
    assert "ConnectionRefusedError" in note
    client.force_login(owner)
    assert "Email delivery to qa@example.com failed" in client.get(
        reverse("reporting:job_detail", args=[job.public_id])).content.decode()
