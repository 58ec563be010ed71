from django.apps import apps
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django_rq.urls import get_admin_urlpatterns, get_api_urlpatterns

from reporting import views as reporting_views


def _queue_managers_only(patterns):
    # django-rq's own views only check is_staff, and they can empty queues and delete jobs. The
    # token-authenticated stats.json/metrics are guarded too: the project's /metrics has its own token.
    for pattern in patterns:
        pattern.callback = reporting_views.queue_manager_required(pattern.callback)
    return patterns


rq_urlpatterns = _queue_managers_only([*get_api_urlpatterns(), *get_admin_urlpatterns()])

handler403 = reporting_views.permission_denied

urlpatterns = [
    path("healthz", reporting_views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The demo analytics API (/demo-api/<source>/) exists only where the demo app is installed.
    *([path("", include("demo.urls"))] if apps.is_installed("demo") else []),
    path("admin/rq/", include((rq_urlpatterns, "django_rq"))),
    path("admin/", admin.site.urls),
    path("", include("reporting.urls")),
]
