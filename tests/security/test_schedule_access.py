"""Someone else's schedule: seeing it (its recipients and parameters) needs the view permission AND
the template's groups; changing it needs change_schedule AND the groups; and a non-owner may never
change what it sends or to whom, because it runs as its owner and mails the owner's view of the data."""
import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.factories import GroupFactory, PublishedTemplateFactory, ScheduleFactory, StaticSourceFactory, UserFactory
from tests.factories import scheduled_spec

pytestmark = pytest.mark.django_db


@pytest.fixture
def board():
    return GroupFactory(name="Board")


@pytest.fixture
def schedule(board):
    template = PublishedTemplateFactory(slug="board-only", allowed_groups=[board],
                                        spec=scheduled_spec(source_name=StaticSourceFactory().name))
    owner = UserFactory(username="olga")
    owner.groups.add(board)
    return ScheduleFactory(name="Board pack", owner=owner, template=template)


def user_with(*codenames, groups=(), username="sam", is_staff=True):
    user = UserFactory(username=username, is_staff=is_staff)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="reporting", codename__in=codenames))
    user.groups.add(*groups)
    return user


def form_data(**changes):
    data = {"name": "Board pack", "kind": "monthly", "time_of_day": "08:00", "month_day": "1", "cron": "",
            "timezone": "Europe/Berlin", "recipients": "boss@example.com", "condition": "always",
            "burst_parameter": "", "burst_recipients": "",
            "p-period_preset": "last_month", "p-period_start": "", "p-period_end": "", "p-department": "QA",
            "save": "1"}
    return {**data, **changes}


def test_change_permission_without_the_templates_group_cannot_redirect_the_mail(client, schedule):
    client.force_login(user_with("change_schedule"))
    assert client.get(reverse("reporting:schedule_create", args=["board-only"])).status_code == 404
    response = client.post(reverse("reporting:schedule_edit", args=[schedule.pk]),
                           form_data(recipients="mallory@example.com"))
    assert response.status_code == 404
    for name in ("schedule_pause", "schedule_delete"):
        assert client.post(reverse(f"reporting:{name}", args=[schedule.pk])).status_code == 404
    schedule.refresh_from_db()
    assert schedule.recipients == ["boss@example.com"] and schedule.enabled


def test_being_staff_shows_nobody_elses_schedule(client, schedule):
    client.force_login(user_with(groups=[schedule.template.allowed_groups.get()]))
    assert "Board pack" not in client.get(reverse("reporting:schedule_list")).content.decode()
    assert client.get(reverse("reporting:schedule_detail", args=[schedule.pk])).status_code == 404


def test_the_view_permission_shows_only_schedules_of_reports_the_reader_may_run(client, schedule, board):
    outsider = user_with("view_schedule", username="vera")
    client.force_login(outsider)
    assert "Board pack" not in client.get(reverse("reporting:schedule_list")).content.decode()
    assert client.get(reverse("reporting:schedule_detail", args=[schedule.pk])).status_code == 404
    outsider.groups.add(board)
    assert "Board pack" in client.get(reverse("reporting:schedule_list")).content.decode()
    assert "boss@example.com" in client.get(reverse("reporting:schedule_detail", args=[schedule.pk])).content.decode()
    assert client.post(reverse("reporting:schedule_pause", args=[schedule.pk])).status_code == 403


def test_a_non_owner_may_retime_but_never_change_recipients_or_parameters(client, schedule, board):
    client.force_login(user_with("change_schedule", groups=[board]))
    page = client.get(reverse("reporting:schedule_edit", args=[schedule.pk])).content.decode()
    assert "This schedule belongs to olga and runs as them" in page
    for changes in ({"recipients": "mallory@example.com"}, {"recipients": "boss@example.com, mallory@example.com"},
                    {"p-department": "OPS"}, {"burst_parameter": "department",
                                              "burst_recipients": "QA: mallory@example.com"}):
        response = client.post(reverse("reporting:schedule_edit", args=[schedule.pk]), form_data(**changes))
        assert response.status_code == 400, changes
        assert "Only the owner (olga) may change the recipients" in response.content.decode()
    schedule.refresh_from_db()
    assert schedule.recipients == ["boss@example.com"] and schedule.parameters["department"] == "QA"
    assert schedule.burst_parameter == ""
    response = client.post(reverse("reporting:schedule_edit", args=[schedule.pk]),
                           form_data(name="Board pack (Mondays)", recipients="BOSS@example.com", time_of_day="09:00"))
    assert response.status_code == 302
    schedule.refresh_from_db()
    assert (schedule.name, schedule.time_of_day.hour, schedule.owner.username) == ("Board pack (Mondays)", 9, "olga")
    assert client.post(reverse("reporting:schedule_pause", args=[schedule.pk])).status_code == 302
    assert client.post(reverse("reporting:schedule_delete", args=[schedule.pk])).status_code == 403


def test_the_owner_still_changes_everything(client, schedule):
    client.force_login(schedule.owner)
    response = client.post(reverse("reporting:schedule_edit", args=[schedule.pk]),
                           form_data(recipients="cfo@example.com", **{"p-department": "OPS"}))
    assert response.status_code == 302
    schedule.refresh_from_db()
    assert schedule.recipients == ["cfo@example.com"] and schedule.parameters["department"] == "OPS"
