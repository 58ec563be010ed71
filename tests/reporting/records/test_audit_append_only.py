"""The audit trail cannot be rewritten by any way into the database, not only by Model.save.

Found by review: an upsert (bulk_create update_conflicts) and the base manager's update() changed
existing rows; raw SQL could change anything. Now the queryset, the base manager and a database
trigger refuse (PostgreSQL: UPDATE and DELETE; SQLite: UPDATE — see migration 0013).
"""
import pytest
from django.db import DatabaseError, connection, transaction

from reporting.models import AuditEvent, AuditImmutable
from tests.factories import AuditEventFactory, ReportJobFactory


def _row(event):
    with connection.cursor() as cursor:
        cursor.execute("SELECT actor_name, outcome FROM reporting_auditevent WHERE id = %s", [event.pk])
        return cursor.fetchone()


def test_an_upsert_cannot_overwrite_an_event(db):
    event = AuditEventFactory(actor_name="alice")
    forged = AuditEvent(id=event.pk, action="report_run", actor_name="eve", outcome="failure")
    with pytest.raises(AuditImmutable):
        AuditEvent.objects.bulk_create([forged], update_conflicts=True, unique_fields=["id"],
                                       update_fields=["actor_name", "outcome"])
    # Skipping a clashing row never changes it, so ignore_conflicts stays allowed.
    AuditEvent.objects.bulk_create([forged], ignore_conflicts=True)
    assert _row(event) == ("alice", "success")


def test_the_base_manager_and_save_base_refuse_changes(db):
    event = AuditEventFactory(actor_name="alice")
    with pytest.raises(AuditImmutable):
        AuditEvent._base_manager.filter(pk=event.pk).update(actor_name="eve")
    with pytest.raises(AuditImmutable):
        AuditEvent._base_manager.filter(pk=event.pk).delete()
    job_event = AuditEventFactory(actor_name="alice", job=ReportJobFactory())
    with pytest.raises(AuditImmutable):
        job_event.job.audit_events.update(actor_name="eve")  # a related manager
    event.actor_name = "eve"
    with pytest.raises(AuditImmutable), transaction.atomic():
        event.save_base()  # what Model.save does after its own check
    with pytest.raises(AuditImmutable), transaction.atomic():
        AuditEvent.objects.bulk_update([event], ["actor_name"])
    assert _row(event) == ("alice", "success") and _row(job_event) == ("alice", "success")


def test_raw_sql_cannot_change_an_event(db):
    event = AuditEventFactory(actor_name="alice")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE reporting_auditevent SET actor_name = 'eve' WHERE id = %s", [event.pk])
    assert _row(event) == ("alice", "success")


def test_raw_sql_delete_is_refused_on_postgresql(db):
    event = AuditEventFactory(actor_name="alice")
    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps no DELETE trigger: Django flushes a SQLite test database with DELETE FROM "
                    "(the ORM refuses deletes there; test_the_base_manager_and_save_base_refuse_changes)")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM reporting_auditevent WHERE id = %s", [event.pk])
    assert _row(event) == ("alice", "success")


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_with_events_still_flushes():
    # The flush after this test (DELETE FROM on SQLite, TRUNCATE on PostgreSQL) must not be refused;
    # the next test starting on an empty table proves it did not leave rows behind.
    AuditEventFactory()
    assert AuditEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_table_is_empty_after_the_transactional_flush():
    assert AuditEvent.objects.count() == 0
