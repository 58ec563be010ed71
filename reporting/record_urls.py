from django.urls import path

from . import record_views

urlpatterns = [
    path("jobs/<uuid:public_id>/approve/", record_views.job_approve, name="job_approve"),
    path("jobs/<uuid:public_id>/approved/<int:approval_id>/", record_views.approval_download,
         name="approval_download"),
    path("records/verify/", record_views.verify_upload, name="verify_upload"),
]
