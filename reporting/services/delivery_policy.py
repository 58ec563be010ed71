"""Whether a finished job's report should be emailed at all (schedule conditions live here).

Owned by the schedules work (issue 14): e.g. "only when not all good", "only when the data changed".
The email delivery asks this before sending; a "no" is recorded on the job with its reason.
"""
from __future__ import annotations

from reporting.models import ReportJob


def delivery_wanted(*, job: ReportJob) -> tuple[bool, str]:
    """(True, "") to send; (False, reason a person can read) to send nothing."""
    return True, ""
