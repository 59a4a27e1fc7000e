"""Escalations: one e-mail to the office's managers for each incident task past its
deadline and each alert left unresolved for ALERT_ESCALATION_HOURS. Idempotent: run it
from cron, or as a worker with `--loop SECONDS`."""

import logging
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from referrals.services import incidents

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "E-mails the office managers once about each overdue incident task and old open alert."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--loop",
            type=float,
            metavar="SECONDS",
            help="Keep running, checking again every SECONDS (a worker process).",
        )
        parser.add_argument(
            "--limit",
            type=int,
            default=100,
            help="At most this many tasks and this many alerts per round (default 100).",
        )

    def handle(
        self, *args: Any, loop: float | None = None, limit: int = 100, **options: Any
    ) -> None:
        if loop is None:
            done = incidents.escalate_overdue(limit=limit)
            self.stdout.write(f"escalated: {done.tasks} tasks, {done.alerts} alerts")
            return
        if loop <= 0:
            self.stderr.write("--loop needs a positive number of seconds")
            raise SystemExit(2)
        self.stdout.write(f"escalate_overdue: checking every {loop:g} s (Ctrl+C to stop)")
        try:
            while True:
                close_old_connections()
                try:
                    done = incidents.escalate_overdue(limit=limit)
                except Exception:
                    # A mail server or database hiccup: the item stays unescalated and is
                    # tried again next round.
                    logger.exception("escalate_overdue: round failed")
                else:
                    if done.total:
                        self.stdout.write(f"escalated: {done.tasks} tasks, {done.alerts} alerts")
                    if done.tasks >= limit or done.alerts >= limit:
                        continue  # more are waiting
                time.sleep(loop)
        except KeyboardInterrupt:
            self.stdout.write("escalate_overdue: stopped")
