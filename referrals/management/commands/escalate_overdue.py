"""Escalations: one e-mail to the office's managers for each incident task past its
deadline, each alert left unresolved for ALERT_ESCALATION_HOURS and each retraction left
pending for RETRACTION_ESCALATION_MINUTES. Idempotent: run it from cron, or as a worker
with `--loop SECONDS`."""

from hellowork.worker import WorkerCommand
from referrals.services import incidents


class Command(WorkerCommand):
    help = (
        "E-mails the office managers once about each overdue incident task, old open alert "
        "and retraction left pending."
    )
    limit_help = "At most this many of each kind per round (default 100)."

    def run_round(self, *, limit: int) -> incidents.Escalated:
        return incidents.escalate_overdue(limit=limit)

    def describe(self, outcome: incidents.Escalated) -> str:
        return (
            f"escalated: {outcome.tasks} tasks, {outcome.alerts} alerts, "
            f"{outcome.retractions} retractions"
        )

    def is_empty(self, outcome: incidents.Escalated) -> bool:
        return outcome.total == 0

    def is_full(self, outcome: incidents.Escalated, limit: int) -> bool:
        return max(outcome.tasks, outcome.alerts, outcome.retractions) >= limit
