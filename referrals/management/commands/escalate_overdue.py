"""Escalations: one e-mail to the office's managers for each incident task past its
deadline, each alert left unresolved for ALERT_ESCALATION_HOURS and each retraction left
pending for RETRACTION_ESCALATION_MINUTES. It also closes the in-person consultations past
their idle time or their day (rule 3b; the services enforce it anyway, this keeps lists and
figures in step). Idempotent: run it from cron, or as a worker with `--loop SECONDS`."""

from dataclasses import dataclass

from hellowork.worker import WorkerCommand
from referrals.services import counter, incidents


@dataclass(frozen=True)
class Round:
    escalated: incidents.Escalated
    consultations_closed: int


class Command(WorkerCommand):
    help = (
        "E-mails the office managers once about each overdue incident task, old open alert "
        "and retraction left pending, and closes idle in-person consultations."
    )
    limit_help = "At most this many of each kind per round (default 100)."

    def run_round(self, *, limit: int) -> Round:
        return Round(
            escalated=incidents.escalate_overdue(limit=limit),
            consultations_closed=counter.consultations_close_expired(),
        )

    def describe(self, outcome: Round) -> str:
        escalated = outcome.escalated
        return (
            f"escalated: {escalated.tasks} tasks, {escalated.alerts} alerts, "
            f"{escalated.retractions} retractions; "
            f"closed {outcome.consultations_closed} idle consultations"
        )

    def is_empty(self, outcome: Round) -> bool:
        return outcome.escalated.total == 0 and outcome.consultations_closed == 0

    def is_full(self, outcome: Round, limit: int) -> bool:
        escalated = outcome.escalated
        return max(escalated.tasks, escalated.alerts, escalated.retractions) >= limit
