"""The audit table refuses UPDATE and DELETE of its rows, in the database itself.

PostgreSQL: a row trigger raises (SQLSTATE 23001, an IntegrityError to Django); TRUNCATE,
which only the table's owner may run and which Django's test flush uses, stays possible.
SQLite: UPDATE always fails; DELETE fails unless hellowork_audit_erasable() says the
sanctioned reset (`manage.py flush`) is running. The function is registered on every
connection Django opens (hellowork.apps); any other client lacks it and fails too.
"""

from django.db import migrations

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION hellowork_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'hellowork_auditevent is append-only: % refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER hellowork_auditevent_append_only
    BEFORE UPDATE OR DELETE ON hellowork_auditevent
    FOR EACH ROW EXECUTE FUNCTION hellowork_auditevent_append_only();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS hellowork_auditevent_append_only ON hellowork_auditevent;
DROP FUNCTION IF EXISTS hellowork_auditevent_append_only();
"""
SQLITE_UP = [
    """CREATE TRIGGER hellowork_auditevent_no_update BEFORE UPDATE ON hellowork_auditevent
    BEGIN SELECT RAISE(ABORT, 'hellowork_auditevent is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER hellowork_auditevent_no_delete BEFORE DELETE ON hellowork_auditevent
    WHEN NOT hellowork_audit_erasable()
    BEGIN SELECT RAISE(ABORT, 'hellowork_auditevent is append-only: DELETE refused'); END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS hellowork_auditevent_no_update",
    "DROP TRIGGER IF EXISTS hellowork_auditevent_no_delete",
]


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)


def down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("hellowork", "0002_auditevent")]
    operations = [migrations.RunPython(up, down)]
