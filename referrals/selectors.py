"""Reads that other apps and the counter screens depend on.

`disclosures_visible_to` is the one query that decides what an employer can see.
The counter's `*_for_staff` selectors scope every record to the staff member's office, so
another office's record is simply not found (a 404, the same answer as a missing one).
"""

import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db.models import (
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Replace
from django.utils import timezone

from hellowork.identifiers import POSTING_NUMBER, SEEKER_NUMBER
from hellowork.models import EmployerMember, Establishment, JobPosting, JobSeeker, StaffMember
from referrals.models import (
    Alert,
    Consultation,
    Disclosure,
    MisdeliveryReport,
    PostingInterest,
    ReferralLetter,
    ReferralStatus,
    SelectionResult,
)


def visible_now(now: datetime.datetime | None = None) -> Q:
    """What makes a disclosure visible to its establishment: issued, past the hold,
    neither recalled nor retracted."""
    return Q(
        referral__status=ReferralStatus.ISSUED,
        visible_at__lte=now or timezone.now(),
        recalled_at__isnull=True,
        retracted_at__isnull=True,
    )


def disclosures_visible_to(*, establishment: Establishment) -> QuerySet[Disclosure]:
    """Issued, past the hold, neither recalled nor retracted, for this establishment."""
    return Disclosure.objects.filter(visible_now(), establishment=establishment)


# -- the employer's my page ----------------------------------------------------------


def _current_result() -> Subquery:
    """The result no later row corrects (the database keeps the history one line)."""
    return Subquery(
        SelectionResult.objects.filter(disclosure=OuterRef("pk"), corrected_by__isnull=True).values(
            "result"
        )[:1]
    )


def applicants_for_member(
    *, member: EmployerMember, posting_number: str = "", result: str = ""
) -> QuerySet[Disclosure]:
    """The applicant list of the member's establishment, newest first, each row with its
    current selection result (`current_result`, None when none is recorded) and whether a
    misdelivery was reported: one query however many rows.

    `result` filters on the current result; "none" means no result recorded yet.
    """
    applicants = disclosures_visible_to(establishment=member.establishment).annotate(
        current_result=_current_result(),
        misdelivery_reported=Exists(MisdeliveryReport.objects.filter(disclosure=OuterRef("pk"))),
    )
    if posting_number:
        applicants = applicants.filter(posting_number=posting_number)
    if result == "none":
        applicants = applicants.filter(current_result__isnull=True)
    elif result:
        applicants = applicants.filter(current_result=result)
    return applicants.order_by("-visible_at", "-id")


def applicant_postings(*, member: EmployerMember) -> list[tuple[str, str]]:
    """(posting number, title) of the establishment's postings that have visible
    applicants, for the list's filter: one query."""
    rows = (
        disclosures_visible_to(establishment=member.establishment)
        .values("posting_number")
        .annotate(title=Max("posting_title"))
        .order_by("posting_number")
    )
    return [(row["posting_number"], row["title"]) for row in rows]


def applicant_for_member(*, member: EmployerMember) -> QuerySet[Disclosure]:
    """The member's visible applicants with what one applicant's page shows besides the
    snapshot: the issuing office's name, nothing else of the referral. Fetch one with
    `get_object_or_404(..., public_id=...)`: another establishment's is simply not found."""
    return disclosures_visible_to(establishment=member.establishment).annotate(
        issuing_office_name=F("referral__consultation__office__name"),
        current_result=_current_result(),
    )


def selection_results_of(*, disclosure: Disclosure) -> QuerySet[SelectionResult]:
    """The results recorded for one applicant, newest (the current one) first."""
    return (
        SelectionResult.objects.filter(disclosure=disclosure)
        .select_related("recorded_by__user")
        .order_by("-id")
    )


def misdelivery_report_of(*, disclosure: Disclosure) -> MisdeliveryReport | None:
    return MisdeliveryReport.objects.filter(disclosure=disclosure).first()


def disclosures_due_for_notification(
    *, now: datetime.datetime | None = None
) -> QuerySet[Disclosure]:
    """Visible applicants whose establishment has not been told yet, oldest first."""
    return Disclosure.objects.filter(visible_now(now), notified_at__isnull=True).order_by(
        "visible_at", "id"
    )


# -- the counter -------------------------------------------------------------------


def selection_results_for_referral(*, referral: ReferralLetter) -> QuerySet[SelectionResult]:
    """What the employer recorded for a referral, newest (the current one) first, with who
    recorded it. Empty when nothing was recorded or the establishment has no my page.
    Fetch the referral through `referrals_for_staff` first: this does not scope by office."""
    return (
        SelectionResult.objects.filter(disclosure__referral=referral)
        .select_related("recorded_by__user", "recorded_by__establishment")
        .order_by("-id")
    )


def current_selection_result(*, referral: ReferralLetter) -> SelectionResult | None:
    return selection_results_for_referral(referral=referral).first()


# -- the counter ----------------------------------------------------------------------


def to_katakana(text: str) -> str:
    """Half-width kana to full-width (NFKC), hiragana to katakana, spaces removed."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(chr(ord(ch) + 0x60) if "ぁ" <= ch <= "ゖ" else ch for ch in text)
    return re.sub(r"\s+", "", text)


def seeker_search(*, query: str, limit: int = 50) -> tuple[str, list[JobSeeker]]:
    """Seekers by 求職番号 (exact) or by kana (the kana typed anywhere in the name).
    Hello Work serves any registered seeker at any office, so this is not office-scoped;
    every search is recorded (referrals.services.staff_search_record)."""
    try:
        number = SEEKER_NUMBER.clean(query)
    except ValidationError:
        kana = to_katakana(query)
        if not kana:
            return "kana", []
        found = (
            JobSeeker.objects.annotate(compact_kana=Replace("kana", Value(" "), Value("")))
            .annotate(compact_kana2=Replace("compact_kana", Value("　"), Value("")))
            .filter(compact_kana2__contains=kana)
            .select_related("office")
            .order_by("kana", "number")[:limit]
        )
        return "kana", list(found)
    return "number", list(JobSeeker.objects.filter(number=number).select_related("office"))


def posting_by_number(*, number: str) -> JobPosting | None:
    """The posting with this 求人番号 (already normalised), matched on the number only."""
    POSTING_NUMBER.clean(number)
    return JobPosting.objects.select_related("establishment").filter(number=number).first()


def consultations_for_staff(*, staff: StaffMember) -> QuerySet[Consultation]:
    return Consultation.objects.filter(office_id=staff.office_id)


def consultations_with_page_data(*, staff: StaffMember) -> QuerySet[Consultation]:
    """Consultations of the staff member's office with everything the consultation page
    shows, in a fixed number of queries however many postings and letters one holds."""
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
