"""Run times in the schedule's zone: DST gaps and repeated hours run once, short months, 29 February."""
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from reporting.scheduling.recurrence import (
    Rule, RuleInvalid, latest_run_at_or_before, next_runs, rule_check, runs_between, to_utc,
)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def local_times(rule: Rule, after: str, count: int) -> list[str]:
    return [r.astimezone(ZoneInfo(rule.timezone)).isoformat() for r in next_runs(rule, after=utc(after), count=count)]


# (zone, spring-forward day, fall-back day); 02:30 does not exist on the first and exists twice on the second.
DST_DAYS = [
    ("Europe/Berlin", "2026-03-29", "2026-10-25"),
    ("Europe/Berlin", "2027-03-28", "2027-10-31"),
    ("America/New_York", "2026-03-08", "2026-11-01"),
    ("America/New_York", "2027-03-14", "2027-11-07"),
]


@pytest.mark.parametrize("zone, spring, _fall", DST_DAYS)
def test_daily_0230_on_spring_forward_day_runs_once_at_0300(zone, spring, _fall):
    rule = Rule(kind="daily", timezone=zone, time_of_day=time(2, 30))
    day_before = datetime.fromisoformat(spring).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
    runs = next_runs(rule, after=day_before, count=3)
    local = [r.astimezone(ZoneInfo(zone)) for r in runs]
    # 02:30 does not exist that day: the run is at the first valid local time after the gap.
    assert [(d.date().isoformat(), d.strftime("%H:%M")) for d in local][0] == (spring, "03:00")
    assert [d.strftime("%H:%M") for d in local[1:]] == ["02:30", "02:30"]
    assert len({d.date() for d in local}) == 3  # one run per day, the gap day included


# The repeated hour is 02:00-03:00 in Berlin but 01:00-02:00 in New York (EDT ends at 02:00).
REPEATED = {"Europe/Berlin": time(2, 30), "America/New_York": time(1, 30)}


@pytest.mark.parametrize("zone, _spring, fall", DST_DAYS)
@pytest.mark.parametrize("at", [time(2, 30), "repeated"])
def test_daily_run_on_fall_back_day_runs_once_not_twice(zone, _spring, fall, at):
    at = REPEATED[zone] if at == "repeated" else at
    rule = Rule(kind="daily", timezone=zone, time_of_day=at)
    start = datetime.fromisoformat(fall).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
    runs = next_runs(rule, after=start, count=3)
    local = [r.astimezone(ZoneInfo(zone)) for r in runs]
    assert local[0].date().isoformat() == fall and local[0].time() == at
    assert [d.time() for d in local] == [at, at, at]
    assert len({d.date() for d in local}) == 3  # one run per day: the fall-back day has exactly one
    if at == REPEATED[zone]:
        assert local[0].dst() == timedelta(hours=1)  # the first occurrence, still summer time (fold=0)
        # A scheduler asking again from inside the second pass of the hour gets tomorrow's run.
        assert next_runs(rule, after=runs[0] + timedelta(hours=1), count=1) == [runs[1]]


def test_cron_every_20_minutes_through_the_repeated_hour_runs_each_local_time_once():
    rule = Rule(kind="cron", timezone="Europe/Berlin", cron="*/20 2 * * *")
    assert local_times(rule, "2026-10-24T12:00", 4) == [
        "2026-10-25T02:00:00+02:00", "2026-10-25T02:20:00+02:00", "2026-10-25T02:40:00+02:00",
        "2026-10-26T02:00:00+01:00"]


def test_cron_times_inside_the_gap_collapse_into_one_run_after_it():
    rule = Rule(kind="cron", timezone="America/New_York", cron="*/15 2 * * *")
    assert local_times(rule, "2027-03-13T12:00", 2) == ["2027-03-14T03:00:00-04:00", "2027-03-15T02:00:00-04:00"]


def test_cron_0830_keeps_its_wall_clock_hour_across_both_changes():
    rule = Rule(kind="cron", timezone="Europe/Berlin", cron="30 8 * * 1")
    times = local_times(rule, "2026-10-18T00:00", 3)
    assert [t[11:16] for t in times] == ["08:30", "08:30", "08:30"]
    assert [t[-6:] for t in times] == ["+02:00", "+01:00", "+01:00"]


def test_monthly_on_the_31st_runs_on_the_last_day_of_shorter_months():
    rule = Rule(kind="monthly", timezone="Europe/Berlin", month_day="31")
    assert [t[:10] for t in local_times(rule, "2026-01-15T00:00", 6)] == [
        "2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31", "2026-06-30"]


def test_monthly_last_day_and_day_29_in_february():
    last = Rule(kind="monthly", timezone="UTC", month_day="last")
    assert [t[:10] for t in local_times(last, "2027-12-15T00:00", 3)] == ["2027-12-31", "2028-01-31", "2028-02-29"]
    day29 = Rule(kind="monthly", timezone="UTC", month_day="29")
    assert [t[:10] for t in local_times(day29, "2027-01-15T00:00", 3)] == ["2027-01-29", "2027-02-28", "2027-03-29"]
    assert [t[:10] for t in local_times(day29, "2028-01-30T00:00", 1)] == ["2028-02-29"]


def test_cron_on_29_february_runs_only_in_leap_years():
    rule = Rule(kind="cron", timezone="Europe/Berlin", cron="0 8 29 2 *")
    assert local_times(rule, "2026-01-01T00:00", 2) == ["2028-02-29T08:00:00+01:00", "2032-02-29T08:00:00+01:00"]


def test_weekly_on_chosen_days_in_the_zone_not_in_utc():
    # 00:30 on Mondays in Tokyo is Sunday 15:30 UTC.
    rule = Rule(kind="weekly", timezone="Asia/Tokyo", time_of_day=time(0, 30), weekdays=(0, 3))
    runs = next_runs(rule, after=utc("2026-12-01T00:00"), count=3)
    assert [r.isoformat() for r in runs] == [
        "2026-12-02T15:30:00+00:00", "2026-12-06T15:30:00+00:00", "2026-12-09T15:30:00+00:00"]


@pytest.mark.parametrize("rule, code", [
    (Rule(kind="daily", timezone="Mars/Olympus"), "invalid_timezone"),
    (Rule(kind="daily", timezone="../../etc/passwd"), "invalid_timezone"),
    (Rule(kind="daily", timezone=""), "invalid_timezone"),
    (Rule(kind="weekly", timezone="UTC"), "weekdays_missing"),
    (Rule(kind="weekly", timezone="UTC", weekdays=(7,)), "invalid_weekday"),
    (Rule(kind="monthly", timezone="UTC", month_day="32"), "invalid_month_day"),
    (Rule(kind="monthly", timezone="UTC", month_day="first"), "invalid_month_day"),
    (Rule(kind="cron", timezone="UTC", cron="0 8 * *"), "cron_fields"),
    (Rule(kind="cron", timezone="UTC", cron="0 25 * * *"), "cron_invalid"),
    (Rule(kind="cron", timezone="UTC", cron="0 8 31 2 *"), "never_runs"),
    (Rule(kind="hourly", timezone="UTC"), "invalid_kind"),
])
def test_broken_rules_are_refused_with_a_code(rule, code):
    with pytest.raises(RuleInvalid) as info:
        rule_check(rule)
    assert info.value.code == code


def test_to_utc_maps_gap_times_to_the_end_of_the_gap_and_repeated_times_to_the_first():
    berlin = ZoneInfo("Europe/Berlin")
    assert to_utc(datetime(2027, 3, 28, 2, 30), berlin) == utc("2027-03-28T01:00")
    assert to_utc(datetime(2026, 10, 25, 2, 30), berlin) == utc("2026-10-25T00:30")


def test_runs_between_and_latest_run_are_bounded():
    every_minute = Rule(kind="cron", timezone="UTC", cron="* * * * *")
    assert len(runs_between(every_minute, after=utc("2026-01-01T00:00"), until=utc("2026-02-01T00:00"), limit=50)) == 50
    latest = latest_run_at_or_before(every_minute, at=utc("2026-06-01T12:00:30"), not_before=utc("2026-01-01T00:00"))
    assert latest == utc("2026-06-01T12:00")
    yearly = Rule(kind="cron", timezone="UTC", cron="0 8 29 2 *")
    assert latest_run_at_or_before(yearly, at=utc("2027-01-01T00:00"), not_before=utc("2025-01-01T00:00")) is None
    assert latest_run_at_or_before(yearly, at=utc("2033-01-01T00:00"), not_before=utc("2025-01-01T00:00")) == \
        utc("2032-02-29T08:00")


def test_latest_run_of_a_dense_rule_quiet_for_months_is_the_latest_not_the_ten_thousandth():
    # Every 15 minutes from January to April only; on 1 December the 400-day window holds 11,520
    # runs: the latest is 30 April 23:45, not whichever run comes 10,000th.
    spring = Rule(kind="cron", timezone="UTC", cron="*/15 * * 1-4 *")
    latest = latest_run_at_or_before(spring, at=utc("2026-12-01T08:00"), not_before=utc("2026-01-01T00:00"))
    assert latest == utc("2026-04-30T23:45")
    assert latest_run_at_or_before(spring, at=utc("2026-12-01T08:00"), not_before=utc("2026-05-01T00:00")) is None
