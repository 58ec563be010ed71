"""When a schedule runs: pure wall-clock arithmetic in the schedule's IANA zone (no models, no I/O).

A rule names local times ("08:00 on the 1st, Europe/Berlin"); each local time is turned into one
UTC instant. Two DST rules keep that one-to-one:

- a local time that does not exist (the spring-forward gap, e.g. 02:30 on 2027-03-28 in Berlin)
  runs once, at the first valid local time after the gap (03:00 local);
- a local time that exists twice (fall-back, e.g. 02:30 on 2026-10-25 in Berlin) runs once, at its
  first occurrence (fold=0, still summer time); the repeated hour is never run a second time.

Monthly on a day the month does not have (the 31st in April, the 29th-31st in February) runs on
the month's last day; "last" is always the last day. Cron expressions (5 fields, via croniter)
are read as local wall-clock times: croniter gets and returns naive local datetimes, and the
mapping to UTC is done here, because croniter's own handling of aware datetimes works in a fixed
UTC offset and repeats or skips runs around DST changes.
"""
from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from croniter.croniter import CroniterError

KINDS = ("daily", "weekly", "monthly", "cron")
LAST_DAY = "last"
# A rule with no run in this many years (e.g. "0 8 31 2 *") is refused rather than searched forever.
HORIZON_YEARS = 10
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class RuleInvalid(ValueError):
    """The rule cannot produce run times; ``code`` says why (forms and commands show the message)."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Rule:
    kind: str
    timezone: str
    time_of_day: time = time(8, 0)
    weekdays: tuple[int, ...] = field(default=())  # 0 = Monday ... 6 = Sunday
    month_day: str = "1"  # "1".."31" or "last"
    cron: str = ""

    @property
    def zone(self) -> ZoneInfo:
        return zone_for(self.timezone)


def zone_for(name: str) -> ZoneInfo:
    if not name or name != name.strip() or name.startswith("/") or ".." in name:
        raise RuleInvalid(f"'{name}' is not an IANA time zone (for example Europe/Berlin).", code="invalid_timezone")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise RuleInvalid(f"'{name}' is not an IANA time zone (for example Europe/Berlin).",
                          code="invalid_timezone") from None


def rule_check(rule: Rule) -> None:
    """Raise RuleInvalid when the rule is malformed or never runs."""
    zone_for(rule.timezone)
    if rule.kind not in KINDS:
        raise RuleInvalid(f"Unknown recurrence '{rule.kind}' (choose {', '.join(KINDS)}).", code="invalid_kind")
    if rule.kind == "weekly":
        if not rule.weekdays:
            raise RuleInvalid("Choose at least one day of the week.", code="weekdays_missing")
        if any(not isinstance(d, int) or not 0 <= d <= 6 for d in rule.weekdays):
            raise RuleInvalid("Days of the week are 0 (Monday) to 6 (Sunday).", code="invalid_weekday")
    if rule.kind == "monthly":
        _month_day(rule.month_day)
    if rule.kind == "cron":
        fields = rule.cron.split()
        if len(fields) != 5:
            raise RuleInvalid(f"A cron expression has 5 fields (minute hour day month weekday), "
                              f"'{rule.cron}' has {len(fields)}.", code="cron_fields")
        if not croniter.is_valid(rule.cron):
            raise RuleInvalid(f"'{rule.cron}' is not a valid cron expression.", code="cron_invalid")
    if not next_runs(rule, after=datetime(2000, 1, 1, tzinfo=UTC), count=1):
        raise RuleInvalid(f"This recurrence never runs within {HORIZON_YEARS} years.", code="never_runs")


def _month_day(value: str) -> int | None:
    """The day number, or None for the last day."""
    if str(value).strip().lower() == LAST_DAY:
        return None
    try:
        day = int(value)
    except (TypeError, ValueError):
        day = 0
    if not 1 <= day <= 31:
        raise RuleInvalid(f"Day of month must be 1 to 31 or 'last' (got '{value}').", code="invalid_month_day")
    return day


def to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant of a naive local wall-clock time (fold=0; a time in a gap: the gap's end)."""
    aware = local.replace(tzinfo=zone, fold=0)
    instant = aware.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == local:
        return instant
    # In the gap: fold=0 read it with the offset before the change, which lands after the change;
    # fold=1 lands before it. The change itself is the first valid local time after the gap.
    low = local.replace(tzinfo=zone, fold=1).astimezone(UTC)
    high = instant
    after_offset = high.astimezone(zone).utcoffset()
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).utcoffset() == after_offset:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0)


def _local_candidates(rule: Rule, start: datetime) -> Iterator[datetime]:
    """Naive local run times from ``start`` (naive local) on, in order; may repeat near gaps."""
    if rule.kind == "cron":
        iterator = croniter(rule.cron, start - timedelta(seconds=1))
        while True:
            try:
                yield iterator.get_next(datetime)
            except CroniterError:
                return
    day = start.date()
    wanted_day = _month_day(rule.month_day) if rule.kind == "monthly" else None
    for _ in range(366 * HORIZON_YEARS + 1):
        if _day_matches(rule, day, wanted_day):
            yield datetime.combine(day, rule.time_of_day)
        day += timedelta(days=1)


def _day_matches(rule: Rule, day: date, wanted_day: int | None) -> bool:
    if rule.kind == "daily":
        return True
    if rule.kind == "weekly":
        return day.weekday() in rule.weekdays
    last = calendar.monthrange(day.year, day.month)[1]
    return day.day == (last if wanted_day is None else min(wanted_day, last))


def iter_runs(rule: Rule, *, after: datetime) -> Iterator[datetime]:
    """Run instants (aware, UTC) strictly after ``after``, in order, each once."""
    if after.tzinfo is None:
        raise ValueError("after must be an aware datetime")
    zone = rule.zone
    # A day early: the local date of `after` and the candidates' local times may straddle midnight.
    start = after.astimezone(zone).replace(tzinfo=None) - timedelta(days=1)
    horizon = after + timedelta(days=366 * HORIZON_YEARS)
    previous = after
    for local in _local_candidates(rule, start):
        instant = to_utc(local, zone)
        if instant > horizon:
            return
        # Filters the day-early candidates, the second pass through a repeated hour, and gap times
        # that map to the same instant as an earlier candidate.
        if instant > previous:
            previous = instant
            yield instant


def next_runs(rule: Rule, *, after: datetime, count: int) -> list[datetime]:
    runs = []
    for instant in iter_runs(rule, after=after):
        if len(runs) >= count:
            break
        runs.append(instant)
    return runs


def runs_between(rule: Rule, *, after: datetime, until: datetime, limit: int) -> list[datetime]:
    """Run instants in (after, until], at most ``limit`` of them (the earliest)."""
    runs = []
    for instant in iter_runs(rule, after=after):
        if instant > until or len(runs) >= limit:
            break
        runs.append(instant)
    return runs


def latest_run_at_or_before(rule: Rule, *, at: datetime, not_before: datetime) -> datetime | None:
    """The last run instant in [not_before, at], looking back in widening windows (bounded work).

    Each window only covers what the narrower one did not; within a window the runs are walked in
    batches until the window ends, so a dense rule (thousands of runs a window) still gives the
    latest run, not the last of the first batch."""
    upper = at
    for span in (timedelta(days=2), timedelta(days=40), timedelta(days=400), timedelta(days=366 * HORIZON_YEARS)):
        lower = max(at - span, not_before - timedelta(microseconds=1))
        if lower < upper:
            latest = _last_run_between(rule, after=lower, until=upper)
            if latest is not None:
                return latest
        if lower < not_before:
            return None
        upper = lower
    return None


def _last_run_between(rule: Rule, *, after: datetime, until: datetime, batch: int = 10_000) -> datetime | None:
    latest = None
    while True:
        found = runs_between(rule, after=after, until=until, limit=batch)
        if not found:
            return latest
        latest = after = found[-1]
        if len(found) < batch:
            return latest


def describe(rule: Rule) -> str:
    """The rule in a few words, as lists show it."""
    at = rule.time_of_day.strftime("%H:%M")
    if rule.kind == "daily":
        return f"Daily at {at} ({rule.timezone})"
    if rule.kind == "weekly":
        days = ", ".join(WEEKDAY_NAMES[d] for d in sorted(rule.weekdays) if 0 <= d <= 6)
        return f"Weekly on {days} at {at} ({rule.timezone})"
    if rule.kind == "monthly":
        day = "the last day" if str(rule.month_day).lower() == LAST_DAY else f"day {rule.month_day}"
        return f"Monthly on {day} at {at} ({rule.timezone})"
    return f"Cron '{rule.cron}' ({rule.timezone})"
