"""Hostile template authors and curious readers against the report email and its download links.

- A title (or parameter) with CR/LF must not add headers (Bcc: …) or recipients to the message.
- A KPI name with markup is text in the HTML body, never markup.
- A download link is no credential: edited, pointed at another job, or used by someone who has
  since lost access, it gives nothing.
"""
import pytest
from django.core import signing
from django.urls import reverse

from reporting.services.download_links import SALT, download_link_token
from tests.factories import GroupFactory
from tests.reporting.email_helpers import KPIS, kpi_template, run_job
from tests.smtp_server import smtp_server  # noqa: F401 (fixture: a real SMTP server)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("title", [
    "Monthly\r\nBcc: victim@evil.example",
    "Monthly\nTo: victim@evil.example\n\n<html>fake body</html>",
    "Monthly\u2028Bcc: victim@evil.example",
])
def test_header_injection_through_the_template_title_adds_no_header_and_no_recipient(smtp_server, user,  # noqa: F811
                                                                                     title):
    job = run_job(kpi_template(title=title), user=user)
    [received] = smtp_server.wait_for(1)
    assert received.rcpt_tos == ["qa@example.com"]
    assert received.message.get_all("Bcc") is None
    assert received.message.get_all("To") == ["qa@example.com"]
    assert "\n" not in received.subject and "\r" not in received.subject
    assert received.subject.startswith("Monthly ") and received.subject.endswith(" — Complete")
    assert job.email_deliveries.get().recipient == "qa@example.com"


def test_header_injection_through_a_stored_recipient_is_refused_before_sending(smtp_server, user):  # noqa: F811
    job = run_job(kpi_template(), user=user, recipients=["qa@example.com\r\nBcc: victim@evil.example"])
    assert smtp_server.messages == []
    assert job.delivery_note.startswith("Email not sent to any of the 1 recipient(s): ")
    assert "is not a valid email address" in job.delivery_note


def test_markup_in_a_kpi_name_is_escaped_in_the_html_body(smtp_server, user):  # noqa: F811
    hostile = [{**KPIS[0], "name": '<script>alert(1)</script><a href="https://evil.example">Log in</a>'}]
    run_job(kpi_template(kpis=hostile, title="<b>Title</b>"), user=user)
    [received] = smtp_server.wait_for(1)
    html = received.html
    assert "<script>" not in html and 'href="https://evil.example"' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;b&gt;Title&lt;/b&gt;" in html
    # The plain-text body is text: the name as written, not entities.
    assert "- <script>alert(1)</script>" in received.text


@pytest.fixture
def linked(smtp_server, user, settings):  # noqa: F811
    settings.REPORTING_EMAIL_MAX_ATTACHMENT_MB = 0.001
    return run_job(kpi_template(), user=user)


def test_an_edited_link_is_not_valid(client, user, linked):
    token = download_link_token(artifact=linked.artifacts.get(format="pdf"))
    client.force_login(user)
    for edited in (token[:-1] + ("A" if token[-1] != "A" else "B"), token[:20], token.replace(":", "x", 1)):
        response = client.get(reverse("reporting:download_link", args=[edited]))
        assert response.status_code == 404, edited
        assert "This download link is not valid" in response.content.decode()


def test_a_link_cannot_be_pointed_at_another_job(client, user, linked):
    other = run_job(kpi_template(slug="other"), user=user)
    token = download_link_token(artifact=linked.artifacts.get(format="pdf"))
    value, _, signature = token.rpartition(":")
    payload, _, stamp = value.rpartition(":")
    forged_payload = signing.b64_encode(
        f'{{"job":"{other.public_id}","fmt":"pdf"}}'.encode()).decode()
    client.force_login(user)
    forged = f"{forged_payload}:{stamp}:{signature}"
    assert client.get(reverse("reporting:download_link", args=[forged])).status_code == 404
    # A link signed with another purpose's salt (e.g. a session value) is not a download link either.
    other_purpose = signing.dumps({"job": str(other.public_id), "fmt": "pdf"}, salt="something-else")
    assert client.get(reverse("reporting:download_link", args=[other_purpose])).status_code == 404
    assert SALT == "reporting.email-download-link"


def test_a_link_is_dead_once_its_user_loses_access_to_the_report(client, user, linked):
    token = download_link_token(artifact=linked.artifacts.get(format="pdf"))
    client.force_login(user)
    url = reverse("reporting:download_link", args=[token])
    assert client.get(url).status_code == 200
    linked.template.allowed_groups.add(GroupFactory(name="Auditors"))  # user is not in it
    response = client.get(url)
    assert response.status_code == 403
    assert "You can no longer use the report" in response.content.decode()
