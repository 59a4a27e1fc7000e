"""Arrival notices: one e-mail to each active member of an establishment when one of its
applicants becomes visible (after the hold). Idempotent: run it from cron, or as a worker
with `--loop SECONDS`."""

from hellowork.worker import WorkerCommand
from referrals import services


class Command(WorkerCommand):
    help = "Sends the arrival notice for every newly visible applicant (no personal data)."
    limit_help = "At most this many applicants per round (default 100)."

    def run_round(self, *, limit: int) -> int:
        return services.employer_notifications_send(limit=limit)

    def describe(self, outcome: int) -> str:
        return f"notified: {outcome}"

    def is_empty(self, outcome: int) -> bool:
        return outcome == 0

    def is_full(self, outcome: int, limit: int) -> bool:
        return outcome >= limit
