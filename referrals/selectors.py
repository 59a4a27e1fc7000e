"""Reads that other apps and the counter screens depend on.

`disclosures_visible_to` is the one query that decides what an employer can see.
The counter's `*_for_staff` selectors scope every record to the staff member's office, so
another office's record is simply not found (a 404, the same answer as a missing one).
"""

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from hellowork.models import Establishment, StaffMember
from referrals.models import (
    Alert,
    Consultation,
    Disclosure,
    PostingInterest,
    ReferralLetter,
    ReferralStatus,
)


def disclosures_visible_to(*, establishment: Establishment) -> QuerySet[Disclosure]:
    """Issued, past the hold, neither recalled nor retracted, for this establishment."""
    return Disclosure.objects.filter(
        establishment=establishment,
        referral__status=ReferralStatus.ISSUED,
        visible_at__lte=timezone.now(),
        recalled_at__isnull=True,
        retracted_at__isnull=True,
    )


def consultations_for_staff(*, staff: StaffMember) -> QuerySet[Consultation]:
    return Consultation.objects.filter(office_id=staff.office_id)


def consultation_page(*, staff: StaffMember, pk: int) -> Consultation:
    """One consultation of the staff member's office with everything its page shows, in a
    fixed number of queries however many postings and letters it holds."""
    return (
        consultations_for_staff(staff=staff)
        .select_related("seeker", "staff__user", "office", "merged_into")
        .prefetch_related(
            Prefetch(
                "interests",
                queryset=PostingInterest.objects.select_related(
                    "posting__establishment", "recorded_by__user"
                ),
            ),
            Prefetch(
                "referrals",
                queryset=ReferralLetter.objects.select_related(
                    "posting__establishment", "drafted_by__user"
                ).order_by("created_at"),
            ),
        )
        .get(pk=pk)
    )


def other_consultations_of_seeker(*, consultation: Consultation) -> QuerySet[Consultation]:
    """Candidates to merge with: the same seeker, the same office, not merged away."""
    return (
        Consultation.objects.filter(
            seeker_id=consultation.seeker_id,
            office_id=consultation.office_id,
            merged_into__isnull=True,
        )
        .exclude(pk=consultation.pk)
        .select_related("staff__user")
        .annotate(referral_count=Count("referrals"))
        .order_by("-opened_at")
    )


def referrals_for_staff(*, staff: StaffMember) -> QuerySet[ReferralLetter]:
    return ReferralLetter.objects.filter(consultation__office_id=staff.office_id).select_related(
        "consultation__seeker",
        "consultation__office",
        "posting__establishment",
        "drafted_by__user",
        "previous_referral__posting__establishment",
    )


def approval_queue(*, staff: StaffMember) -> QuerySet[ReferralLetter]:
    """Referrals of the office waiting for a supervisor, oldest first."""
    return (
        referrals_for_staff(staff=staff)
        .filter(status=ReferralStatus.PENDING_APPROVAL)
        .select_related("submitted_by__user")
        .order_by("submitted_at", "pk")
    )


def open_alerts_for_staff(*, staff: StaffMember) -> QuerySet[Alert]:
    return Alert.objects.filter(office_id=staff.office_id, resolved_at__isnull=True)


def todays_consultations(*, staff: StaffMember) -> QuerySet[Consultation]:
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        consultations_for_staff(staff=staff)
        .filter(staff=staff, opened_at__gte=start, merged_into__isnull=True)
        .select_related("seeker")
        .annotate(referral_count=Count("referrals", filter=~Q(referrals__status="voided")))
        .order_by("-opened_at")
    )
