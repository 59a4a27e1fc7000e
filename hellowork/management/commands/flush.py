from typing import Any

from django.core.management.commands.flush import Command as FlushCommand

from hellowork.audit import erasure_allowed


class Command(FlushCommand):
    """Django's flush, which is also the one sanctioned way to empty the audit table on
    SQLite (where the append-only trigger otherwise refuses DELETE). PostgreSQL's flush
    is a TRUNCATE, which the trigger allows for the table's owner."""

    def handle(self, **options: Any) -> None:
        with erasure_allowed():
            super().handle(**options)
