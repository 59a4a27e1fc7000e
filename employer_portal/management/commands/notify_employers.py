"""Employer e-mails: one to each active member of an establishment when one of its
applicants becomes visible (after the hold), one when an applicant is withdrawn (rule 8),
and one when an applicant it reported is shown again after Hello Work's check (rule 11).
None says anything about the applicant. It also sends what the my page's requests left in
the outbox (hellowork.OutboxMail: password links, invitations), which no request sends
itself. Idempotent: run it from cron, or as a
worker with `--loop SECONDS`."""

from dataclasses import dataclass

from hellowork import services as registry_services
from hellowork.worker import WorkerCommand
from referrals import services


@dataclass(frozen=True)
class Notified:
    arrivals: int
    withdrawals: int
    restored: int = 0
    outbox: int = 0


class Command(WorkerCommand):
    help = (
        "Sends the arrival notice for every newly visible applicant and the withdrawal "
        "notice for every retracted one (no personal data)."
    )
    limit_help = "At most this many applicants of each kind per round (default 100)."

    def run_round(self, *, limit: int) -> Notified:
        return Notified(
            arrivals=services.employer_notifications_send(limit=limit),
            withdrawals=services.employer_withdrawal_notices_send(limit=limit),
            restored=services.employer_restore_notices_send(limit=limit),
            outbox=registry_services.outbox_send(limit=limit),
        )

    def describe(self, outcome: Notified) -> str:
        text = f"notified: {outcome.arrivals}, withdrawn: {outcome.withdrawals}"
        text += f", restored: {outcome.restored}" if outcome.restored else ""
        return text + (f", outbox: {outcome.outbox}" if outcome.outbox else "")

    def is_empty(self, outcome: Notified) -> bool:
        return outcome.arrivals == outcome.withdrawals == outcome.restored == outcome.outbox == 0

    def is_full(self, outcome: Notified, limit: int) -> bool:
        return max(outcome.arrivals, outcome.withdrawals, outcome.restored, outcome.outbox) >= limit
