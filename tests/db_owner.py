"""Test set-up that needs the tables' owner while the test itself runs as the application's
role (make test-postgres, CI: hellowork.db_roles), inside the test's open transaction."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection

from hellowork import db_roles


@contextmanager
def owner_cursor() -> Iterator[Any]:
    """A cursor as the owner on a connection of its own (autocommit), for what does not
    care about the test's transaction, such as setting sequences; the test's own cursor
    where there is no separate owner (SQLite, one role)."""
    if not db_roles.owner_configured():
        with connection.cursor() as cursor:
            yield cursor
        return
    owner = settings.DATABASE_OWNER
    with raw_cursor(user=owner["USER"], password=owner["PASSWORD"]) as cursor:
        yield cursor


@contextmanager
def raw_cursor(*, user: str, password: str | None = None) -> Iterator[Any]:
    """A cursor as `user` on the test database, on a connection of its own (autocommit)."""
    params = connection.get_connection_params()
    params.update(user=user, password=password or None)
    params = {key: value for key, value in params.items() if value not in (None, "")}
    with psycopg.connect(**params, autocommit=True) as raw, raw.cursor() as cursor:
        yield cursor


def seal_audit_trail(**options: Any) -> Any:
    """What the sealer (`manage.py audit_seal`) does, as it does it: as the owner (the
    application's role cannot update audit rows), releasing its lock afterwards. On
    PostgreSQL this reconnects, so the events must be committed (transaction=True tests)."""
    from hellowork import audit_sealer

    with db_roles.as_owner():
        try:
            return audit_sealer.seal(**options)
        finally:
            audit_sealer.release_lock()
