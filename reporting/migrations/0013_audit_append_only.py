"""The audit trail is append-only in the database too: raw SQL cannot rewrite or remove a row.

PostgreSQL refuses UPDATE and DELETE (TRUNCATE fires no row trigger, so the test database's flush
still works). SQLite refuses UPDATE only: Django flushes a SQLite test database with DELETE FROM,
which a DELETE trigger would abort; the ORM refuses deletes on every database.

A later migration that alters AuditEvent must keep this in mind: on SQLite Django rebuilds the table
(the trigger is lost: reinstall it with _SQLITE_INSTALL), and on PostgreSQL a data-changing step
(e.g. NOT NULL with a default) needs `ALTER TABLE reporting_auditevent DISABLE TRIGGER
reporting_auditevent_append_only` around it.
"""
from django.db import migrations

_PG_INSTALL = [
    """
    CREATE OR REPLACE FUNCTION reporting_auditevent_refuse_change() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'Audit events are append-only: % refused on reporting_auditevent', TG_OP;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER reporting_auditevent_append_only
    BEFORE UPDATE OR DELETE ON reporting_auditevent
    FOR EACH ROW EXECUTE FUNCTION reporting_auditevent_refuse_change()
    """,
]
_PG_REMOVE = [
    "DROP TRIGGER IF EXISTS reporting_auditevent_append_only ON reporting_auditevent",
    "DROP FUNCTION IF EXISTS reporting_auditevent_refuse_change()",
]
_SQLITE_INSTALL = [
    """
    CREATE TRIGGER reporting_auditevent_no_update
    BEFORE UPDATE ON reporting_auditevent
    BEGIN
        SELECT RAISE(ABORT, 'Audit events are append-only: UPDATE refused on reporting_auditevent');
    END
    """,
]
_SQLITE_REMOVE = ["DROP TRIGGER IF EXISTS reporting_auditevent_no_update"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)  # no placeholders: the % is plpgsql's
    return run


class Migration(migrations.Migration):

    dependencies = [
        ('reporting', '0012_audit_outlives_what_it_names'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='auditevent',
            options={'base_manager_name': 'objects', 'ordering': ['-at', '-id'], 'permissions': [('export_auditevent', 'Can export the audit trail as CSV')]},
        ),
        migrations.RunPython(
            _run({"postgresql": _PG_INSTALL, "sqlite": _SQLITE_INSTALL}),
            _run({"postgresql": _PG_REMOVE, "sqlite": _SQLITE_REMOVE}),
        ),
    ]
