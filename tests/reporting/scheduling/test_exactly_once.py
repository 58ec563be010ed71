"""Two schedulers ticking the same due time at once make one job (threads with their own database
connections, and real `schedules tick` processes). Runs on SQLite and, in CI's second leg, PostgreSQL.

On SQLite a write transaction starts with BEGIN IMMEDIATE (config/settings/base.py), so the second
claim waits for the first to commit and then hits the unique constraint; on PostgreSQL the second
INSERT blocks on the first's uncommitted row and then fails the same way. Either way both
schedulers have read the schedule as due before either claims (the barrier makes sure of that):
only the database claim stands between them and a second job.
"""
import subprocess
import sys
import threading
from datetime import UTC, datetime

import pytest
from django.db import connection, connections

from reporting.models import ReportJob, ScheduleRun
from reporting.services import schedule_tick as tick_module
from tests.conftest import REPO_ROOT
from tests.factories import ScheduleFactory

DUE = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_two_threads_ticking_the_same_due_time_make_one_job(empty_queues, monkeypatch):
    ScheduleFactory(burst_parameter="department")
    both_read_it_as_due = threading.Barrier(2, timeout=20)
    real_latest = tick_module.latest_run_at_or_before

    def latest_after_both_have_read(*args, **kwargs):
        both_read_it_as_due.wait()
        return real_latest(*args, **kwargs)

    monkeypatch.setattr(tick_module, "latest_run_at_or_before", latest_after_both_have_read)
    summaries, errors = [], []

    def scheduler():
        try:
            summaries.append(tick_module.schedule_tick(now=DUE))
        except Exception as exc:  # surfaced below: a thread's exception is otherwise lost
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(s.due for s in summaries) == [1, 1]  # both saw it due
    assert sorted(len(s.jobs) for s in summaries) == [0, 2]  # one won both burst values, the other none
    assert sorted(s.already_claimed for s in summaries) == [0, 2]
    assert ReportJob.objects.count() == 2
    assert sorted(ReportJob.objects.values_list("parameters__department", flat=True)) == ["OPS", "QA"]
    assert ScheduleRun.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_scheduler_processes_and_a_rerun_make_one_job(worker_env, empty_queues):
    ScheduleFactory()
    connection.close()  # SQLite: let the processes write
    command = [sys.executable, "manage.py", "schedules", "tick", "--at", DUE.isoformat()]
    processes = [subprocess.Popen(command, cwd=REPO_ROOT, env=worker_env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    rerun = subprocess.run(command, cwd=REPO_ROOT, env=worker_env, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert ReportJob.objects.count() == 1
    created = [out for out, _err in outputs if "1 job(s) created" in out]
    assert len(created) == 1, outputs
    assert "0 job(s) created" in rerun.stdout
