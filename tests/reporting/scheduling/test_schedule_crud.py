"""Creating and changing schedules: every rule checked with a code; pause, resume and delete."""
from datetime import UTC, datetime, time

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from reporting.models import ReportJob, Schedule
from reporting.services.schedule_crud import (
    schedule_create, schedule_delete, schedule_pause, schedule_preview, schedule_resume, schedule_update,
)
from tests.factories import (
    GroupFactory, PublishedTemplateFactory, ReportJobFactory, ScheduleFactory, StaticSourceFactory, UserFactory,
    scheduled_spec, small_spec,
)

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def template():
    return PublishedTemplateFactory(spec=scheduled_spec(source_name=StaticSourceFactory().name))


def values(**changes):
    base = {"name": "Monthly to management", "parameters": {"period": {"start": "2026-11-01", "end": "2026-11-30",
                                                                       "preset": "last_month"}, "department": "QA"},
            "kind": "monthly", "month_day": "1", "time_of_day": time(8, 0), "timezone": "Europe/Berlin",
            "recipients": ["boss@example.com"], "condition": "always"}
    return {**base, **changes}


def codes(exc: ValidationError) -> dict[str, list[str]]:
    return {field: [e.code for e in errors] for field, errors in exc.error_dict.items()}


def test_create_computes_the_first_run_in_the_zone(template, user):
    schedule = schedule_create(owner=user, template=template, values=values(), now=NOW)
    assert schedule.next_run_at == datetime(2027, 1, 1, 7, 0, tzinfo=UTC)  # 08:00 CET
    assert schedule.recipients == ["boss@example.com"] and schedule.enabled


@pytest.mark.parametrize("changes, field, code", [
    ({"name": "  "}, "name", "name_missing"),
    ({"timezone": "Europe/Atlantis"}, "timezone", "invalid_timezone"),
    ({"kind": "weekly", "weekdays": []}, "weekdays", "weekdays_missing"),
    ({"month_day": "0"}, "month_day", "invalid_month_day"),
    ({"kind": "cron", "cron": "61 * * * *"}, "cron", "cron_invalid"),
    ({"kind": "cron", "cron": "0 8 30 2 *"}, "kind", "never_runs"),
    ({"formats": ["docx"]}, "formats", "unknown_format"),
    ({"condition": "sometimes"}, "condition", "invalid_condition"),
    ({"recipients": ["not an address"]}, "recipients", "invalid_email"),
    ({"burst_parameter": "period"}, "burst_parameter", "burst_not_choice"),
    ({"burst_parameter": "department", "burst_recipients": {"HR": ["a@example.com"]}}, "burst_recipients",
     "burst_unknown_value"),
    ({"burst_parameter": "department", "burst_recipients": {"QA": ["nope"]}}, "burst_recipients",
     "burst_recipients_invalid"),
    ({"burst_recipients": {"QA": ["a@example.com"]}}, "burst_recipients", "burst_recipients_without_parameter"),
])
def test_broken_values_are_refused_naming_the_field(template, user, changes, field, code):
    with pytest.raises(ValidationError) as info:
        schedule_create(owner=user, template=template, values=values(**changes), now=NOW)
    assert code in codes(info.value).get(field, []), codes(info.value)
    assert not Schedule.objects.exists()


@override_settings(REPORTING_EMAIL_ALLOWED_DOMAINS=["example.com"])
def test_recipients_follow_the_report_email_policy(template, user):
    with pytest.raises(ValidationError) as info:
        schedule_create(owner=user, template=template, values=values(recipients=["eve@evil.test"]), now=NOW)
    assert codes(info.value) == {"recipients": ["recipient_domain"]}


@override_settings(REPORTING_EMAIL_MAX_RECIPIENTS=2)
def test_recipient_limit_applies(template, user):
    with pytest.raises(ValidationError) as info:
        schedule_create(owner=user, template=template, now=NOW,
                        values=values(recipients=["a@example.com", "b@example.com", "c@example.com"]))
    assert codes(info.value) == {"recipients": ["too_many_recipients"]}


def test_a_report_without_a_recipients_parameter_takes_no_recipients(user):
    template = PublishedTemplateFactory(spec=small_spec(source_name=StaticSourceFactory().name))
    with pytest.raises(ValidationError) as info:
        schedule_create(owner=user, template=template, values=values(parameters={}), now=NOW)
    assert codes(info.value) == {"recipients": ["no_recipient_parameter"]}
    assert schedule_create(owner=user, template=template, values=values(parameters={}, recipients=[]), now=NOW)


def test_a_report_the_owner_may_not_use_cannot_be_scheduled(user):
    template = PublishedTemplateFactory(spec=scheduled_spec(source_name=StaticSourceFactory().name),
                                        allowed_groups=[GroupFactory(name="Board")])
    with pytest.raises(ValidationError) as info:
        schedule_create(owner=user, template=template, values=values(), now=NOW)
    assert codes(info.value) == {"template": ["template_not_allowed"]}


def test_preview_gives_five_run_times_without_saving():
    runs = schedule_preview(values={"kind": "daily", "time_of_day": time(2, 30), "timezone": "Europe/Berlin"},
                            now=datetime(2027, 3, 26, 12, 0, tzinfo=UTC))
    assert [r.isoformat() for r in runs] == [
        "2027-03-27T01:30:00+00:00", "2027-03-28T01:00:00+00:00", "2027-03-29T00:30:00+00:00",
        "2027-03-30T00:30:00+00:00", "2027-03-31T00:30:00+00:00"]
    assert not Schedule.objects.exists()


def test_update_recomputes_the_next_run_and_keeps_what_was_not_given(template, user):
    schedule = schedule_create(owner=user, template=template, values=values(), now=NOW)
    schedule_update(schedule=schedule, values={"kind": "daily", "time_of_day": time(6, 15)}, now=NOW)
    schedule.refresh_from_db()
    assert schedule.next_run_at == datetime(2026, 12, 3, 5, 15, tzinfo=UTC)
    assert schedule.recipients == ["boss@example.com"] and schedule.name == "Monthly to management"


def test_pause_and_resume(template, user):
    schedule = schedule_create(owner=user, template=template, values=values(), now=NOW)
    schedule_pause(schedule=schedule, reason="Holidays")
    schedule.refresh_from_db()
    assert (schedule.enabled, schedule.paused_reason, schedule.next_run_at) == (False, "Holidays", None)
    schedule_resume(schedule=schedule, now=NOW)
    schedule.refresh_from_db()
    assert schedule.enabled and schedule.paused_reason == "" and schedule.next_run_at is not None


def test_a_deactivated_owners_schedule_cannot_be_resumed():
    owner = UserFactory(username="erin")
    schedule = ScheduleFactory(owner=owner)
    owner.is_active = False
    owner.save()
    schedule.refresh_from_db()
    with pytest.raises(ValidationError) as info:
        schedule_resume(schedule=schedule, now=NOW)
    assert info.value.code == "owner_inactive"


def test_delete_keeps_the_jobs_it_made():
    schedule = ScheduleFactory()
    job = ReportJobFactory(template=schedule.template, schedule=schedule)
    schedule_delete(schedule=schedule)
    job.refresh_from_db()
    assert job.schedule is None and ReportJob.objects.count() == 1


@pytest.mark.parametrize("changes", [
    {"kind": "cron", "cron": "* * * * *"},
    {"kind": "cron", "cron": "0,5 8 * * *"},  # two runs five minutes apart once a day
])
def test_a_schedule_may_not_run_more_often_than_every_15_minutes(template, user, changes):
    with pytest.raises(ValidationError) as info:
        schedule_create(owner=user, template=template, values=values(**changes), now=NOW)
    assert codes(info.value) == {"cron": ["runs_too_often"]}
    assert schedule_create(owner=user, template=template, values=values(kind="cron", cron="*/15 * * * *"), now=NOW)
