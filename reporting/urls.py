from django.urls import include, path

from . import views, web_views
from .monitoring import views as monitoring_views

app_name = "reporting"

urlpatterns = [
    path("", web_views.home, name="home"),
    path("jobs/<uuid:public_id>/run-again/", web_views.run_again, name="run_again"),
    path("jobs/<uuid:public_id>/report/", web_views.job_report, name="job_report"),
    path("jobs/<uuid:public_id>/share/", web_views.job_share, name="job_share"),
    path("jobs/<uuid:public_id>/share/<int:share_id>/revoke/", web_views.job_share_revoke_view,
         name="job_share_revoke"),
    path("jobs/<uuid:public_id>/favourite/", web_views.favourite_add, name="favourite_add"),
    path("favourites/<int:favourite_id>/run/", web_views.favourite_run, name="favourite_run"),
    path("favourites/<int:favourite_id>/delete/", web_views.favourite_delete, name="favourite_delete"),
    path("reports/", views.catalog, name="catalog"),
    path("reports/<slug:slug>/run/", views.run_report, name="run"),
    path("jobs/", views.job_list, name="job_list"),
    path("jobs/<uuid:public_id>/", views.job_detail, name="job_detail"),
    path("jobs/<uuid:public_id>/cancel/", views.job_cancel, name="job_cancel"),
    path("jobs/<uuid:public_id>/retry/", views.job_retry, name="job_retry"),
    path("jobs/<uuid:public_id>/download/<str:fmt>/", views.download, name="download"),
    path("jobs/<uuid:public_id>/email/", views.job_email, name="job_email"),
    path("jobs/<uuid:public_id>/email/panel/", views.job_email_panel, name="job_email_panel"),
    path("jobs/<uuid:public_id>/email/again/", views.job_deliver_again, name="job_deliver_again"),
    path("download/<str:token>/", views.download_link, name="download_link"),
    path("", include("reporting.schedule_urls")),
    path("", include("reporting.record_urls")),
    path("monitor/", monitoring_views.monitor, name="monitor"),
    path("metrics", monitoring_views.prometheus_metrics, name="metrics"),
]
