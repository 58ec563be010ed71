"""Finding 8: access to a job is re-checked on every action, and is_staff alone grants nothing.

Before: a user removed from a template's group could still run their old job again (302, with
fresh data), cancel it and download it; any staff user saw every user's jobs and could empty the
queues in django-rq's dashboard.
"""
import django_rq
import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django_rq.settings import get_queues_map

from reporting.models import ReportArtifact, ReportJob
from tests.factories import (
    GroupFactory,
    ReportArtifactFactory,
    ReportJobFactory,
    StaticSourceFactory,
    UserFactory,
    published_template,
    small_spec,
)

pytestmark = pytest.mark.django_db


def _db_state():
    """Every job and file row, to prove an attack changed nothing."""
    return (list(ReportJob.objects.order_by("pk").values()), list(ReportArtifact.objects.order_by("pk").values()))


def _grant(user, codename):
    user.user_permissions.add(Permission.objects.get(codename=codename))


@pytest.fixture
def auditors():
    return GroupFactory(name="Auditors")


@pytest.fixture
def template(auditors):
    return published_template(spec=small_spec(source_name=StaticSourceFactory(name="rows").name),
                              slug="audit", name="Audit report", allowed_groups=[auditors])


@pytest.fixture
def member(user, auditors):
    user.groups.add(auditors)
    return user


def _submit(client, template, django_capture_on_commit_callbacks) -> ReportJob:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reporting:run", args=[template.slug]), {"note": "q3"})
    assert response.status_code == 302
    return ReportJob.objects.get(pk=ReportJob.objects.latest("pk").pk)


def _finish_with_pdf(job, status=ReportJob.Status.SUCCEEDED):
    ReportJob.objects.filter(pk=job.pk).update(status=status, progress=100)
    ReportArtifactFactory(job=job, format="pdf", content=b"%PDF-1.4")


def _refused(response, *, status, text=None):
    assert response.status_code == status, response.content.decode()[:500]
    if text:
        assert text in response.content.decode()


REMOVED_FROM_GROUP = "You can no longer use the report “Audit report”"


class TestRemovedFromTheGroup:
    def test_run_again_is_refused_and_nothing_is_queued(self, client, member, auditors, template, empty_queues,
                                                        django_capture_on_commit_callbacks):
        client.force_login(member)
        job = _submit(client, template, django_capture_on_commit_callbacks)
        django_rq.get_queue("default").empty()
        ReportJob.objects.filter(pk=job.pk).update(status=ReportJob.Status.FAILED, error_message="boom")
        member.groups.remove(auditors)
        before = _db_state()

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("reporting:job_retry", args=[job.public_id]))

        _refused(response, status=403, text=REMOVED_FROM_GROUP)
        assert "cannot run this job again" in response.content.decode()
        assert _db_state() == before
        assert all(django_rq.get_queue(q).count == 0 for q in ("high", "default", "low"))

    def test_cancel_is_refused(self, client, member, auditors, template, empty_queues,
                               django_capture_on_commit_callbacks):
        client.force_login(member)
        job = _submit(client, template, django_capture_on_commit_callbacks)
        member.groups.remove(auditors)
        before = _db_state()

        _refused(client.post(reverse("reporting:job_cancel", args=[job.public_id])), status=403,
                 text=REMOVED_FROM_GROUP)

        assert _db_state() == before
        job.refresh_from_db()
        assert job.status == ReportJob.Status.QUEUED and not job.cancel_requested
        assert django_rq.get_queue("default").job_ids == [job.rq_job_id]  # still waiting to run

    def test_download_job_page_and_list_are_refused(self, client, member, auditors, template, empty_queues,
                                                    django_capture_on_commit_callbacks):
        client.force_login(member)
        job = _submit(client, template, django_capture_on_commit_callbacks)
        _finish_with_pdf(job)
        download = reverse("reporting:download", args=[job.public_id, "pdf"])
        page = reverse("reporting:job_detail", args=[job.public_id])
        assert client.get(download).status_code == 200  # while still in the group
        member.groups.remove(auditors)
        before = _db_state()

        _refused(client.get(download), status=403, text=REMOVED_FROM_GROUP)
        _refused(client.get(page), status=403, text=REMOVED_FROM_GROUP)
        _refused(client.get(page, HTTP_HX_REQUEST="true"), status=403)
        assert list(client.get(reverse("reporting:job_list")).context["page"].object_list) == []
        assert _db_state() == before

    def test_back_in_the_group_the_job_is_theirs_again(self, client, member, auditors, template, empty_queues,
                                                       django_capture_on_commit_callbacks):
        client.force_login(member)
        job = _submit(client, template, django_capture_on_commit_callbacks)
        ReportJob.objects.filter(pk=job.pk).update(status=ReportJob.Status.FAILED)
        member.groups.remove(auditors)
        assert client.post(reverse("reporting:job_retry", args=[job.public_id])).status_code == 403
        member.groups.add(auditors)

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("reporting:job_retry", args=[job.public_id]))

        assert response.status_code == 302
        job.refresh_from_db()
        assert job.status == ReportJob.Status.QUEUED


@pytest.fixture
def someone_elses_jobs(template, member):
    """A failed, a queued and a finished job of another user (the member)."""
    def make(status):
        return ReportJobFactory(template=template, requested_by=member, status=status, formats=["pdf"], rq_job_id="")
    failed, queued, done = (make(ReportJob.Status.FAILED), make(ReportJob.Status.QUEUED),
                            make(ReportJob.Status.SUCCEEDED))
    _finish_with_pdf(done)
    return {"failed": failed, "queued": queued, "done": done}


class TestStaffWithoutPermissions:
    def test_sees_only_own_jobs(self, client, staff_user, auditors, template, someone_elses_jobs):
        staff_user.groups.add(auditors)
        own = ReportJobFactory(template=template, requested_by=staff_user, status=ReportJob.Status.SUCCEEDED,
                               formats=[])
        client.force_login(staff_user)
        assert list(client.get(reverse("reporting:job_list")).context["page"].object_list) == [own]

    def test_gets_404_on_every_action_on_another_users_job(self, client, staff_user, someone_elses_jobs,
                                                           django_capture_on_commit_callbacks):
        client.force_login(staff_user)
        jobs = someone_elses_jobs
        before = _db_state()

        with django_capture_on_commit_callbacks(execute=True):
            attempts = [
                client.get(reverse("reporting:job_detail", args=[jobs["done"].public_id])),
                client.get(reverse("reporting:download", args=[jobs["done"].public_id, "pdf"])),
                # the monitor page's retry button posts here
                client.post(reverse("reporting:job_retry", args=[jobs["failed"].public_id])),
                client.post(reverse("reporting:job_cancel", args=[jobs["queued"].public_id])),
            ]

        assert [r.status_code for r in attempts] == [404, 404, 404, 404]
        assert _db_state() == before

    def test_view_permission_shows_but_does_not_let_them_change(self, client, staff_user, someone_elses_jobs,
                                                                django_capture_on_commit_callbacks):
        _grant(staff_user, "view_reportjob")
        client.force_login(staff_user)
        jobs = someone_elses_jobs
        assert client.get(reverse("reporting:job_detail", args=[jobs["done"].public_id])).status_code == 200
        assert client.get(reverse("reporting:download", args=[jobs["done"].public_id, "pdf"])).status_code == 200
        listed = set(client.get(reverse("reporting:job_list")).context["page"].object_list)
        assert listed == set(jobs.values())
        before = _db_state()

        with django_capture_on_commit_callbacks(execute=True):
            retry = client.post(reverse("reporting:job_retry", args=[jobs["failed"].public_id]))
            cancel = client.post(reverse("reporting:job_cancel", args=[jobs["queued"].public_id]))

        _refused(retry, status=403, text="You may see other users&#x27; jobs but not run them again.")
        _refused(cancel, status=403, text="You may see other users&#x27; jobs but not cancel them.")
        assert _db_state() == before

    def test_view_permission_offers_no_buttons_it_would_refuse(self, client, staff_user, someone_elses_jobs):
        _grant(staff_user, "view_reportjob")
        client.force_login(staff_user)
        failed, queued = someone_elses_jobs["failed"], someone_elses_jobs["queued"]
        page = client.get(reverse("reporting:job_detail", args=[failed.public_id])).content.decode()
        assert reverse("reporting:job_retry", args=[failed.public_id]) not in page
        partial = client.get(reverse("reporting:job_detail", args=[queued.public_id]), HTTP_HX_REQUEST="true")
        assert reverse("reporting:job_cancel", args=[queued.public_id]) not in partial.content.decode()
        # The owner still gets them.
        client.force_login(failed.requested_by)
        page = client.get(reverse("reporting:job_detail", args=[failed.public_id])).content.decode()
        assert reverse("reporting:job_retry", args=[failed.public_id]) in page

    def test_change_permission_lets_them_run_it_again(self, client, staff_user, someone_elses_jobs, empty_queues,
                                                      django_capture_on_commit_callbacks):
        _grant(staff_user, "change_reportjob")
        client.force_login(staff_user)
        failed = someone_elses_jobs["failed"]
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("reporting:job_retry", args=[failed.public_id]))
        assert response.status_code == 302
        failed.refresh_from_db()
        assert failed.status == ReportJob.Status.QUEUED

    def test_cannot_list_jobs_in_the_django_admin(self, client, staff_user, someone_elses_jobs):
        client.force_login(staff_user)
        for url in (reverse("admin:reporting_reportjob_changelist"),
                    reverse("admin:reporting_reportjob_change", args=[someone_elses_jobs["done"].pk]),
                    reverse("admin:reporting_reportartifact_changelist")):
            assert client.get(url).status_code == 403, url
        assert "Report jobs" not in client.get(reverse("admin:index")).content.decode()


class TestQueueDashboard:
    @pytest.fixture
    def queued_job(self, template, member, empty_queues, django_capture_on_commit_callbacks):
        from reporting.services import job_submit

        template.allowed_groups.clear()
        with django_capture_on_commit_callbacks(execute=True):
            job = job_submit(template=template, user=member, parameters={})
        assert django_rq.get_queue("default").job_ids == [job.rq_job_id]
        return job

    @staticmethod
    def _empty_url():
        return f"/admin/rq/queues/{get_queues_map()['default']}/empty/"

    def test_staff_without_the_permission_gets_403_and_the_queue_stays(self, client, staff_user, queued_job):
        client.force_login(staff_user)

        _refused(client.get("/admin/rq/"), status=403, text="Can manage the RQ queues")
        _refused(client.post(self._empty_url()), status=403)
        _refused(client.get("/admin/rq/stats.json"), status=403)
        # django-rq's second entrance, inside the Django admin
        _refused(client.get("/admin/django_rq/dashboard/"), status=403)

        assert django_rq.get_queue("default").job_ids == [queued_job.rq_job_id]
        assert "/admin/django_rq/dashboard/" not in client.get(reverse("admin:index")).content.decode()

    def test_superuser_gets_in_and_can_empty_the_queue(self, client, queued_job):
        client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
        assert client.get("/admin/rq/").status_code == 200
        assert "/admin/django_rq/dashboard/" in client.get(reverse("admin:index")).content.decode()
        assert client.post(self._empty_url()).status_code == 302
        assert django_rq.get_queue("default").count == 0  # the url really empties: the 403 above is the check

    def test_staff_with_the_permission_gets_in(self, client, staff_user, queued_job):
        _grant(staff_user, "manage_queues")
        client.force_login(staff_user)
        assert client.get("/admin/rq/").status_code == 200
        assert client.get("/admin/django_rq/dashboard/").status_code == 200
        assert "/admin/django_rq/dashboard/" in client.get(reverse("admin:index")).content.decode()
