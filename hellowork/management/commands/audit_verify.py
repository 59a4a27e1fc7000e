from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from hellowork import audit_checkpoints


class Command(BaseCommand):
    help = (
        "Walks the audit trail's sealed hash chain and holds it to every checkpoint in "
        "AUDIT_CHECKPOINT_DIR; exits non-zero naming the first break (docs/SECURITY.md says "
        "what to do then); reports the events not sealed yet and the oldest one's age."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = audit_checkpoints.verify_anchored()
        except audit_checkpoints.CheckpointError as error:
            raise CommandError(f"Audit checkpoints cannot be trusted: {error}.") from error
        if report.broken is not None:
            raise CommandError(
                f"Audit chain broken: {report.broken} ({report.checked} events before the "
                f"break verified, {report.checkpoints} checkpoints)."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit chain intact: {report.checked} events verified against "
                f"{report.checkpoints} checkpoints."
            )
        )
        if report.checkpoints == 0:
            self.stdout.write(
                self.style.WARNING(
                    "No checkpoint yet: nothing is anchored outside the database, so a "
                    "deleted tail or a rewritten chain could not be seen. Run "
                    "`manage.py audit_checkpoint` (every few minutes)."
                )
            )
        elif report.unanchored:
            since = timezone.localtime(report.unanchored_since)
            self.stdout.write(
                f"{report.unanchored} events not yet anchored (after head event "
                f"{report.anchored.head_id if report.anchored else 0}, the oldest at "
                f"{since:%Y-%m-%d %H:%M:%S})."
            )
        if report.unsealed and report.unsealed_since is not None:
            age = (timezone.now() - report.unsealed_since).total_seconds()
            oldest = timezone.localtime(report.unsealed_since)
            self.stdout.write(
                f"{report.unsealed} events not yet sealed (not in the chain yet; the oldest at "
                f"{oldest:%Y-%m-%d %H:%M:%S}, {age:.0f} s ago): is `audit_seal` running?"
            )
