"""The demo analytics API; config/urls.py includes it only when the demo app is installed."""
from django.urls import path

from . import views

urlpatterns = [
    path("demo-api/<slug:source>/", views.demo_source, name="demo_api"),
]
