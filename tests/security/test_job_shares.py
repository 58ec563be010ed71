"""Sharing a report (issue 15): read-only, revocable, re-checked on every request, never an action."""
import pytest
from django.urls import reverse

from reporting.models import AuditEvent, JobShare, ReportJob
from tests.factories import (
    GroupFactory,
    JobShareFactory,
    ReportArtifactFactory,
    ReportJobFactory,
    StaticSourceFactory,
    UserFactory,
    published_template,
    small_spec,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(user):
    template = published_template(spec=small_spec(source_name=StaticSourceFactory(name="rows").name), slug="small")
    job = ReportJobFactory(template=template, requested_by=user, status=ReportJob.Status.SUCCEEDED)
    ReportArtifactFactory(job=job, format="pdf")
    return job


@pytest.fixture
def colleague(db):
    return UserFactory(username="colin")


def _urls(job):
    return {
        "page": reverse("reporting:job_detail", args=[job.public_id]),
        "download": reverse("reporting:download", args=[job.public_id, "pdf"]),
    }


def _share(client, job, **data):
    return client.post(reverse("reporting:job_share", args=[job.public_id]), data)


def test_owner_shares_colleague_sees_third_user_gets_404_and_revoke_ends_it(client, user, colleague, other_user, job):
    client.force_login(user)
    _share(client, job, username="colin")
    share = JobShare.objects.get(job=job)
    assert share.user == colleague and share.revoked_at is None
    assert AuditEvent.objects.filter(action="share_granted", job=job).count() == 1

    client.force_login(colleague)
    for url in _urls(job).values():
        assert client.get(url).status_code == 200, url
    page = client.get(_urls(job)["page"]).content.decode()
    assert "Shared with you by" in page and "Share this report" not in page and "Cancel" not in page

    client.force_login(other_user)
    for url in _urls(job).values():
        assert client.get(url).status_code == 404, url

    client.force_login(user)
    client.post(reverse("reporting:job_share_revoke", args=[job.public_id, share.pk]))
    share.refresh_from_db()
    assert share.revoked_at is not None and share.revoked_by == user
    assert AuditEvent.objects.filter(action="share_revoked", job=job).count() == 1

    client.force_login(colleague)
    for url in _urls(job).values():
        assert client.get(url).status_code == 404, url


def test_a_share_never_grants_cancel_retry_delivery_again_share_or_revoke(client, colleague, job):
    share = JobShareFactory(job=job, user=colleague)
    job.status = ReportJob.Status.PARTIAL
    job.save(update_fields=["status"])
    client.force_login(colleague)
    for name, args in [("job_cancel", [job.public_id]), ("job_retry", [job.public_id]),
                       ("job_deliver_again", [job.public_id]), ("job_share", [job.public_id]),
                       ("job_share_revoke", [job.public_id, share.pk])]:
        response = client.post(reverse(f"reporting:{name}", args=args), {"username": "colin"})
        assert response.status_code == 404, name
    job.refresh_from_db()
    share.refresh_from_db()
    assert job.status == ReportJob.Status.PARTIAL and not job.cancel_requested and share.revoked_at is None
    assert JobShare.objects.count() == 1


def test_group_share_follows_membership_on_every_request(client, colleague, job):
    group = GroupFactory(name="Auditors")
    colleague.groups.add(group)
    JobShareFactory(job=job, user=None, group=group)
    client.force_login(colleague)
    assert client.get(_urls(job)["download"]).status_code == 200
    colleague.groups.remove(group)
    assert client.get(_urls(job)["download"]).status_code == 404


def test_share_of_an_unfinished_job_grants_nothing_and_cannot_be_made(client, user, colleague, job):
    JobShareFactory(job=job, user=colleague)
    ReportJob.objects.filter(pk=job.pk).update(status=ReportJob.Status.RUNNING)
    client.force_login(colleague)
    assert client.get(_urls(job)["page"]).status_code == 404
    client.force_login(user)
    _share(client, job, username="other")
    assert JobShare.objects.count() == 1


def test_inactive_colleague_loses_the_share(client, colleague, job):
    JobShareFactory(job=job, user=colleague)
    colleague.is_active = False
    colleague.save()
    client.force_login(colleague)  # a deactivated user's session no longer authenticates either
    from reporting.selectors import job_is_shared_with
    assert job_is_shared_with(job=job, user=colleague) is False


def test_share_errors_carry_codes(user, colleague, job):
    from django.core.exceptions import ValidationError

    from reporting.services.job_share import job_share_grant

    cases = [({}, "share_target"), ({"username": "colin", "group_name": "x"}, "share_target"),
             ({"username": "nobody"}, "share_unknown_user"), ({"group_name": "nobody"}, "share_unknown_group"),
             ({"username": user.username}, "share_owner")]
    for kwargs, code in cases:
        with pytest.raises(ValidationError) as exc:
            job_share_grant(job=job, shared_by=user, **kwargs)
        assert exc.value.code == code, kwargs
    job_share_grant(job=job, shared_by=user, username="colin")
    with pytest.raises(ValidationError) as exc:
        job_share_grant(job=job, shared_by=user, username="colin")
    assert exc.value.code == "share_exists"


def test_shared_job_is_listed_for_the_colleague_but_not_for_a_third_user(client, colleague, other_user, job):
    JobShareFactory(job=job, user=colleague)
    client.force_login(colleague)
    assert "Shared with you" in client.get(reverse("reporting:home")).content.decode()
    client.force_login(other_user)
    assert "Shared with you" not in client.get(reverse("reporting:home")).content.decode()


def test_job_list_search_and_filters_never_reach_other_peoples_jobs(client, user, other_user, job):
    job.parameters = {"note": "SECRET-PLAN"}
    job.save()
    client.force_login(other_user)
    for query in ({"q": "SECRET"}, {"requested_by": user.username}, {"template": "small"}, {"status": "succeeded"}):
        page = client.get(reverse("reporting:job_list"), query).content.decode()
        assert str(job.public_id) not in page and "SECRET" not in page.replace('value="SECRET"', ""), query


def test_a_share_never_lets_its_reader_approve_even_with_the_approve_permission(client, colleague, job):
    from django.contrib.auth.models import Permission

    from reporting.services.approval import APPROVE_PERMISSION

    app_label, codename = APPROVE_PERMISSION.split(".")
    colleague.user_permissions.add(Permission.objects.get(codename=codename, content_type__app_label=app_label))
    JobShareFactory(job=job, user=colleague)
    client.force_login(colleague)
    assert client.get(_urls(job)["page"]).status_code == 200  # the share still shows the report
    url = reverse("reporting:job_approve", args=[job.public_id])
    assert client.get(url).status_code == 404
    assert client.post(url, {"password": "pw", "meaning": "approved"}).status_code == 404
    assert not job.approvals.exists()


def test_a_share_never_lets_its_reader_email_the_report_on(client, user, colleague, job, mailoutbox):
    """Emailing the files sends them to people the owner never chose: not a reader's right."""
    JobShareFactory(job=job, user=colleague)
    client.force_login(colleague)
    page = client.get(_urls(job)["page"]).content.decode()
    assert 'aria-label="Email this report"' not in page
    response = client.post(reverse("reporting:job_email", args=[job.public_id]),
                           {"addresses": "outside@example.com"})
    assert response.status_code in (403, 404)
    assert mailoutbox == [] and not job.email_deliveries.exists()
    client.force_login(user)  # the owner still may
    assert 'aria-label="Email this report"' in client.get(_urls(job)["page"]).content.decode()


def test_an_approver_who_sees_the_job_by_permission_is_offered_approval_not_a_share_notice(client, job):
    """A user with the view and approve permissions (not the owner, no share) was shown "Shared with
    you by …" and no approve link."""
    from django.contrib.auth.models import Permission

    approver = UserFactory(username="quinn")
    approver.user_permissions.add(*Permission.objects.filter(
        codename__in=["view_reportjob", "approve_reports"], content_type__app_label="reporting"))
    client.force_login(approver)
    page = client.get(_urls(job)["page"]).content.decode()
    assert 'id="shared-notice"' not in page
    assert reverse("reporting:job_approve", args=[job.public_id]) in page
