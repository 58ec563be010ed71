from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from reporting import views as reporting_views
from reporting.demo_api import views as demo_api_views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="reporting:catalog", permanent=False)),
    path("healthz", reporting_views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("demo-api/<slug:source>/", demo_api_views.demo_source, name="demo_api"),
    path("admin/rq/", include("django_rq.urls")),
    path("admin/", admin.site.urls),
    path("", include("reporting.urls")),
]
