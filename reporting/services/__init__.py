"""Business actions on report jobs. Views, admin actions, commands and RQ jobs call these.

- job_queue: create, submit, enqueue, cancel, retry
- job_runner: job_run, one run through the stages (the engine does the work)
- job_state: the only writer of a job's status (compare-and-set)
- job_messages: every sentence a job's status line can say
- artifacts: storing rendered files
"""
from .artifacts import artifact_store
from .job_queue import JobNotPublishable, job_cancel, job_create, job_enqueue, job_retry, job_submit
from .job_runner import job_run
from .job_state import job_fail, job_record, job_transition

__all__ = ["JobNotPublishable", "artifact_store", "job_cancel", "job_create", "job_enqueue", "job_fail",
           "job_record", "job_retry", "job_run", "job_submit", "job_transition"]
