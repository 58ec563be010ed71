"""Fast, isolated test settings."""
import os
import tempfile

from .local import *  # noqa: F401,F403
from .local import DATABASES, VAR_DIR, env

DEBUG = False
SECRET_KEY = "test-only-key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
if env("QMS_TEST_EMAIL_URL", default=""):
    # A worker subprocess of an email test sends to that test's SMTP server (tests/smtp_server.py).
    vars().update(env.email_url("QMS_TEST_EMAIL_URL"))
# Tests that meet a failing SMTP server should not sit out production's pauses.
REPORTING_EMAIL_RETRY_DELAYS_S = env.list("REPORTING_EMAIL_RETRY_DELAYS_S", cast=float, default=[0.05, 0.1])

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file (not :memory:) so that worker subprocesses in end-to-end tests see the same data.
    # One file per test run, so that parallel runs on one machine never share a database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}

# Artifacts of a test run go to a throw-away directory.
# (Worker subprocesses of end-to-end tests are handed the parent's directory via the environment.)
ARTIFACT_ROOT = env("REPORTING_ARTIFACT_ROOT", default="") or tempfile.mkdtemp(prefix="qms-test-artifacts-")
if STORAGES["artifacts"]["BACKEND"].endswith("FileSystemStorage"):  # noqa: F405 (S3: the bucket is the store)
    STORAGES["artifacts"]["OPTIONS"]["location"] = ARTIFACT_ROOT  # noqa: F405
MEDIA_ROOT = tempfile.mkdtemp(prefix="qms-test-media-")

# Keep test runs apart from a development server that may share the same Redis.
CACHES["default"]["KEY_PREFIX"] = env("QMS_TEST_CACHE_PREFIX", default=f"qms-test-{os.getpid()}")  # noqa: F405
LOGGING["root"]["level"] = env("DJANGO_LOG_LEVEL", default="WARNING")  # noqa: F405
