"""RQ cron configuration, loaded by `manage.py rqcron reporting.cron` (see config/devstack.py).

rq's cron reads its jobs from a module that calls ``cron.register`` when imported; that is the
only work done here.
"""
from rq import cron

from reporting.reconcile import reconcile_jobs_task

RECONCILE_EVERY_S = 60

cron.register(reconcile_jobs_task, "high", interval=RECONCILE_EVERY_S, job_timeout=120, result_ttl=600,
              name="reconcile_report_jobs")
