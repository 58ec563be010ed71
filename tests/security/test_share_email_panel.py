"""A sharee reads the report, not whom it was emailed to (issue 15 review): no delivery list or note."""
import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from reporting.models import EmailDelivery, ReportJob
from tests.factories import (
    EmailDeliveryFactory,
    JobShareFactory,
    ReportArtifactFactory,
    ReportJobFactory,
    StaticSourceFactory,
    UserFactory,
    published_template,
    small_spec,
)

pytestmark = pytest.mark.django_db

SECRET_BITS = ["ceo@example.com", "550 5.1.1 mailbox unknown", "Not emailed: the data is the same"]


@pytest.fixture
def job(user):
    template = published_template(spec=small_spec(source_name=StaticSourceFactory(name="rows").name), slug="small")
    job = ReportJobFactory(template=template, requested_by=user, status=ReportJob.Status.SUCCEEDED,
                           delivery_note="Not emailed: the data is the same as last time.")
    ReportArtifactFactory(job=job, format="pdf")
    EmailDeliveryFactory(job=job, recipient="ceo@example.com", status=EmailDelivery.Status.FAILED, attempts=3,
                         last_error="550 5.1.1 mailbox unknown")
    return job


def _pages(client, job):
    return [client.get(reverse("reporting:job_detail", args=[job.public_id])),
            client.get(reverse("reporting:job_email_panel", args=[job.public_id]))]


def test_the_owner_sees_the_deliveries_and_the_note(client, user, job):
    client.force_login(user)
    for response in _pages(client, job):
        assert response.status_code == 200
        assert all(bit in response.content.decode() for bit in SECRET_BITS)


def test_a_job_manager_sees_them_too(client, job):
    manager = UserFactory(username="max")
    manager.user_permissions.add(*Permission.objects.filter(codename__in=["view_reportjob", "change_reportjob"]))
    client.force_login(manager)
    for response in _pages(client, job):
        assert all(bit in response.content.decode() for bit in SECRET_BITS)


def test_a_sharee_sees_no_address_attempt_error_or_note(client, job):
    sharee = UserFactory(username="colin")
    JobShareFactory(job=job, user=sharee)
    client.force_login(sharee)
    for response in _pages(client, job):
        assert response.status_code == 200
        page = response.content.decode()
        assert not any(bit in page for bit in SECRET_BITS), page
        assert "Email deliveries" not in page and "Email this report" not in page


def test_a_sharee_sees_no_recipient_parameter_on_the_page_nor_in_run_again(client, user):
    """Final review: the addresses hidden from the delivery panel were still under Parameters and in
    the "Run again with changes" form."""
    spec = small_spec(source_name=StaticSourceFactory(name="rows").name)
    spec["parameters"].append({"name": "recipients", "type": "email_list", "label": "Email to", "required": False})
    template = published_template(spec=spec, slug="small-mailed")
    job = ReportJobFactory(template=template, template_version=template.published_version, requested_by=user,
                           status=ReportJob.Status.SUCCEEDED, parameters={"note": "hi", "recipients": ["ceo@example.com"]})
    ReportArtifactFactory(job=job, format="pdf")
    colleague = UserFactory(username="colin")
    JobShareFactory(job=job, user=colleague)
    client.force_login(colleague)
    for url in ("reporting:job_detail", "reporting:run_again"):
        response = client.get(reverse(url, args=[job.public_id]))
        assert response.status_code == 200 and "ceo@example.com" not in response.content.decode(), url
    client.force_login(user)  # the owner still sees whom it goes to
    for url in ("reporting:job_detail", "reporting:run_again"):
        assert "ceo@example.com" in client.get(reverse(url, args=[job.public_id])).content.decode(), url
