from django.urls import path

from . import schedule_views as views

# Included by reporting/urls.py under the "reporting" namespace.
urlpatterns = [
    path("schedules/", views.schedule_list, name="schedule_list"),
    path("schedules/new/<slug:slug>/", views.schedule_create, name="schedule_create"),
    path("schedules/<int:pk>/", views.schedule_detail, name="schedule_detail"),
    path("schedules/<int:pk>/edit/", views.schedule_edit, name="schedule_edit"),
    path("schedules/<int:pk>/pause/", views.schedule_pause, name="schedule_pause"),
    path("schedules/<int:pk>/resume/", views.schedule_resume, name="schedule_resume"),
    path("schedules/<int:pk>/delete/", views.schedule_delete, name="schedule_delete"),
]
