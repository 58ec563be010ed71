"""`manage.py schedules list | next ID [--count N] | tick [--at ISO-8601 [--allow-future]]`."""
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from reporting.models import ReportJob
from tests.conftest import REPO_ROOT
from tests.factories import ScheduleFactory

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("schedules", *args, stdout=out)
    return out.getvalue()


def test_list_shows_rule_state_and_next_run_in_both_zones():
    ScheduleFactory(name="Monthly to management", owner__username="olga")
    ScheduleFactory(name="Held", enabled=False, paused_reason="Owner bob is deactivated", next_run_at=None)
    out = run("list")
    assert "Monthly to management" in out and "owner olga" in out
    assert "Monthly on day 1 at 08:00 (Europe/Berlin)" in out
    assert "next 2026-12-01 08:00 CET (+0100)  =  2026-12-01 07:00 UTC" in out
    assert "paused (Owner bob is deactivated)" in out


def test_next_prints_local_time_and_utc_across_a_dst_change():
    schedule = ScheduleFactory(kind="cron", cron="30 2 * * *", timezone="Europe/Berlin")
    lines = run("next", str(schedule.pk), "--count", "3").splitlines()
    assert lines[0] == f"{schedule.name}: Cron '30 2 * * *' (Europe/Berlin)"
    assert len(lines) == 4 and all(" UTC" in line and "Europe" not in line for line in lines[1:])


@pytest.mark.parametrize("args, message", [
    (("next", "999"), "no schedule with id 999"),
    (("next", "abc"), "schedule id must be a number, not 'abc'"),
    (("next", "{pk}", "--count", "0"), "--count must be 1 to 100"),
    (("tick", "--at", "yesterday"), "--at 'yesterday' is not an ISO-8601 time"),
    (("tick", "--at", "2026-12-01T08:00"), "has no offset"),
])
def test_bad_input_is_a_clear_error_with_exit_code_2(args, message):
    schedule = ScheduleFactory()
    args = tuple(a.format(pk=schedule.pk) for a in args)
    with pytest.raises(CommandError) as info:
        run(*args)
    assert message in str(info.value) and info.value.returncode == 2


def test_tick_at_a_due_time_creates_the_job_and_says_so(empty_queues):
    schedule = ScheduleFactory()
    out = run("tick", "--at", "2026-12-01T08:00:00+01:00")
    job = ReportJob.objects.get()
    assert out.splitlines()[0] == ("Tick at 2026-12-01T08:00:00+01:00: 1 schedule(s) due, 1 job(s) created, "
                                   "0 run(s) already claimed, 0 missed run(s) skipped.")
    assert f"job {job.public_id} for schedule '{schedule.name}' due 2026-12-01T07:00:00+00:00" in out


def test_the_real_command_line_exits_2_without_a_traceback():
    result = subprocess.run([sys.executable, "manage.py", "schedules", "tick", "--at", "soon"], cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "--at 'soon' is not an ISO-8601 time" in result.stderr and "Traceback" not in result.stderr


def test_a_tick_in_the_future_is_refused_unless_asked_for_because_it_moves_live_schedules(empty_queues):
    schedule = ScheduleFactory(next_run_at=datetime.now(UTC) + timedelta(hours=1))
    ahead = (datetime.now(UTC) + timedelta(days=40)).isoformat()
    with pytest.raises(CommandError) as info:
        run("tick", "--at", ahead)
    assert info.value.returncode == 2 and "is in the future" in str(info.value) and "--allow-future" in str(info.value)
    schedule.refresh_from_db()
    assert schedule.next_run_at < datetime.now(UTC) + timedelta(hours=2) and not ReportJob.objects.exists()
    assert "1 job(s) created" in run("tick", "--at", ahead, "--allow-future")
    # A few seconds ahead of this machine's clock (another host's "now") is still a tick now.
    assert "0 schedule(s) due" in run("tick", "--at", (datetime.now(UTC) + timedelta(seconds=20)).isoformat())
