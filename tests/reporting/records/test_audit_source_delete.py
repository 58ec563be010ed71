"""Deleting a data source in the admin is on the audit trail: the delete view and "delete selected".

Found by review: both admin paths deleted the source and wrote no row.
"""
import pytest
from django.urls import reverse

from reporting.models import AuditEvent
from templates_app.models import DataSource
from tests.factories import StaticSourceFactory

pytestmark = pytest.mark.django_db


def _deleted():
    return [(e.detail["source"], e.detail["kind"], e.actor_name, e.ip_address)
            for e in AuditEvent.objects.filter(action="data_source_changed", detail__change="deleted").order_by("id")]


def test_the_delete_view_records_who_deleted_which_source(admin_client, admin_user):
    source = StaticSourceFactory(name="old-kpis")
    response = admin_client.post(reverse("admin:templates_app_datasource_delete", args=[source.pk]),
                                 {"post": "yes"}, REMOTE_ADDR="192.0.2.9")
    assert response.status_code == 302
    assert not DataSource.objects.filter(pk=source.pk).exists()
    assert _deleted() == [("old-kpis", "static", admin_user.get_username(), "192.0.2.9")]


def test_delete_selected_records_one_row_per_source(admin_client, admin_user):
    sources = [StaticSourceFactory(name=name) for name in ("a-rows", "b-rows")]
    response = admin_client.post(reverse("admin:templates_app_datasource_changelist"),
                                 {"action": "delete_selected", "_selected_action": [s.pk for s in sources],
                                  "post": "yes"}, REMOTE_ADDR="192.0.2.10")
    assert response.status_code == 302
    assert not DataSource.objects.filter(pk__in=[s.pk for s in sources]).exists()
    assert sorted(_deleted()) == [("a-rows", "static", admin_user.get_username(), "192.0.2.10"),
                                  ("b-rows", "static", admin_user.get_username(), "192.0.2.10")]
