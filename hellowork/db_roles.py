"""Least privilege on PostgreSQL (issue 17, DESIGN.md rule 10).

The application connects as a role that owns nothing (`DATABASE_URL`): it may read and
write the application's rows, and only SELECT and INSERT the audit trail (unsealed: the
seal's columns are the sealer's, `manage.py audit_seal`, which runs as the owner); it cannot
UPDATE, DELETE or TRUNCATE audit rows, disable their trigger (only an owner can), or set
`session_replication_role` (only a superuser can). Migrations, and `flush` (a TRUNCATE),
run as the tables' owner (`DATABASE_OWNER_URL`): `migrate` and `flush` swap the
connection's credentials for the time they run, and after every migration the app role's
grants are set again (`grant_app_role`, on `post_migrate`), so a new table is never
forgotten and the audit table never gains more. `scripts/postgres-roles` creates the two
roles and the database. Without DATABASE_OWNER_URL (SQLite, or one role in development)
nothing changes.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connections

AUDIT_TABLE = "hellowork_auditevent"
_CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT")


def owner_configured(alias: str = "default") -> bool:
    owner = getattr(settings, "DATABASE_OWNER", None)
    return bool(owner) and connections[alias].vendor == "postgresql"


def app_role() -> str:
    """The role the application connects as (DATABASE_URL's user)."""
    return str(settings.DATABASE_APP_ROLE)


def _use(alias: str, credentials: dict[str, Any]) -> None:
    # In place: the test runner's live-server threads and every later connection read this
    # same dictionary.
    connection = connections[alias]
    connection.close()
    connection.settings_dict.update(credentials)


def become_owner(alias: str = "default") -> None:
    """From now on this alias connects as the owner (the test session's set-up)."""
    owner = settings.DATABASE_OWNER
    if owner and owner_configured(alias):
        _use(alias, {key: owner[key] for key in _CREDENTIALS})


def become_app(alias: str = "default") -> None:
    """From now on this alias connects as the application's role."""
    if owner_configured(alias):
        _use(alias, {key: settings.DATABASE_APP[key] for key in _CREDENTIALS})


@contextmanager
def as_owner(alias: str = "default") -> Iterator[None]:
    """Run the block as the tables' owner, then connect as before."""
    if not owner_configured(alias):
        yield
        return
    before = {key: connections[alias].settings_dict.get(key) for key in _CREDENTIALS}
    become_owner(alias)
    try:
        yield
    finally:
        _use(alias, before)


def grant_app_role(connection: Any) -> None:
    """The app role's privileges, set again from scratch: DML on every table and its
    sequences, then only SELECT and INSERT (not of the id) on the audit trail, and no
    temporary tables. Idempotent; run as the owner after every migration."""
    role = connection.ops.quote_name(app_role())
    audit = connection.ops.quote_name(AUDIT_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
        cursor.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"
        )
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}")
        cursor.execute(
            f"REVOKE TRUNCATE, TRIGGER, REFERENCES ON ALL TABLES IN SCHEMA public FROM {role}"
        )
        cursor.execute(f"REVOKE ALL ON {audit} FROM {role}")
        # INSERT on every column but the id and the seal. The sequence gives the id: one of
        # the app's choosing (far above the sequence) would freeze the sealer's order. The
        # seal (seq, prev_hash, hash) is the sealer's, who runs as the owner: an app-made
        # seal could take a place far ahead in the chain (issue 18). No UPDATE at all.
        cursor.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name = %s "
            "AND column_name NOT IN ('id', 'seq', 'prev_hash', 'hash') "
            "ORDER BY ordinal_position",
            [AUDIT_TABLE],
        )
        columns = ", ".join(connection.ops.quote_name(name) for (name,) in cursor.fetchall())
        cursor.execute(f"GRANT SELECT, INSERT ({columns}) ON {audit} TO {role}")
        # No temporary tables: a temporary hellowork_auditevent is found before the real one
        # and would swallow the events written on that connection.
        database = connection.ops.quote_name(connection.settings_dict["NAME"])
        cursor.execute(f"REVOKE TEMPORARY ON DATABASE {database} FROM PUBLIC, {role}")


def grant_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """post_migrate: the grants, when migrating as the owner of a database whose app role
    is another (hellowork.apps connects it once, for this app)."""
    connection = connections[using]
    if not owner_configured(using):
        return
    if connection.settings_dict["USER"] == app_role():
        return  # not the owner: it could not grant anyway
    grant_app_role(connection)
