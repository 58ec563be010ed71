"""Test settings for worker subprocesses that must retry within a test's time (no production hook)."""
from config.settings.test import *  # noqa: F401,F403

REPORTING_JOB_RETRY_INTERVALS_S = (1,)
