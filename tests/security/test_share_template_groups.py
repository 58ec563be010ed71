"""A share never reaches past the template's groups, and dies with the owner's access (issue 15 review)."""
import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from reporting.models import JobShare, ReportJob
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
def hr(db):
    return GroupFactory(name="HR")


@pytest.fixture
def owner(hr):
    owner = UserFactory(username="olga")
    owner.groups.add(hr)
    return owner


@pytest.fixture
def job(owner, hr):
    template = published_template(spec=small_spec(source_name=StaticSourceFactory(name="rows").name), slug="salaries")
    template.allowed_groups.add(hr)
    job = ReportJobFactory(template=template, requested_by=owner, status=ReportJob.Status.SUCCEEDED)
    ReportArtifactFactory(job=job, format="pdf")
    return job


def _urls(job):
    return [reverse("reporting:job_detail", args=[job.public_id]),
            reverse("reporting:download", args=[job.public_id, "pdf"])]


def _share(client, job, **data):
    return client.post(reverse("reporting:job_share", args=[job.public_id]), data, follow=True)


def test_sharing_with_someone_outside_the_templates_groups_is_refused(client, owner, job):
    UserFactory(username="otto")
    client.force_login(owner)
    page = _share(client, job, username="otto").content.decode()
    assert "Not shared:" in page and "is limited to" in page
    assert not JobShare.objects.filter(job=job).exists()


def test_sharing_with_a_group_the_template_is_not_limited_to_is_refused(client, owner, job):
    GroupFactory(name="Everyone")
    client.force_login(owner)
    page = _share(client, job, group="Everyone").content.decode()
    assert "Not shared:" in page and "limited to other groups" in page
    assert not JobShare.objects.filter(job=job).exists()


def test_sharing_with_a_member_or_the_allowed_group_works(client, owner, hr, job):
    colleague = UserFactory(username="hanna")
    colleague.groups.add(hr)
    client.force_login(owner)
    _share(client, job, username="hanna")
    _share(client, job, group="HR")
    assert JobShare.objects.filter(job=job, revoked_at__isnull=True).count() == 2
    client.force_login(colleague)
    for url in _urls(job):
        assert client.get(url).status_code == 200, url


def test_an_old_share_to_someone_outside_the_groups_opens_nothing(client, job):
    otto = UserFactory(username="otto")
    JobShareFactory(job=job, user=otto)  # made before the template was limited, or by hand
    client.force_login(otto)
    for url in _urls(job):
        assert client.get(url).status_code == 404, url
    assert "salaries" not in client.get(reverse("reporting:home")).content.decode().lower()


@pytest.fixture
def sharee(hr, job):
    sharee = UserFactory(username="hanna")
    sharee.groups.add(hr)
    JobShareFactory(job=job, user=sharee)
    return sharee


def test_the_share_ends_when_the_owner_leaves_the_group(client, owner, hr, sharee, job):
    client.force_login(sharee)
    assert all(client.get(url).status_code == 200 for url in _urls(job))
    owner.groups.remove(hr)
    client.force_login(owner)
    assert client.get(_urls(job)[0]).status_code == 403
    client.force_login(sharee)
    for url in _urls(job):
        assert client.get(url).status_code == 404, url


def test_the_share_ends_when_the_owner_is_deactivated(client, owner, sharee, job):
    owner.is_active = False
    owner.save(update_fields=["is_active"])
    client.force_login(sharee)
    for url in _urls(job):
        assert client.get(url).status_code == 404, url
    assert not any(j == job for j in _shared_list(sharee))


def _shared_list(user):
    from reporting.selectors import job_list_shared_with
    return list(job_list_shared_with(user=user))


def test_the_share_ends_when_the_group_share_member_leaves_the_templates_group(client, hr, job):
    # A group share reaches members of the allowed group, and ends for one who leaves it.
    member = UserFactory(username="gina")
    member.groups.add(hr)
    JobShareFactory(job=job, user=None, group=hr)
    assert _shared_list(member) == [job]
    member.groups.remove(hr)
    assert _shared_list(member) == []


def test_the_owner_who_lost_the_template_can_still_revoke(client, owner, hr, sharee, job):
    share = JobShare.objects.get(job=job)
    owner.groups.remove(hr)
    client.force_login(owner)
    client.post(reverse("reporting:job_share_revoke", args=[job.public_id, share.pk]))
    share.refresh_from_db()
    assert share.revoked_at is not None and share.revoked_by == owner
    owner.groups.add(hr)  # back in the group: the revoked share stays revoked
    client.force_login(sharee)
    assert client.get(_urls(job)[0]).status_code == 404


def test_staff_with_change_permission_can_revoke_and_others_cannot(client, sharee, job, other_user):
    share = JobShare.objects.get(job=job)
    client.force_login(other_user)
    response = client.post(reverse("reporting:job_share_revoke", args=[job.public_id, share.pk]))
    assert response.status_code == 404
    share.refresh_from_db()
    assert share.revoked_at is None
    manager = UserFactory(username="max", is_staff=True)
    manager.user_permissions.add(Permission.objects.get(codename="change_reportjob"))
    client.force_login(manager)
    client.post(reverse("reporting:job_share_revoke", args=[job.public_id, share.pk]))
    share.refresh_from_db()
    assert share.revoked_at is not None and share.revoked_by == manager
