"""Seals the audit trail (hellowork.audit_sealer): one worker, `--loop 1` (`make run`
starts it from the Procfile; production runs it as a worker of its own). It connects as
the tables' owner when DATABASE_OWNER_URL is set (the application's role cannot update
audit rows), and keeps its connection between rounds: the sealer's lock lives on it."""

from typing import Any

from django.db import connection

from hellowork import audit_sealer, db_roles
from hellowork.audit_sealer import Sealed
from hellowork.worker import WorkerCommand


class Command(WorkerCommand):
    help = (
        "Chains the unsealed audit events (in id order, in batches) and writes their hashes; "
        "a second sealer finds the lock taken and seals nothing."
    )
    limit_help = "Events per transaction (default 500)."
    default_limit = audit_sealer.BATCH_SIZE

    def handle(self, *args: Any, **options: Any) -> None:
        with db_roles.as_owner():  # for the life of the command; the app role after
            try:
                super().handle(*args, **options)
            finally:
                audit_sealer.release_lock()

    def between_rounds(self) -> None:
        # Not close_old_connections(): closing would drop the sealer's lock every round.
        if connection.connection is not None and not connection.is_usable():
            connection.close()

    def run_round(self, *, limit: int) -> Sealed:
        return audit_sealer.seal(batch_size=limit, max_batches=20)

    def describe(self, outcome: Sealed) -> str:
        if outcome.standby:
            return "audit seal: another sealer holds the lock; standing by"
        noun = "event" if outcome.sealed == 1 else "events"
        return f"audit seal: {outcome.sealed} {noun} sealed, chain head at {outcome.head_seq}"

    def is_empty(self, outcome: Sealed) -> bool:
        return outcome.sealed == 0 and not outcome.standby

    def is_full(self, outcome: Sealed, limit: int) -> bool:
        return outcome.sealed >= 20 * limit
