"""A scheduler tick: each due time claimed once, misfires caught up once, bursts fanned out, pauses."""
from datetime import UTC, datetime, timedelta

import pytest

from reporting.models import ReportJob, Schedule, ScheduleRun
from reporting.services.schedule_tick import schedule_tick
from tests.factories import ScheduleFactory, UserFactory

pytestmark = pytest.mark.django_db

DUE = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)  # 08:00 in Berlin on 1 December


def test_a_due_schedule_makes_one_job_with_its_parameters_and_moves_on(empty_queues):
    schedule = ScheduleFactory()
    summary = schedule_tick(now=DUE + timedelta(seconds=20))
    job = ReportJob.objects.get()
    assert summary.jobs == [job] and summary.due == 1
    assert (job.schedule, job.scheduled_for, job.origin, job.requested_by) == (
        schedule, DUE, ReportJob.Origin.SCHEDULE, schedule.owner)
    assert job.priority == ReportJob.Priority.LOW
    # "last_month" is resolved for the run's day in Berlin: November, whatever the stored dates said.
    assert job.parameters["period"] == {"start": "2026-11-01", "end": "2026-11-30", "preset": "last_month"}
    assert job.parameters["department"] == "QA"
    assert job.parameters["recipients"] == ["boss@example.com"]
    schedule.refresh_from_db()
    assert schedule.next_run_at == datetime(2027, 1, 1, 7, 0, tzinfo=UTC)
    assert (schedule.last_run_at, schedule.last_job) == (DUE, job)
    run = ScheduleRun.objects.get()
    assert (run.due_at, run.outcome, run.job) == (DUE, ScheduleRun.Outcome.CREATED, job)


def test_a_preset_resolves_in_the_schedules_zone_not_in_utc(empty_queues):
    # 00:30 on 1 January in Berlin is still 31 December in UTC: 'last_month' must be December.
    due = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    ScheduleFactory(time_of_day=datetime(2000, 1, 1, 0, 30).time(), next_run_at=due)
    schedule_tick(now=due)
    assert ReportJob.objects.get().parameters["period"]["start"] == "2026-12-01"


def test_ticking_again_or_late_makes_no_second_job(empty_queues):
    ScheduleFactory()
    schedule_tick(now=DUE)
    again = schedule_tick(now=DUE + timedelta(minutes=1))
    assert again.jobs == [] and again.due == 0
    assert ReportJob.objects.count() == 1


def test_a_second_claim_of_the_same_due_time_loses(empty_queues):
    """What a second scheduler that read the schedule before the first one moved it on would do."""
    schedule = ScheduleFactory()
    stale_copy = Schedule.objects.get(pk=schedule.pk)
    schedule_tick(now=DUE)
    Schedule.objects.filter(pk=schedule.pk).update(next_run_at=stale_copy.next_run_at)  # as the stale reader saw it
    summary = schedule_tick(now=DUE)
    assert summary.jobs == [] and summary.already_claimed == 1
    assert ReportJob.objects.count() == 1 and ScheduleRun.objects.count() == 1


def test_a_scheduler_down_for_months_runs_the_latest_missed_time_once(empty_queues):
    schedule = ScheduleFactory(next_run_at=datetime(2026, 7, 1, 6, 0, tzinfo=UTC))  # 1 July 08:00 Berlin
    summary = schedule_tick(now=DUE + timedelta(hours=3))
    job = ReportJob.objects.get()
    assert job.scheduled_for == DUE  # 1 December: the latest missed, not July
    assert summary.skipped_misfire == 5  # July to November
    skipped = ScheduleRun.objects.get(outcome=ScheduleRun.Outcome.SKIPPED_MISFIRE)
    assert (skipped.due_at, skipped.missed_until, skipped.skipped_count) == (
        datetime(2026, 7, 1, 6, 0, tzinfo=UTC), datetime(2026, 11, 1, 7, 0, tzinfo=UTC), 5)
    assert "5 run(s)" in skipped.detail and "only the latest" in skipped.detail
    schedule.refresh_from_db()
    assert schedule.next_run_at == datetime(2027, 1, 1, 7, 0, tzinfo=UTC)
    assert schedule_tick(now=DUE + timedelta(hours=4)).jobs == []


def test_misfire_records_stay_bounded_for_an_every_minute_cron(empty_queues):
    ScheduleFactory(kind=Schedule.Kind.CRON, cron="* * * * *", next_run_at=DUE - timedelta(days=30))
    summary = schedule_tick(now=DUE)
    assert len(summary.jobs) == 1 and ReportJob.objects.get().scheduled_for == DUE
    row = ScheduleRun.objects.get(outcome=ScheduleRun.Outcome.SKIPPED_MISFIRE)
    assert row.skipped_count == 10_000 and row.detail.startswith("at least 10000 run(s)")
    assert ScheduleRun.objects.count() == 2


def test_burst_makes_one_job_per_value_each_to_its_own_recipients(empty_queues):
    ScheduleFactory(burst_parameter="department", burst_recipients={"OPS": ["ops@example.com"]})
    summary = schedule_tick(now=DUE)
    jobs = {job.parameters["department"]: job for job in ReportJob.objects.all()}
    assert set(jobs) == {"QA", "OPS"} and len(summary.jobs) == 2
    assert jobs["OPS"].parameters["recipients"] == ["ops@example.com"]
    assert jobs["QA"].parameters["recipients"] == ["boss@example.com"]  # no list of its own: the schedule's
    assert sorted(ScheduleRun.objects.values_list("burst_value", flat=True)) == ["OPS", "QA"]
    assert schedule_tick(now=DUE).jobs == [] and ReportJob.objects.count() == 2


def test_a_deactivated_owner_pauses_the_schedule_and_says_why(empty_queues):
    owner = UserFactory(username="carol")
    schedule = ScheduleFactory(owner=owner)
    owner.is_active = False
    owner.save()
    schedule.refresh_from_db()
    assert (schedule.enabled, schedule.paused_reason, schedule.next_run_at) == (
        False, "Owner carol is deactivated", None)
    assert schedule_tick(now=DUE).jobs == [] and ReportJob.objects.count() == 0


def test_an_owner_deactivated_behind_the_signals_back_is_paused_by_the_tick(empty_queues):
    schedule = ScheduleFactory(owner=UserFactory(username="dave"))
    type(schedule.owner).objects.filter(pk=schedule.owner.pk).update(is_active=False)  # no post_save
    summary = schedule_tick(now=DUE)
    assert summary.jobs == [] and summary.paused == ["schedule '%s': Owner dave is deactivated" % schedule.name]
    schedule.refresh_from_db()
    assert not schedule.enabled and schedule.paused_reason == "Owner dave is deactivated"


def test_an_owner_removed_from_the_reports_groups_is_paused(empty_queues):
    from tests.factories import GroupFactory

    schedule = ScheduleFactory()
    schedule.template.allowed_groups.add(GroupFactory(name="Auditors"))
    schedule_tick(now=DUE)
    schedule.refresh_from_db()
    assert not schedule.enabled and "may no longer use the report" in schedule.paused_reason
    assert ReportJob.objects.count() == 0


def test_an_unpublished_report_records_a_failed_run_and_the_schedule_goes_on(empty_queues):
    schedule = ScheduleFactory()
    schedule.template.published_version = None
    schedule.template.save()
    summary = schedule_tick(now=DUE)
    assert ReportJob.objects.count() == 0 and "no published version" in summary.failed[0]
    run = ScheduleRun.objects.get()
    assert run.outcome == ScheduleRun.Outcome.FAILED and "no published version" in run.detail
    schedule.refresh_from_db()
    assert schedule.enabled and schedule.next_run_at == datetime(2027, 1, 1, 7, 0, tzinfo=UTC)


def test_paused_schedules_do_not_run(empty_queues):
    ScheduleFactory(enabled=False)
    assert schedule_tick(now=DUE).due == 0


def test_the_scheduler_tick_is_registered_with_rq_cron_and_its_job_ticks(empty_queues):
    import django_rq
    from rq.cron import CronScheduler

    from reporting.jobs import run_schedule_tick

    scheduler = CronScheduler(connection=django_rq.get_connection("high"))
    scheduler.load_config_from_file("reporting.cron")
    [cron_job] = [job for job in scheduler.get_jobs() if job.func is run_schedule_tick]
    assert (cron_job.queue_name, cron_job.interval) == ("high", 30)
    ScheduleFactory(next_run_at=datetime(2026, 1, 1, 7, 0, tzinfo=UTC))  # long due: caught up now
    assert "1 job(s) created" in run_schedule_tick()
    assert ReportJob.objects.count() == 1


def test_a_burst_over_too_many_values_makes_no_jobs_and_says_why(empty_queues):
    from reporting.services.schedule_params import MAX_BURST_VALUES
    from tests.factories import PublishedTemplateFactory, StaticSourceFactory, scheduled_spec

    spec = scheduled_spec(source_name=StaticSourceFactory().name)
    spec["parameters"][1]["choices"] = [f"D{i}" for i in range(MAX_BURST_VALUES + 1)]
    ScheduleFactory(template=PublishedTemplateFactory(spec=spec), burst_parameter="department",
                    parameters={"department": "D0"})
    summary = schedule_tick(now=DUE)
    assert summary.jobs == [] and ReportJob.objects.count() == 0
    run = ScheduleRun.objects.get()
    assert run.outcome == ScheduleRun.Outcome.FAILED and f"at most {MAX_BURST_VALUES}" in run.detail
