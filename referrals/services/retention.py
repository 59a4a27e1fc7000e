"""Retention: personal data kept no longer than needed (ASVS 14.2.7).

Every night, what an employer was shown of a referral issued more than RETENTION_DAYS
ago is erased (the snapshot's name, kana and age, and what the employer wrote about the
applicant, by any route), and so are the notes of consultations that ended that long ago
and the conditions' difference of results a clerk received for letters without a my page. The referral
letters, their codes and statuses, the consultations themselves and the audit trail stay:
the office's figures and the trace of who did what survive the data they were about.
Batches lock with SKIP LOCKED, so a run never waits on the day's work and can be repeated.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from hellowork import audit
from referrals.models import Consultation, Disclosure, SelectionResult
from referrals.services._shared import ERASED_SNAPSHOT_FIELDS, erase_snapshot

BATCH = 500


@dataclass(frozen=True)
class Erased:
    disclosures: int
    consultation_notes: int
    results: int = 0  # results a clerk received for letters without a my-page disclosure


def retention_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    """The moment before which personal data is past its retention period
    (RETENTION_DAYS before `now`).

    Refuses: nothing.
    """
    return (now or timezone.now()) - datetime.timedelta(days=settings.RETENTION_DAYS)


def personal_data_erase(*, before: datetime.datetime) -> Erased:
    """Erases the personal data of disclosures created and consultations closed before
    `before`. A system action (no actor): one audit event per batch, naming the rows.

    Refuses: nothing.
    """
    disclosures = notes = 0
    while True:
        with transaction.atomic():
            batch = list(
                Disclosure.objects.select_for_update(skip_locked=True)
                .filter(created_at__lt=before, erased_at__isnull=True, retracted_at__isnull=True)
                .order_by("pk")[:BATCH]
            )
            if not batch:
                break
            now = timezone.now()
            for disclosure in batch:
                disclosure.erased_at = now
                erase_snapshot(disclosure, now)
            audit.record(
                "retention.disclosures_erased",
                actor=None,
                detail={
                    "disclosure_ids": [d.pk for d in batch],
                    "fields": ERASED_SNAPSHOT_FIELDS,
                    "before": before.isoformat(),
                },
            )
            disclosures += len(batch)
    while True:
        with transaction.atomic():
            ids = list(
                Consultation.objects.select_for_update(skip_locked=True)
                .filter(closed_at__lt=before)
                .exclude(note="")
                .order_by("pk")
                .values_list("pk", flat=True)[:BATCH]
            )
            if not ids:
                break
            Consultation.objects.filter(pk__in=ids).update(note="")
            audit.record(
                "retention.consultation_notes_erased",
                actor=None,
                detail={"consultation_ids": ids, "before": before.isoformat()},
            )
            notes += len(ids)
    # Issue 20: results a clerk typed for an establishment without a my page hang off no
    # disclosure; what they say of the conditions goes after the same time.
    results = 0
    while True:
        with transaction.atomic():
            ids = list(
                SelectionResult.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(referral__issued_at__lt=before)
                .exclude(Exists(Disclosure.objects.filter(referral_id=OuterRef("referral_id"))))
                .exclude(conditions_difference="")
                .order_by("pk")
                .values_list("pk", flat=True)[:BATCH]
            )
            if not ids:
                break
            SelectionResult.objects.filter(pk__in=ids).update(
                conditions_difference="", erased_at=timezone.now()
            )
            audit.record(
                "retention.selection_results_erased",
                actor=None,
                detail={"selection_result_ids": ids, "before": before.isoformat()},
            )
            results += len(ids)
    return Erased(disclosures=disclosures, consultation_notes=notes, results=results)
