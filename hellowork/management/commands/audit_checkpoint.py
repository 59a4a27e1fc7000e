"""Anchors the audit chain's head outside the database (hellowork.audit_checkpoints): run
it every few minutes (`make run` starts it with --loop 300; in production a worker or cron),
and the bureau's copy goes by e-mail when AUDIT_CHECKPOINT_EMAIL is set."""

from django.conf import settings
from django.core.mail import send_mail

from hellowork import audit_checkpoints
from hellowork.audit_checkpoints import Checkpoint
from hellowork.worker import WorkerCommand


class Command(WorkerCommand):
    help = (
        "Appends the audit chain's signed head to AUDIT_CHECKPOINT_DIR (and e-mails it to "
        "AUDIT_CHECKPOINT_EMAIL when set); writes nothing when the head has not moved."
    )
    limit_help = "Unused (one checkpoint per round)."

    def run_round(self, *, limit: int) -> Checkpoint | None:
        checkpoint = audit_checkpoints.write()
        if checkpoint is not None and settings.AUDIT_CHECKPOINT_EMAIL:
            # Ids, a hash and a count: nothing personal. A copy the database's owner cannot
            # reach, for the bureau to hold the office's trail to.
            send_mail(
                "【ハローワーク】監査記録のチェックポイント / Audit trail checkpoint",
                checkpoint.line(settings.AUDIT_CHECKPOINT_KEY),
                None,
                [settings.AUDIT_CHECKPOINT_EMAIL],
            )
        return checkpoint

    def describe(self, outcome: Checkpoint | None) -> str:
        if outcome is None:
            return "audit checkpoint: the head has not moved; nothing written"
        return f"audit checkpoint: head event {outcome.head_id}, {outcome.count} events"

    def is_empty(self, outcome: Checkpoint | None) -> bool:
        return outcome is None

    def is_full(self, outcome: Checkpoint | None, limit: int) -> bool:
        return False
