"""The shape every worker command shares: do one round and stop (for cron), or with
`--loop SECONDS` keep doing rounds (a worker process beside the web process); and the
shape of a round (`drain`)."""

import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections, transaction
from django.db.models import Model, QuerySet

logger = logging.getLogger(__name__)


def drain[T: Model](
    due: Callable[[], QuerySet[T]], handle: Callable[[T], object], *, limit: int
) -> int:
    """Handles the rows `due` lists, first first, one transaction each and up to `limit`.
    Each row is taken under a row lock that other workers skip (`SKIP LOCKED` on
    PostgreSQL), so several workers share the work and none handles a row twice; `handle`
    marks the row done in the same transaction, and an exception (a mail server down)
    rolls that row back for the next round. Returns how many were handled."""
    count = 0
    while count < limit:
        with transaction.atomic():
            row = due().select_for_update(skip_locked=True, of=("self",)).first()
            if row is None:
                break
            handle(row)
        logger.info("%s %s handled", row._meta.model_name, row.pk)
        count += 1
    return count


class WorkerCommand(BaseCommand):
    """Subclasses say what a round does (`run_round`) and what it did (`describe`)."""

    limit_help = "At most this many items per round (default 100)."
    default_limit = 100

    def run_round(self, *, limit: int) -> Any:
        raise NotImplementedError

    def describe(self, outcome: Any) -> str:
        raise NotImplementedError

    def is_full(self, outcome: Any, limit: int) -> bool:
        """Did the round stop at its limit (so that more are waiting)?"""
        raise NotImplementedError

    def is_empty(self, outcome: Any) -> bool:
        raise NotImplementedError

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--loop",
            type=float,
            metavar="SECONDS",
            help="Keep running, checking again every SECONDS (a worker process).",
        )
        parser.add_argument("--limit", type=int, default=self.default_limit, help=self.limit_help)

    def between_rounds(self) -> None:
        """Before each round of a loop: drop connections past their age or broken."""
        close_old_connections()

    def handle(
        self, *args: Any, loop: float | None = None, limit: int | None = None, **options: Any
    ) -> None:
        if limit is None:
            limit = self.default_limit
        name = self.__module__.rsplit(".", 1)[-1]
        if loop is None:
            self.stdout.write(self.describe(self.run_round(limit=limit)))
            return
        if loop <= 0:
            self.stderr.write("--loop needs a positive number of seconds")
            raise SystemExit(2)
        self.stdout.write(f"{name}: checking every {loop:g} s (Ctrl+C to stop)")
        try:
            while True:
                self.between_rounds()
                try:
                    outcome = self.run_round(limit=limit)
                except Exception:
                    # A mail server or database hiccup: what was not done stays to do, and
                    # is tried again next round.
                    logger.exception("%s: round failed", name)
                else:
                    if not self.is_empty(outcome):
                        self.stdout.write(self.describe(outcome))
                    if self.is_full(outcome, limit):
                        continue  # more are waiting
                time.sleep(loop)
        except KeyboardInterrupt:
            self.stdout.write(f"{name}: stopped")
