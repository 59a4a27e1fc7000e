"""Escalations: one e-mail to the office's managers for each incident task past its
deadline and each alert left unresolved for ALERT_ESCALATION_HOURS. Idempotent: run it
from cron, or as a worker with `--loop SECONDS`."""

from hellowork.worker import WorkerCommand
from referrals.services import incidents


class Command(WorkerCommand):
    help = "E-mails the office managers once about each overdue incident task and old open alert."
    limit_help = "At most this many tasks and this many alerts per round (default 100)."

    def run_round(self, *, limit: int) -> incidents.Escalated:
        return incidents.escalate_overdue(limit=limit)

    def describe(self, outcome: incidents.Escalated) -> str:
        return f"escalated: {outcome.tasks} tasks, {outcome.alerts} alerts"

    def is_empty(self, outcome: incidents.Escalated) -> bool:
        return outcome.total == 0

    def is_full(self, outcome: incidents.Escalated, limit: int) -> bool:
        return outcome.tasks >= limit or outcome.alerts >= limit
