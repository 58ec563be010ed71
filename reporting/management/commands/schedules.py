"""Operators' view of the schedules: list them, preview run times, run one scheduler tick."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.core.management.base import BaseCommand, CommandError

from reporting.models import Schedule
from reporting.scheduling.recurrence import RuleInvalid, describe, next_runs, rule_check
from reporting.services.schedule_params import schedule_rule
from reporting.services.schedule_tick import schedule_tick

REFUSED = 2
MAX_COUNT = 100
# A tick in the future moves live schedules on (their runs until then count as missed): only with
# --allow-future. The tolerance covers clocks a little apart and typing "now" by hand.
FUTURE_TOLERANCE = timedelta(minutes=1)


def _both(instant: datetime, zone) -> str:
    local = instant.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M %Z} ({local:%z})  =  {instant.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


class Command(BaseCommand):
    help = ("Schedules: 'list', 'next ID [--count N]' (next run times, local and UTC), "
            "'tick [--at ISO-8601 [--allow-future]]'.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="every schedule, its rule, state and next run")
        nxt = sub.add_parser("next", help="the next run times of one schedule")
        nxt.add_argument("schedule_id", help="the schedule's id (see 'list')")
        nxt.add_argument("--count", type=int, default=5, help=f"how many (1 to {MAX_COUNT}, default 5)")
        tick = sub.add_parser("tick", help="run one scheduler tick (claims and submits due runs)")
        tick.add_argument("--at", help="the tick's time, ISO-8601 with an offset (e.g. 2026-12-01T08:00:00+01:00); "
                                       "at most a minute from now unless --allow-future")
        tick.add_argument("--allow-future", action="store_true",
                          help="allow an --at later than now: MOVES LIVE SCHEDULES (runs them early; their runs "
                               "before that time are recorded as missed)")

    def handle(self, *args, action: str, **options):
        if action == "list":
            return self._list()
        if action == "next":
            return self._next(options["schedule_id"], options["count"])
        return self._tick(options.get("at"), allow_future=options.get("allow_future", False))

    def _list(self) -> None:
        schedules = Schedule.objects.select_related("template", "owner").order_by("pk")
        if not schedules:
            self.stdout.write("No schedules.")
        for s in schedules:
            rule = schedule_rule(s)
            state = "enabled" if s.enabled else f"paused ({s.paused_reason or 'by its owner'})"
            try:
                when = f"next {_both(s.next_run_at, rule.zone)}" if s.next_run_at else "no next run"
            except RuleInvalid as exc:
                when = f"broken rule: {exc}"
            self.stdout.write(f"{s.pk}  {s.name}  [{s.template.slug}, owner {s.owner.get_username()}]  "
                              f"{describe(rule)}  {state}  {when}")

    def _next(self, raw_id: str, count: int) -> None:
        if not raw_id.isdigit():
            raise CommandError(f"schedule id must be a number, not '{raw_id}'", returncode=REFUSED)
        schedule = Schedule.objects.filter(pk=int(raw_id)).first()
        if schedule is None:
            raise CommandError(f"no schedule with id {raw_id} (see 'schedules list')", returncode=REFUSED)
        if not 1 <= count <= MAX_COUNT:
            raise CommandError(f"--count must be 1 to {MAX_COUNT}, not {count}", returncode=REFUSED)
        rule = schedule_rule(schedule)
        try:
            rule_check(rule)
        except RuleInvalid as exc:
            raise CommandError(f"schedule {schedule.pk} has a broken rule: {exc}", returncode=REFUSED) from None
        self.stdout.write(f"{schedule.name}: {describe(rule)}"
                          f"{'' if schedule.enabled else '  (paused: these runs happen only once resumed)'}")
        for instant in next_runs(rule, after=datetime.now(UTC), count=count):
            self.stdout.write(f"  {_both(instant, rule.zone)}")

    def _tick(self, at: str | None, *, allow_future: bool) -> None:
        now = None
        if at:
            try:
                now = datetime.fromisoformat(at)
            except ValueError:
                raise CommandError(f"--at '{at}' is not an ISO-8601 time (e.g. 2026-12-01T08:00:00Z)",
                                   returncode=REFUSED) from None
            if now.tzinfo is None:
                raise CommandError(f"--at '{at}' has no offset: add Z or +01:00 so the time is unambiguous",
                                   returncode=REFUSED)
            if now > datetime.now(UTC) + FUTURE_TOLERANCE and not allow_future:
                raise CommandError(f"--at '{at}' is in the future: that would run live schedules early and record "
                                   "their runs until then as missed. Add --allow-future if that is what you want.",
                                   returncode=REFUSED)
        for line in schedule_tick(now=now).lines():
            self.stdout.write(line)
