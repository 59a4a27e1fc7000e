"""Escalations: one e-mail to the office's managers for each incident task past its
deadline, each critical alert left undecided for CRITICAL_ALERT_ESCALATION_MINUTES and
each warning for ALERT_ESCALATION_HOURS, and each retraction left pending for
RETRACTION_ESCALATION_MINUTES. It also sends the supervisors' e-mail of a critical alert
that could not go out when it was raised (the mail server was down: rule 11), and closes
the in-person consultations past their idle time or their day (rule 3b; the services
enforce it anyway, this keeps lists and figures in step). And it watches the audit
sealer from outside (hellowork.audit_sealer.check_lag): while the oldest unsealed event is
older than AUDIT_SEAL_ALARM_SECONDS it logs an error each round, the operators' alarm (a
sealer that died cannot raise its own). Idempotent: run it from cron, or as a worker with
`--loop SECONDS`."""

from dataclasses import dataclass

from hellowork import audit_sealer
from hellowork.worker import WorkerCommand
from referrals.services import containment, counter, incidents


@dataclass(frozen=True)
class Round:
    escalated: incidents.Escalated
    consultations_closed: int
    supervisors_told: int = 0
    seal_lag: audit_sealer.Tail | None = None


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
            supervisors_told=containment.alerts_notify_unsent(),
            seal_lag=audit_sealer.check_lag(),
        )

    def describe(self, outcome: Round) -> str:
        escalated = outcome.escalated
        return (
            f"escalated: {escalated.tasks} tasks, {escalated.alerts} alerts, "
            f"{escalated.retractions} retractions; "
            f"closed {outcome.consultations_closed} idle consultations"
            + (
                f"; late critical-alert e-mails: {outcome.supervisors_told}"
                if outcome.supervisors_told
                else ""
            )
            + (
                f"; AUDIT SEALER LAG {outcome.seal_lag.lag_seconds:.0f} s"
                if outcome.seal_lag is not None and outcome.seal_lag.alarming
                else ""
            )
        )

    def is_empty(self, outcome: Round) -> bool:
        return (
            outcome.escalated.total == 0
            and outcome.consultations_closed == 0
            and outcome.supervisors_told == 0
            and not (outcome.seal_lag is not None and outcome.seal_lag.alarming)
        )

    def is_full(self, outcome: Round, limit: int) -> bool:
        escalated = outcome.escalated
        return max(escalated.tasks, escalated.alerts, escalated.retractions) >= limit
