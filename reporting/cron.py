"""RQ cron configuration, loaded by `manage.py rqcron reporting.cron` (see config/devstack.py).

rq's cron reads its jobs from a module that calls ``cron.register`` when imported; that is the
only work done here.
"""
from rq import cron

from reporting.jobs import run_retention_purge, run_schedule_tick
from reporting.reconcile import reconcile_jobs_task

RECONCILE_EVERY_S = 60
# Schedules name minutes: a tick every 30 s starts a run within half a minute of its time.
SCHEDULE_TICK_EVERY_S = 30

cron.register(reconcile_jobs_task, "high", interval=RECONCILE_EVERY_S, job_timeout=120, result_ttl=600,
              name="reconcile_report_jobs")
cron.register(run_schedule_tick, "high", interval=SCHEDULE_TICK_EVERY_S, job_timeout=300, result_ttl=600,
              name="schedule_tick")
# Retention (REPORTING_RETENTION_DAYS) and expired admin test renders: once an hour is plenty.
RETENTION_EVERY_S = 3600
cron.register(run_retention_purge, "low", interval=RETENTION_EVERY_S, job_timeout=1800, result_ttl=86400,
              name="retention_purge")
