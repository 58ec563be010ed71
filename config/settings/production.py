"""Production: refuses to start without a secret key and allowed hosts; HTTPS on by default.

Each HTTPS setting is switchable from the environment (README "Deployment"): behind a reverse proxy
that terminates TLS set DJANGO_BEHIND_PROXY=true so Django trusts its X-Forwarded-Proto.
"""
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import (ALLOWED_HOSTS, BEHIND_PROXY, METRICS_TOKEN, MIDDLEWARE, REPORTING_ARTIFACTS_S3_BUCKET,
                   REPORTING_DOWNLOAD_MODE, SECRET_KEY, STORAGES, env, logging_config)

if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production.")
# A key copied from an example is public: sessions, password reset links and signed downloads
# could be forged with it. `check --deploy` only warns (and lets a long placeholder through), so
# refuse here what Django's W009 warns about and anything that reads like a placeholder.
_PLACEHOLDER_WORDS = ("change", "replace", "example", "placeholder", "secret-key", "django-insecure")
if (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5
        or any(word in SECRET_KEY.lower() for word in _PLACEHOLDER_WORDS)):
    raise ImproperlyConfigured("DJANGO_SECRET_KEY is a placeholder or shorter than 50 characters; "
                               "set 50+ random characters (python -c \"import secrets; print(secrets.token_urlsafe(50))\").")
if METRICS_TOKEN and (len(METRICS_TOKEN) < 32 or len(set(METRICS_TOKEN)) < 5
                     or any(word in METRICS_TOKEN.lower() for word in _PLACEHOLDER_WORDS)):
    raise ImproperlyConfigured("METRICS_TOKEN is a placeholder or shorter than 32 characters; set 32+ random "
                               "characters (python -c \"import secrets; print(secrets.token_urlsafe(32))\") "
                               "or leave it empty (then /metrics is for staff only).")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set in production.")
if REPORTING_DOWNLOAD_MODE not in ("stream", "redirect"):
    raise ImproperlyConfigured(f"REPORTING_DOWNLOAD_MODE must be 'stream' or 'redirect' (it is "
                               f"'{REPORTING_DOWNLOAD_MODE}').")
if REPORTING_DOWNLOAD_MODE == "redirect" and not REPORTING_ARTIFACTS_S3_BUCKET:
    raise ImproperlyConfigured("REPORTING_DOWNLOAD_MODE=redirect needs REPORTING_ARTIFACTS_S3_BUCKET "
                               "(pre-signed URLs exist only on S3).")

PRODUCTION = True  # seed_demo refuses to run here unless --force
DEBUG = False
# A demo site on production settings may install the demo app (its API and seed_demo) on purpose.
if env.bool("DJANGO_INSTALL_DEMO", default=False):
    INSTALLED_APPS = [*INSTALLED_APPS, "demo"]  # noqa: F405
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# The health check answers plain HTTP too (load balancers probe it on the private address).
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Trusting X-Forwarded-Proto is right only behind a proxy that sets it (a client could otherwise
# claim HTTPS); the same switch makes the right-most X-Forwarded-For the client address.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None

# Hashed, compressed static files served by WhiteNoise (run `manage.py collectstatic` at deploy).
STATIC_ROOT = env("DJANGO_STATIC_ROOT", default=str(STATIC_ROOT))  # noqa: F405
# Right after SecurityMiddleware, as WhiteNoise asks: no separate file server behind the proxy.
MIDDLEWARE = [MIDDLEWARE[0], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[1:]]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "config.static_storage.StaticFilesStorage"}}

LOGGING = logging_config(log_format=env("DJANGO_LOG_FORMAT", default="json"),
                         level=env("DJANGO_LOG_LEVEL", default="INFO"))
