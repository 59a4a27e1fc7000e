from typing import Any

from django.core.management.commands.flush import Command as FlushCommand

from hellowork.audit import erasure_allowed
from hellowork.db_roles import as_owner


class Command(FlushCommand):
    """Django's flush, which is also the one sanctioned way to empty the audit table on
    SQLite (where the append-only trigger otherwise refuses DELETE). PostgreSQL's flush is
    a TRUNCATE, which only the table's owner may run: with DATABASE_OWNER_URL set it runs as
    the owner (hellowork.db_roles); the application's role cannot."""

    def handle(self, **options: Any) -> None:
        with erasure_allowed(), as_owner(options.get("database") or "default"):
            super().handle(**options)
