"""Editing or resuming a schedule whose run is due (but not yet picked up by the tick, which runs
every 30 s) must not drop that run: the next run is worked out again only when the rule changes."""
from datetime import UTC, datetime, time, timedelta

import pytest

from reporting.models import ReportJob, Schedule
from reporting.services.schedule_crud import schedule_resume, schedule_update
from reporting.services.schedule_tick import schedule_tick
from tests.factories import ScheduleFactory

pytestmark = pytest.mark.django_db

DUE = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def daily():
    return ScheduleFactory(kind=Schedule.Kind.DAILY, time_of_day=time(8, 0), timezone="UTC", next_run_at=DUE)


def test_renaming_a_due_schedule_keeps_its_run(empty_queues, daily):
    schedule_update(schedule=daily, values={"name": "Renamed"}, now=DUE + timedelta(seconds=20))
    daily.refresh_from_db()
    assert daily.next_run_at == DUE
    summary = schedule_tick(now=DUE + timedelta(seconds=30))
    assert [job.scheduled_for for job in summary.jobs] == [DUE]


def test_new_recipients_of_a_due_schedule_get_the_due_run(empty_queues, daily):
    schedule_update(schedule=daily, values={"recipients": ["cfo@example.com"]}, now=DUE + timedelta(seconds=5))
    schedule_tick(now=DUE + timedelta(seconds=30))
    assert ReportJob.objects.get().parameters["recipients"] == ["cfo@example.com"]


def test_a_changed_rule_counts_from_the_due_time_not_from_now(empty_queues):
    # Every 15 minutes; the 08:00 run is due. Moving to every 30 minutes (08:00 is one of its runs)
    # keeps 08:00 due instead of jumping to 08:30.
    schedule = ScheduleFactory(kind=Schedule.Kind.CRON, cron="*/15 * * * *", timezone="UTC", next_run_at=DUE)
    schedule_update(schedule=schedule, values={"cron": "*/30 * * * *"}, now=DUE + timedelta(seconds=20))
    schedule.refresh_from_db()
    assert schedule.next_run_at == DUE
    assert [job.scheduled_for for job in schedule_tick(now=DUE + timedelta(seconds=30)).jobs] == [DUE]


def test_a_changed_rule_of_a_schedule_not_due_counts_from_now(daily):
    schedule_update(schedule=daily, values={"time_of_day": time(9, 0)}, now=DUE - timedelta(hours=2))
    daily.refresh_from_db()
    assert daily.next_run_at == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_resuming_a_schedule_that_is_not_paused_keeps_its_due_run(empty_queues, daily):
    schedule_resume(schedule=daily, now=DUE + timedelta(seconds=20))
    daily.refresh_from_db()
    assert daily.next_run_at == DUE
    assert len(schedule_tick(now=DUE + timedelta(seconds=30)).jobs) == 1
