"""Schedule pages: owners create (previewing the next runs first), edit, pause, resume and delete
theirs; others (staff or not) see them only with the view permission; nobody else even learns a schedule exists; every form needs its CSRF token."""
import pytest
from django.test import Client
from django.urls import reverse

from reporting.models import Schedule
from tests.factories import PublishedTemplateFactory, ScheduleFactory, StaticSourceFactory, UserFactory, scheduled_spec

pytestmark = pytest.mark.django_db


@pytest.fixture
def template():
    return PublishedTemplateFactory(slug="monthly", spec=scheduled_spec(source_name=StaticSourceFactory().name))


def form_data(**changes):
    data = {"name": "Monthly to management", "kind": "daily", "time_of_day": "02:30", "month_day": "1", "cron": "",
            "timezone": "Europe/Berlin", "recipients": "boss@example.com, cfo@example.com", "condition": "not_all_good",
            "burst_parameter": "", "burst_recipients": "",
            "p-period_preset": "last_month", "p-period_start": "", "p-period_end": "", "p-department": "QA"}
    return {**data, **changes}


def test_preview_shows_five_runs_in_local_time_and_utc_without_saving(client, user, template):
    client.force_login(user)
    page = client.post(reverse("reporting:schedule_create", args=["monthly"]), form_data(preview="1"))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("<li><strong>") == 5 and " UTC</span>" in html
    assert "02:30 CET" in html or "02:30 CEST" in html
    assert not Schedule.objects.exists()


def test_saving_creates_the_schedule_with_the_run_forms_values(client, user, template):
    client.force_login(user)
    response = client.post(reverse("reporting:schedule_create", args=["monthly"]), form_data(save="1"))
    schedule = Schedule.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reporting:schedule_detail",
                                                                            args=[schedule.pk])
    assert (schedule.owner, schedule.kind, schedule.time_of_day.isoformat(), schedule.condition) == (
        user, "daily", "02:30:00", "not_all_good")
    assert schedule.recipients == ["boss@example.com", "cfo@example.com"]
    assert schedule.parameters["period"]["preset"] == "last_month" and schedule.parameters["department"] == "QA"
    assert "recipients" not in schedule.parameters  # the schedule's own field, not a parameter
    detail = client.get(response["Location"]).content.decode()
    assert "Monthly to management" in detail and detail.count("<li><strong>") == 5


@pytest.mark.parametrize("changes, message", [
    ({"timezone": "Mars/Base"}, "is not an IANA time zone"),
    ({"kind": "cron", "cron": "every day"}, "A cron expression has 5 fields"),
    ({"p-department": "HR"}, "Select a valid choice"),  # the run form's own validation
    ({"p-period_preset": "custom", "p-period_start": "2026-02-01", "p-period_end": "2026-01-01"},
     "The end date is before the start date."),
    ({"recipients": "not-an-address"}, "is not a valid email address"),
    ({"burst_parameter": "department", "burst_recipients": "no colon here"}, "write VALUE: address"),
])
def test_bad_values_are_shown_on_the_form(client, user, template, changes, message):
    client.force_login(user)
    page = client.post(reverse("reporting:schedule_create", args=["monthly"]), form_data(save="1", **changes))
    assert page.status_code == 400 and message in page.content.decode()
    assert not Schedule.objects.exists()


def test_edit_pause_resume_and_delete_by_the_owner(client, user):
    schedule = ScheduleFactory(owner=user)
    client.force_login(user)
    edit = client.get(reverse("reporting:schedule_edit", args=[schedule.pk])).content.decode()
    assert 'value="boss@example.com"' in edit or "boss@example.com</textarea>" in edit
    assert client.post(reverse("reporting:schedule_edit", args=[schedule.pk]),
                       form_data(save="1", name="Renamed")).status_code == 302
    schedule.refresh_from_db()
    assert schedule.name == "Renamed" and schedule.kind == "daily"
    client.post(reverse("reporting:schedule_pause", args=[schedule.pk]))
    schedule.refresh_from_db()
    assert not schedule.enabled and schedule.paused_reason == f"Paused by {user.username}"
    assert "Paused: Paused by alice" in client.get(reverse("reporting:schedule_detail", args=[schedule.pk])).content.decode()
    client.post(reverse("reporting:schedule_resume", args=[schedule.pk]))
    schedule.refresh_from_db()
    assert schedule.enabled and schedule.next_run_at
    client.post(reverse("reporting:schedule_delete", args=[schedule.pk]))
    assert not Schedule.objects.exists()


@pytest.mark.parametrize("name, method", [
    ("schedule_detail", "get"), ("schedule_edit", "get"), ("schedule_edit", "post"), ("schedule_pause", "post"),
    ("schedule_resume", "post"), ("schedule_delete", "post"),
])
def test_someone_elses_schedule_is_a_404(client, other_user, name, method):
    schedule = ScheduleFactory(owner=UserFactory(username="owner"))
    client.force_login(other_user)
    response = getattr(client, method)(reverse(f"reporting:{name}", args=[schedule.pk]), form_data(save="1"))
    assert response.status_code == 404
    schedule.refresh_from_db()
    assert schedule.enabled and schedule.name != "Monthly to management"
    assert schedule.name not in client.get(reverse("reporting:schedule_list")).content.decode()


def test_staff_see_others_schedules_only_with_the_view_permission_and_need_more_to_change_one(client, staff_user):
    from django.contrib.auth.models import Permission

    schedule = ScheduleFactory(name="Owned by olga", owner=UserFactory(username="olga"))
    client.force_login(staff_user)
    assert "Owned by olga" not in client.get(reverse("reporting:schedule_list")).content.decode()
    assert client.get(reverse("reporting:schedule_detail", args=[schedule.pk])).status_code == 404
    staff_user.user_permissions.add(Permission.objects.get(codename="view_schedule"))
    staff_user = UserFactory._meta.model.objects.get(pk=staff_user.pk)  # fresh permission cache
    client.force_login(staff_user)
    assert "Owned by olga" in client.get(reverse("reporting:schedule_list")).content.decode()
    assert client.get(reverse("reporting:schedule_detail", args=[schedule.pk])).status_code == 200
    assert client.post(reverse("reporting:schedule_pause", args=[schedule.pk])).status_code == 403
    assert client.post(reverse("reporting:schedule_delete", args=[schedule.pk])).status_code == 403
    schedule.refresh_from_db()
    assert schedule.enabled


def test_a_report_the_user_may_not_run_cannot_be_scheduled(client, user):
    from tests.factories import GroupFactory

    PublishedTemplateFactory(slug="board-only", allowed_groups=[GroupFactory(name="Board")],
                             spec=scheduled_spec(source_name=StaticSourceFactory().name))
    client.force_login(user)
    assert client.get(reverse("reporting:schedule_create", args=["board-only"])).status_code == 404
    assert client.post(reverse("reporting:schedule_create", args=["board-only"]), form_data(save="1")).status_code == 404


def test_forms_need_the_csrf_token(user, template):
    schedule = ScheduleFactory(owner=user)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    for url in (reverse("reporting:schedule_create", args=["monthly"]),
                reverse("reporting:schedule_pause", args=[schedule.pk]),
                reverse("reporting:schedule_delete", args=[schedule.pk])):
        assert client.post(url, form_data(save="1")).status_code == 403
    assert Schedule.objects.count() == 1 and Schedule.objects.get().enabled


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(reverse("reporting:schedule_list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_navbar_links_to_schedules_and_the_list_offers_new_ones(client, user, template):
    client.force_login(user)
    html = client.get(reverse("reporting:catalog")).content.decode()
    assert f'href="{reverse("reporting:schedule_list")}"' in html
    listing = client.get(reverse("reporting:schedule_list")).content.decode()
    assert reverse("reporting:schedule_create", args=["monthly"]) in listing


def test_the_job_page_names_the_schedule_and_why_it_is_paused(client, user):
    from reporting.models import ReportJob
    from tests.factories import ReportJobFactory

    schedule = ScheduleFactory(name="Monthly to management", owner=user)
    job = ReportJobFactory(template=schedule.template, schedule=schedule, requested_by=user,
                           origin=ReportJob.Origin.SCHEDULE, scheduled_for=schedule.next_run_at)
    Schedule.objects.filter(pk=schedule.pk).update(enabled=False, paused_reason="Owner alice is deactivated")
    client.force_login(user)
    html = client.get(reverse("reporting:job_detail", args=[job.public_id])).content.decode()
    assert "From schedule “Monthly to management”" in html
    assert "the schedule is paused: Owner alice is deactivated" in html


def test_the_admin_lists_schedules_with_their_pause_reason_and_their_runs(client):
    from tests.factories import ScheduleRunFactory

    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    schedule = ScheduleFactory(name="Held one", enabled=False, paused_reason="Owner bob is deactivated")
    ScheduleRunFactory(schedule=schedule, due_at=schedule.next_run_at, outcome="skipped_misfire", skipped_count=3)
    client.force_login(admin_user)
    listing = client.get(reverse("admin:reporting_schedule_changelist")).content.decode()
    assert "Held one" in listing and "Owner bob is deactivated" in listing
    runs = client.get(reverse("admin:reporting_schedulerun_changelist")).content.decode()
    assert "Skipped (missed while no scheduler ran)" in runs
    assert client.get(reverse("admin:reporting_schedule_change", args=[schedule.pk])).status_code == 200


def test_run_times_are_shown_in_the_schedules_zone_and_in_real_utc(client, user, template, settings):
    settings.TIME_ZONE = "Europe/Amsterdam"  # the site's zone must not leak into the schedule's times
    client.force_login(user)
    html = client.post(reverse("reporting:schedule_create", args=["monthly"]),
                       form_data(preview="1", time_of_day="08:00", timezone="America/New_York")).content.decode()
    assert "08:00 EST</strong>" in html and "13:00 UTC" in html and "14:00" not in html
