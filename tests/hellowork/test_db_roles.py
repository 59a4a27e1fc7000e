"""Issue 17, least privilege: the application's role owns nothing, and whoever holds its
credentials cannot rewrite or cut the audit trail. These run where the suite runs as that
role (make test-postgres and CI: DATABASE_OWNER_URL set)."""

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from hellowork import audit, db_roles
from hellowork.models import AuditEvent

pytestmark = pytest.mark.skipif(
    not settings.DATABASE_OWNER
    or not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="least privilege is set up on PostgreSQL with DATABASE_OWNER_URL",
)


def fetch(sql, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def test_the_suite_runs_as_the_application_role_which_owns_nothing(db):
    assert fetch("SELECT current_user")[0][0] == settings.DATABASE_APP_ROLE
    assert fetch(
        "SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user"
    ) == [(False, False, False)]
    owned = fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user"
    )
    assert owned == []


def test_the_application_role_appends_and_reads_the_trail(db):
    with transaction.atomic():
        event = audit.record("test.event", actor=None)
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE hellowork_auditevent SET action = 'x'",
        "DELETE FROM hellowork_auditevent",
        "TRUNCATE hellowork_auditevent",
        "ALTER TABLE hellowork_auditevent DISABLE TRIGGER USER",
        "DROP TRIGGER hellowork_auditevent_append_only ON hellowork_auditevent",
        "SET session_replication_role = replica",
        "SET LOCAL session_replication_role = replica",
        "ALTER TABLE hellowork_auditevent OWNER TO CURRENT_USER",
        # An id of its own choosing would freeze the checkpointed head (a lone-person review).
        "INSERT INTO hellowork_auditevent (id, at, action, target_type, target_id, ip, detail, "
        "prev_hash, hash) VALUES (4611686018427387904, now(), 'x', '', '', '', '{}', '', '')",
        # The seal is the sealer's (issue 18): no hash written, no place taken, by the app.
        "UPDATE hellowork_auditevent SET seq = 1, prev_hash = '0', hash = 'x' WHERE hash IS NULL",
        "UPDATE hellowork_auditevent SET hash = 'x'",
        "INSERT INTO hellowork_auditevent (at, action, target_type, target_id, ip, detail, "
        "seq, prev_hash, hash) VALUES (now(), 'x', '', '', '', '{}', 999999, '', 'x')",
        # A temporary table of the same name would be found first and swallow the events.
        "CREATE TEMP TABLE hellowork_auditevent (LIKE public.hellowork_auditevent)",
    ],
)
def test_the_application_role_cannot_rewrite_or_cut_the_trail(db, statement):
    with transaction.atomic():
        audit.record("test.event", actor=None)
    with (
        pytest.raises(DatabaseError, match=r"permission denied|must be owner"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert AuditEvent.objects.count() == 1
    assert fetch("SHOW session_replication_role") == [("origin",)]
    privileges = "'UPDATE, DELETE, TRUNCATE, TRIGGER'"
    held = fetch(f"SELECT has_table_privilege('hellowork_auditevent', {privileges})")
    assert held == [(False,)]


def test_every_other_table_is_readable_and_writable_by_the_application(db):
    rows = fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
        "AND tablename <> 'hellowork_auditevent' "
        "AND NOT (has_table_privilege(current_user, format('%I.%I', schemaname, tablename), 'SELECT') "
        "AND has_table_privilege(current_user, format('%I.%I', schemaname, tablename), 'INSERT') "
        "AND has_table_privilege(current_user, format('%I.%I', schemaname, tablename), 'UPDATE') "
        "AND has_table_privilege(current_user, format('%I.%I', schemaname, tablename), 'DELETE'))"
    )
    assert rows == []


@pytest.mark.django_db(transaction=True)
def test_a_migration_as_the_owner_sets_the_grants_again():
    """Grants are set from scratch after every migration: an UPDATE granted on the audit
    table by hand is taken back by the next `migrate`."""
    role = connection.ops.quote_name(settings.DATABASE_APP_ROLE)
    with db_roles.as_owner(), connection.cursor() as cursor:
        cursor.execute(f"GRANT UPDATE ON hellowork_auditevent TO {role}")
    assert fetch("SELECT has_table_privilege('hellowork_auditevent', 'UPDATE')") == [(True,)]
    call_command("migrate", verbosity=0)
    assert fetch("SELECT has_table_privilege('hellowork_auditevent', 'UPDATE')") == [(False,)]
    assert fetch("SELECT current_user")[0][0] == settings.DATABASE_APP_ROLE


@pytest.mark.django_db(transaction=True)
def test_flush_runs_as_the_owner_and_the_suite_goes_on_as_the_application():
    with transaction.atomic():
        audit.record("test.event", actor=None)
    call_command("flush", interactive=False, verbosity=0)
    assert AuditEvent.objects.count() == 0
    assert fetch("SELECT current_user")[0][0] == settings.DATABASE_APP_ROLE
