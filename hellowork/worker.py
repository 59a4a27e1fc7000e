"""The shape every worker command shares: do one round and stop (for cron), or with
`--loop SECONDS` keep doing rounds (a worker process beside the web process)."""

import logging
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

logger = logging.getLogger(__name__)


class WorkerCommand(BaseCommand):
    """Subclasses say what a round does (`run_round`) and what it did (`describe`)."""

    limit_help = "At most this many items per round (default 100)."

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
        parser.add_argument("--limit", type=int, default=100, help=self.limit_help)

    def handle(
        self, *args: Any, loop: float | None = None, limit: int = 100, **options: Any
    ) -> None:
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
                close_old_connections()
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
