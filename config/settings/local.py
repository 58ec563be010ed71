"""Development defaults: safe on a laptop, never used in production."""
import os

from .base import *  # noqa: F401,F403
from .base import INSTALLED_APPS, env

# The demo content (demo analytics API, demo templates and sources, `seed_demo`): development and
# tests only. Production (config.settings.production) leaves it out.
INSTALLED_APPS = [*INSTALLED_APPS, "demo"]

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

REPORTING_SOURCE_ALLOWED_HOSTS = env.list(
    "REPORTING_SOURCE_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"]
)
REPORTING_SOURCE_ALLOW_PRIVATE_HOSTS = env.list(
    "REPORTING_SOURCE_ALLOW_PRIVATE_HOSTS", default=["127.0.0.1", "localhost"]
)
# The demo DataSources read the token from the environment at run time (${env:DEMO_API_TOKEN});
# give every process the same development value when none is set.
os.environ.setdefault("DEMO_API_TOKEN", "demo-token")
DEMO_API_TOKEN = os.environ["DEMO_API_TOKEN"]
