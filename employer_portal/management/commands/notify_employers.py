"""Arrival notices: one e-mail to each active member of an establishment when one of its
applicants becomes visible (after the hold). Idempotent: run it from cron, or as a worker
with `--loop SECONDS`."""

import logging
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from referrals import services

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Sends the arrival notice for every newly visible applicant (no personal data)."

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
            help="At most this many applicants per round (default 100).",
        )

    def handle(
        self, *args: Any, loop: float | None = None, limit: int = 100, **options: Any
    ) -> None:
        if loop is None:
            count = services.employer_notifications_send(limit=limit)
            self.stdout.write(f"notified: {count}")
            return
        if loop <= 0:
            self.stderr.write("--loop needs a positive number of seconds")
            raise SystemExit(2)
        self.stdout.write(f"notify_employers: checking every {loop:g} s (Ctrl+C to stop)")
        try:
            while True:
                close_old_connections()
                try:
                    count = services.employer_notifications_send(limit=limit)
                except Exception:
                    # A mail server or database hiccup: the disclosure stays un-notified
                    # and is tried again next round.
                    logger.exception("notify_employers: round failed")
                else:
                    if count:
                        self.stdout.write(f"notified: {count}")
                    if count >= limit:
                        continue  # more are waiting
                time.sleep(loop)
        except KeyboardInterrupt:
            self.stdout.write("notify_employers: stopped")
