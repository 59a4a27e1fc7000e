from typing import Any

from django.core.management.base import BaseCommand

from referrals.services import personal_data_erase, retention_cutoff


class Command(BaseCommand):
    help = (
        "Erases the personal data of disclosures and consultation notes older than "
        "RETENTION_DAYS (the audit trail and the counts stay). Safe to run every night."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        before = retention_cutoff()
        erased = personal_data_erase(before=before)
        self.stdout.write(
            f"Erased before {before:%Y-%m-%d}: {erased.disclosures} disclosures, "
            f"{erased.consultation_notes} consultation notes, "
            f"{erased.results} selection results received at the counter."
        )
