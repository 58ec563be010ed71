"""Every sentence a job's status line can say, in one place (the job page and emails show them)."""
from __future__ import annotations

import re

CANCELLED_BY_USER = "Cancelled by a user."
CANCELLED_IN_QUEUE = "Cancelled: the job was stopped in the queue."
ENDED_WITHOUT_OUTCOME = "The report job ended in the worker without recording an outcome."
CLI_RUN_ABANDONED = ("The command-line run did not finish within its time limit (the command was probably "
                     "stopped); run generate_report again.")


def _stage(stage: str) -> str:
    return stage or "start"


def _attempts(count: int) -> str:
    return f"{count} attempt{'s' if count != 1 else ''}"


def cancelled_during(stage: str) -> str:
    return f"Cancelled during {_stage(stage)}."


def timed_out(seconds: int | float, stage: str) -> str:
    return f"Timed out after {seconds:g} s during {_stage(stage)}."


def gave_up(reason: str, attempts: int) -> str:
    """A transient failure on the job's last run. ``reason`` may count a source's own attempts
    ("read timed out after 1 s (2 attempts)"), so the job's count is named differently: runs."""
    runs = f"{attempts} run{'s' if attempts != 1 else ''}"
    return f"{reason.rstrip('.')}; the job gave up after {runs}."


def unexpected_error(stage: str, exc: BaseException) -> str:
    return f"Unexpected error during {_stage(stage)}: {type(exc).__name__}: {exc}"


def failure_reason(stage: str, exc: BaseException) -> str:
    """A transient failure, for the 'retrying' note."""
    return f"{type(exc).__name__} during {_stage(stage)}: {exc}"


def retrying(*, attempt: int, of: int, reason: str, delay_s: int) -> str:
    return f"Attempt {attempt} of {of} failed: {reason}; retrying in {delay_s} s."


def without_retry_note(message: str) -> str:
    """A 'retrying' note as the reason of a final failure: the promise of a retry is dropped."""
    return re.sub(r"; retrying in \d+ s\.$", ".", message or "")


def worker_failed(reason: str) -> str:
    return f"The report job failed: {reason}"


def failed_in_worker(last_line: str) -> str:
    return f"The report job failed in the worker: {last_line}"


def interrupted_retrying(*, attempt: int, of: int, where: str, why: str) -> str:
    return f"Attempt {attempt} of {of} was interrupted{where}: {why}; retrying."


def interrupted_gave_up(*, where: str, why: str, attempts: int) -> str:
    return f"The report job was interrupted{where}: {why} (gave up after {_attempts(attempts)})."


def required_data_missing(reasons: list[str]) -> str:
    return "Required data could not be collected: " + "; ".join(reasons)
