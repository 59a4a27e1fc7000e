"""Reads that other apps and the counter screens depend on.

`disclosures_visible_to` is the one query that decides what an employer can see.
The counter's `*_for_staff` selectors scope every record to the staff member's office, so
another office's record is simply not found (a 404, the same answer as a missing one).
"""

import contextlib
import datetime
import functools
import operator
import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Replace
from django.utils import timezone

from hellowork.identifiers import POSTING_NUMBER, normalize
from hellowork.models import (
    AuditEvent,
    EmployerMember,
    Establishment,
    JobPosting,
    JobSeeker,
    SeekerProtection,
    StaffMember,
)
from hellowork.name_keys import kana_key, name_key
from hellowork.wareki import parse_date
from referrals import display_credentials, lifecycle
from referrals.models import (
    Alert,
    AlertSeverity,
    ApprovalStatement,
    Consultation,
    CounterDisplay,
    Disclosure,
    DisplayReadback,
    EmployerCall,
    Incident,
    IncidentTask,
    MisdeliveryDecision,
    MisdeliveryReport,
    PostingInterest,
    ReferralLetter,
    ReferralStatus,
    RetractionRequest,
    RetractionStatus,
    SelectionResult,
    SelfInspection,
    SelfInspectionItem,
)
from referrals.results import window_closes_before


def visible_now(now: datetime.datetime | None = None) -> Q:
    """What makes a disclosure visible to its establishment: its phase is VISIBLE
    (`lifecycle.visible_q`: past the hold, neither recalled nor retracted, not hidden on
    its own report (quarantined, rule 11), not yet past its retention period (erased)),
    and not to an establishment an active protection of the seeker excludes (rule 13: a
    letter issued before the protection was set is hidden from that moment, whether or
    not anyone acts on the alert).

    Conditions on the disclosure's own row only, so the list's count and filter stay index
    scans of the establishment's disclosures (issue 18: joining every letter for its status
    and consultation made the planner hash-join a sequential scan of all letters). The
    letter's status is implied: a disclosure exists only from issue, and every way out of
    "issued" recalls (a void in the hold) or retracts it in the same transaction (the state
    machine's `a_disclosure_outlives_its_letter_only_recalled_or_retracted`). The
    protection's seeker is reached inside the subquery, from the few active protections."""
    return lifecycle.visible_q(now or timezone.now()) & ~Q(
        Exists(
            SeekerProtection.objects.filter(
                lifted_at__isnull=True,
                excluded=OuterRef("establishment_id"),
                seeker__consultations__referrals=OuterRef("referral_id"),
            )
        )
    )


def disclosures_visible_to(
    *, establishment: Establishment, now: datetime.datetime | None = None
) -> QuerySet[Disclosure]:
    """Issued, past the hold (at `now`, default the present), neither recalled nor
    retracted nor quarantined, for this establishment."""
    return Disclosure.objects.filter(visible_now(now), establishment=establishment)


# -- the employer's my page ----------------------------------------------------------


def _current_result() -> Subquery:
    """The result no later row corrects (the database keeps the history one line)."""
    return Subquery(
        SelectionResult.objects.filter(
            referral_id=OuterRef("referral_id"), corrected_by__isnull=True
        ).values("result")[:1]
    )


def applicants_for_member(
    *,
    member: EmployerMember,
    posting_number: str = "",
    result: str = "",
    now: datetime.datetime | None = None,
) -> QuerySet[Disclosure]:
    """The applicant list of the member's establishment, newest first, each row with its
    current selection result (`current_result`, None when none is recorded) and whether a
    misdelivery was reported: one query however many rows.

    `result` filters on the current result; "none" means no result recorded yet. `now`:
    the moment of the hold's end, the same as `applicant_postings`' when the list takes
    its length from there.
    """
    applicants = disclosures_visible_to(establishment=member.establishment, now=now).annotate(
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


@dataclass(frozen=True)
class ApplicantPosting:
    """A posting on the applicant list's filter: its number, title and visible applicants."""

    number: str
    title: str
    applicants: int


def applicant_postings(
    *, member: EmployerMember, now: datetime.datetime | None = None
) -> list[ApplicantPosting]:
    """The establishment's postings that have visible applicants, by number, each with how
    many: one query. The counts are the list's length when it is not filtered by result,
    so the list needs no COUNT of its own (issue 18)."""
    rows = (
        disclosures_visible_to(establishment=member.establishment, now=now)
        .values("posting_number")
        .annotate(title=Max("posting_title"), applicants=Count("pk"))
        .order_by("posting_number")
    )
    return [
        ApplicantPosting(row["posting_number"], row["title"], row["applicants"]) for row in rows
    ]


def applicant_for_member(*, member: EmployerMember) -> QuerySet[Disclosure]:
    """The member's visible applicants with what one applicant's page shows besides the
    snapshot: the issuing office's name and the posting's validity end
    (`posting_valid_until`, for the result window), nothing else of the referral. Fetch one with
    `get_object_or_404(..., public_id=...)`: another establishment's is simply not found."""
    return disclosures_visible_to(establishment=member.establishment).annotate(
        issuing_office_name=F("referral__consultation__office__name"),
        current_result=_current_result(),
        posting_valid_until=F("referral__posting__valid_until"),
    )


def applicant_still_shown(*, member: EmployerMember, disclosure: Disclosure) -> bool:
    """Whether the applicant is still the member's establishment's to see: a colleague's
    report (rule 11) or a retraction may have hidden it since it was fetched."""
    return applicant_for_member(member=member).filter(pk=disclosure.pk).exists()


def selection_results_of(*, disclosure: Disclosure) -> QuerySet[SelectionResult]:
    """The results recorded for one applicant by every route (the my page's and those a
    clerk received), newest (the current one) first: one query."""
    return (
        SelectionResult.objects.filter(referral_id=disclosure.referral_id)
        .select_related("recorded_by_member__user")
        .order_by("-id")
    )


def misdelivery_report_of(*, disclosure: Disclosure) -> MisdeliveryReport | None:
    return MisdeliveryReport.objects.filter(disclosure=disclosure).first()


def misdelivery_reports_with_disclosure() -> QuerySet[MisdeliveryReport]:
    """Every employer's report with its disclosure: fetch one by its alert, itself fetched
    through `alerts_for_staff` (this does not scope by office)."""
    return MisdeliveryReport.objects.select_related("disclosure")


def quarantined_for_member(*, member: EmployerMember) -> QuerySet[Disclosure]:
    """The member's establishment's applicants hidden on its own report, waiting for Hello
    Work's decision (rule 11): shown as a notice, never with the applicant's data."""
    return (
        Disclosure.objects.filter(
            establishment_id=member.establishment_id,
            quarantined_at__isnull=False,
            retracted_at__isnull=True,
        )
        .select_related("misdelivery_report")
        .order_by("-quarantined_at", "-pk")
    )


def restored_for_member(*, member: EmployerMember) -> QuerySet[MisdeliveryReport]:
    """The member's establishment's reports Hello Work decided were mistaken (the applicant
    shown again) and still shown, newest first, for the notices page."""
    return (
        MisdeliveryReport.objects.filter(
            disclosure__establishment_id=member.establishment_id,
            decision=MisdeliveryDecision.RESTORED,
            disclosure__retracted_at__isnull=True,
            disclosure__erased_at__isnull=True,
        )
        .select_related("disclosure")
        .order_by("-decided_at", "-pk")
    )


def disclosures_due_for_restore_notice() -> QuerySet[Disclosure]:
    """Applicants shown again after a mistaken report whose establishment has not been
    e-mailed about it yet, oldest first."""
    return Disclosure.objects.filter(
        misdelivery_report__decision=MisdeliveryDecision.RESTORED,
        restore_notified_at__isnull=True,
        retracted_at__isnull=True,  # retracted since: the withdrawal notice says what is true
        erased_at__isnull=True,
    ).order_by("misdelivery_report__decided_at", "pk")


def disclosures_due_for_notification(
    *, now: datetime.datetime | None = None
) -> QuerySet[Disclosure]:
    """Visible applicants whose establishment has not been told yet, oldest first."""
    return Disclosure.objects.filter(visible_now(now), notified_at__isnull=True).order_by(
        "visible_at", "id"
    )


def disclosures_due_for_withdrawal_notice() -> QuerySet[Disclosure]:
    """Retracted disclosures whose establishment has not been e-mailed about it yet,
    oldest first."""
    return Disclosure.objects.filter(
        retracted_at__isnull=False, withdrawal_notified_at__isnull=True
    ).order_by("retracted_at", "pk")


# -- the counter -------------------------------------------------------------------


def selection_results_for_referral(*, referral: ReferralLetter) -> QuerySet[SelectionResult]:
    """The results of a referral by every route (the employer's my page, or received by a
    clerk), newest (the current one) first, with who recorded it: one query.
    Fetch the referral through `referrals_for_staff` first: this does not scope by office."""
    return (
        SelectionResult.objects.filter(referral=referral)
        .select_related(
            "recorded_by_member__user",
            "recorded_by_member__establishment",
            "recorded_by_staff__user",
        )
        .order_by("-id")
    )


def referrals_without_result_after_window(
    *, office_id: int, now: datetime.datetime
) -> QuerySet[ReferralLetter]:
    """The office's issued referrals that still have no selection result although the
    my page's result window (referrals.results) has closed: the posting's `valid_until`
    lies before the first day of the month three months before now's Japan month. Postings
    without a recorded validity are never listed (no cut-off). Oldest validity first, with
    the posting and establishment for the dashboard's list: one query (`.count()` one more).
    Voided and retracted letters reached nobody, so they wait for nothing."""
    return (
        ReferralLetter.objects.filter(
            consultation__office_id=office_id,
            status=ReferralStatus.ISSUED,
            posting__valid_until__lt=window_closes_before(now),
        )
        .filter(~Exists(SelectionResult.objects.filter(referral_id=OuterRef("pk"))))
        .select_related("posting__establishment")
        .order_by("posting__valid_until", "issued_at", "pk")
    )


def current_selection_result(*, referral: ReferralLetter) -> SelectionResult | None:
    return selection_results_for_referral(referral=referral).first()


# -- the counter ----------------------------------------------------------------------


SEARCH_MIN_DIGITS = 4  # part of a number: fewer digits would match most of the registry
# Digits in groups joined by hyphens, once hellowork.identifiers.normalize has turned
# full-width digits and every dash a Japanese keyboard gives into ASCII.
NUMBER_TERM = re.compile(r"[0-9]+(?:-[0-9]+)*-?")


@dataclass(frozen=True)
class SeekerSearch:
    """What a counter search found: `by` names the kinds of term it understood
    ("birth_date", "name", "number"; sorted, joined by "+"), `seekers` the first `limit`
    matches, `more` whether there were more than those."""

    by: str
    seekers: list[JobSeeker]
    more: bool


def seeker_search_terms(query: str) -> list[tuple[set[str], Q]]:
    """One box, several terms (split on spaces, all must match): each term is a birth date
    (1990-05-17, 19900517, 平成2年5月17日, H2.5.17), part of a 求職番号 (at least
    SEARCH_MIN_DIGITS digits, hyphens and full-width digits allowed), or part of the name in
    kanji or kana (hellowork.name_keys: 髙 = 高, ｶﾅ = かな = カナ, オーノ = オオノ). An
    eight-digit term is tried as a date and as a number. ValueError (with the term) for a
    number too short to search by."""
    terms: list[tuple[set[str], Q]] = []
    for term in unicodedata.normalize("NFKC", query).split():
        matches: dict[str, Q] = {}
        with contextlib.suppress(ValueError):
            matches["birth_date"] = Q(birth_date=parse_date(term))
        # A date written with separators is a date; eight bare digits may be either.
        written_date = bool(matches) and not term.isdigit()
        if not written_date and NUMBER_TERM.fullmatch(normalize(term)):
            digits = re.sub(r"[^0-9]", "", term)
            if len(digits) >= SEARCH_MIN_DIGITS:
                matches["number"] = Q(compact_number__contains=digits)
            elif not matches:
                raise ValueError(term)
        elif not matches:
            if not name_key(term) and not kana_key(term):
                continue  # only dots or dashes: no name to look for (not "everyone")
            matches["name"] = Q(name_key__contains=name_key(term)) | Q(
                kana_key__contains=kana_key(term)
            )
        kinds = set(matches)
        condition = functools.reduce(operator.or_, matches.values())
        terms.append((kinds, condition))
    return terms


def seeker_search(*, query: str, limit: int = 30) -> SeekerSearch:
    """Seekers the way a seeker at the counter names themselves (seeker_search_terms), by
    kana then number. Hello Work serves any registered seeker at any office, so this is not
    office-scoped; every search is recorded (referrals.services.staff_search_record). An
    empty query finds nobody, and a seeker whose registration ended (`retired_at`) is not
    found."""
    terms = seeker_search_terms(query)
    if not terms:
        return SeekerSearch(by="", seekers=[], more=False)
    found: list[JobSeeker] = list(
        JobSeeker.objects.annotate(compact_number=Replace("number", Value("-"), Value("")))
        .filter(*[condition for _kinds, condition in terms], retired_at__isnull=True)
        .select_related("office")
        .order_by("kana", "number")[: limit + 1]
    )
    by = "+".join(sorted(set().union(*(kinds for kinds, _condition in terms))))
    return SeekerSearch(by=by, seekers=found[:limit], more=len(found) > limit)


def posting_by_number(*, number: str) -> JobPosting | None:
    """The posting with this 求人番号 (already normalised), matched on the number only."""
    POSTING_NUMBER.clean(number)
    return JobPosting.objects.select_related("establishment").filter(number=number).first()


def posting_by_id(*, pk: int) -> JobPosting | None:
    """The posting with this id, with its establishment (any office: a seeker may apply to
    any posting), or None."""
    return JobPosting.objects.select_related("establishment").filter(pk=pk).first()


def seekers_with_office() -> QuerySet[JobSeeker]:
    """Every registered seeker with their office: Hello Work serves any seeker at any office
    (as `seeker_search`); scope further where a rule asks (referrals.access)."""
    return JobSeeker.objects.select_related("office")


def consultations_for_staff(*, staff: StaffMember) -> QuerySet[Consultation]:
    return Consultation.objects.filter(office_id=staff.office_id)


def consultations_with_page_data(*, staff: StaffMember) -> QuerySet[Consultation]:
    """Consultations of the staff member's office with everything the consultation page
    shows, in a fixed number of queries however many postings and letters one holds."""
    return (
        consultations_for_staff(staff=staff)
        .select_related("seeker", "staff__user", "office", "merged_into", "display")
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


def consultation_for_staff_or_none(*, staff: StaffMember, pk: int) -> Consultation | None:
    """A consultation of the staff member's office by id, or None (a form's choice: the
    form says it was not found)."""
    return consultations_for_staff(staff=staff).filter(pk=pk).first()


def recent_consultations_of_seeker(
    *, staff: StaffMember, seeker: JobSeeker, limit: int = 20
) -> QuerySet[Consultation]:
    """The seeker's consultations at the staff member's office, newest first, merged ones
    left out, with the clerk of each: the seeker page's history."""
    return (
        consultations_for_staff(staff=staff)
        .filter(seeker=seeker, merged_into__isnull=True)
        .select_related("staff__user")
        .order_by("-opened_at")[:limit]
    )


def letters_before_issue_of(*, consultation: Consultation) -> QuerySet[ReferralLetter]:
    """The consultation's letters still a draft or waiting for approval: those a
    supervisor may have to state (rule 4)."""
    return consultation.referrals.filter(
        status__in=[ReferralStatus.DRAFT, ReferralStatus.PENDING_APPROVAL]
    ).select_related("consultation")


def interest_in_posting(
    *, consultation: Consultation, posting_id: int, with_posting: bool = False
) -> PostingInterest | None:
    """The seeker's recorded decision on this posting in this consultation, or None (a
    posting not discussed there); `with_posting` loads the posting in the same query."""
    interests = consultation.interests.all()
    if with_posting:
        interests = interests.select_related("posting")
    return interests.filter(posting_id=posting_id).first()


def letter_count() -> Count:
    """The one number a counter screen shows as a consultation's 「紹介状」 (the counter
    home's today's consultations, the merge candidates on a consultation's page), to
    annotate a Consultation queryset with: its letters that were not voided. Drafts and
    letters waiting for approval count (still in hand), issued letters count whether in
    the hold or shown to the employer, and retracted ones count (the employer saw them).
    A voided letter (a cancelled draft, or an issued letter voided within the hold) never
    reached an employer and is not counted; the consultation's page still lists it with
    its status. Not the dashboard's 「紹介状の発行」, which counts issues by the day they
    happened, nor the employer's applicants, who are only those visible now."""
    return Count("referrals", filter=~Q(referrals__status=ReferralStatus.VOIDED))


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
        .annotate(referral_count=letter_count())
        .order_by("-opened_at")
    )


def postings_discussed_before(
    *, consultation: Consultation, limit: int = 10
) -> list[PostingInterest]:
    """The seeker's postings from earlier consultations at this office that this one has
    not discussed yet: the latest decision on each, newest first, at most `limit`. A
    seeker who comes back says "the one from last week"; the clerk picks it here rather
    than finding the paper again."""
    discussed = consultation.interests.values("posting_id")
    earlier = (
        PostingInterest.objects.filter(
            consultation__seeker_id=consultation.seeker_id,
            consultation__office_id=consultation.office_id,
        )
        .exclude(consultation_id=consultation.pk)
        .exclude(posting_id__in=discussed)
        .select_related("posting__establishment")
        .order_by("-recorded_at", "-pk")[: limit * 5]
    )
    latest: dict[int, PostingInterest] = {}
    for interest in earlier:
        latest.setdefault(interest.posting_id, interest)
    return list(latest.values())[:limit]


def referrals_for_staff(*, staff: StaffMember) -> QuerySet[ReferralLetter]:
    return ReferralLetter.objects.filter(consultation__office_id=staff.office_id).select_related(
        "consultation__seeker",
        "consultation__office",
        "posting__establishment",
        "drafted_by__user",
        "previous_referral__posting__establishment",
        "consultation__display",
    )


def latest_call(*, referral: ReferralLetter) -> EmployerCall | None:
    """The referral's latest call to the employer (issue 20): what the letter prints."""
    return (
        EmployerCall.objects.filter(referral_id=referral.pk)
        .select_related("called_by__user")
        .order_by("-called_at", "-pk")
        .first()
    )


def call_details_for_posting(*, posting_id: int, office_id: int) -> EmployerCall | None:
    """The office's latest call that reached the employer of this posting and found it
    open, for the next call's form to start from: the interview place, the contact person,
    the documents and the selection method rarely change between two seekers (issue 20).
    Employer facts only; nothing of the seeker it was about is read."""
    return (
        EmployerCall.objects.filter(
            referral__posting_id=posting_id,
            referral__consultation__office_id=office_id,
            reached=True,
            accepting=True,
        )
        .only("interview_place", "contact_person", "documents", "selection_method")
        .order_by("-called_at", "-pk")
        .first()
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
    """The office's alerts someone must act on (rule 12): unresolved, critical or warning.
    An info alert (a single caught mismatch: the check worked) waits for nobody; it is
    counted on the dashboard."""
    return Alert.objects.filter(office_id=staff.office_id, resolved_at__isnull=True).exclude(
        severity=AlertSeverity.INFO
    )


def overdue_alerts_for_staff(*, staff: StaffMember, now: datetime.datetime) -> QuerySet[Alert]:
    """The office's open alerts past their time (`alert_overdue`), critical first, the
    oldest first: the dashboard's red list."""
    return by_severity_then_age(open_alerts_for_staff(staff=staff).filter(alert_overdue(now)))


def by_severity_then_age(alerts: QuerySet[Alert]) -> QuerySet[Alert]:
    """Critical first, then warnings, then info; the oldest first within each."""
    rank = Case(
        When(severity=AlertSeverity.CRITICAL, then=Value(0)),
        When(severity=AlertSeverity.WARNING, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return alerts.annotate(severity_rank=rank).order_by("severity_rank", "created_at", "pk")


def todays_consultations(*, staff: StaffMember) -> QuerySet[Consultation]:
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        consultations_for_staff(staff=staff)
        .filter(staff=staff, opened_at__gte=start, merged_into__isnull=True)
        .select_related("seeker")
        .annotate(referral_count=letter_count())
        .order_by("-opened_at")
    )


# -- when it goes wrong anyway (rule 8) ----------------------------------------------------


# The events that showed an employer a page of its applicant list, or wrote it to a file.
LIST_VIEW_ACTIONS = ("disclosure.listed", "disclosure.exported")


def disclosure_listed_events(
    *, disclosure: Disclosure, until: datetime.datetime | None = None
) -> list[AuditEvent]:
    """The applicant-list pages (`disclosure.listed`) that showed this applicant, and the
    CSV exports that wrote it (`disclosure.exported`: the establishment took a copy),
    oldest first. Their target is the establishment and detail["disclosure_ids"] names the
    rows shown: the events are narrowed in the database (action, establishment, from the
    moment the applicant became visible) and matched on the JSON list in Python, because
    JSON containment is spelled differently on SQLite and PostgreSQL; the candidates are
    one establishment's list pages over one applicant's visible life."""
    listed = AuditEvent.objects.filter(
        action__in=LIST_VIEW_ACTIONS,
        target_type=Establishment._meta.label_lower,
        target_id=str(disclosure.establishment_id),
        at__gte=disclosure.visible_at,
        at__lte=until or timezone.now(),
    ).select_related("actor__staff_member")
    return [
        event
        for event in listed.order_by("at", "pk").iterator(chunk_size=500)
        if disclosure.pk in (event.detail or {}).get("disclosure_ids", [])
    ]


def employer_views_of(
    *, disclosure: Disclosure, until: datetime.datetime | None = None
) -> list[AuditEvent]:
    """Every time a member of the establishment was shown this applicant, oldest first,
    from the audit trail: the pages of one applicant (`disclosure.viewed`, whose target is
    the disclosure), the list pages and the CSV exports (`disclosure_listed_events`)."""
    until = until or timezone.now()
    viewed = AuditEvent.objects.filter(
        action="disclosure.viewed",
        target_type=Disclosure._meta.label_lower,
        target_id=str(disclosure.pk),
        at__lte=until,
    ).select_related("actor__staff_member")
    events = list(viewed) + disclosure_listed_events(disclosure=disclosure, until=until)
    return sorted(events, key=lambda event: (event.at, event.pk))


def retraction_queue(*, staff: StaffMember) -> QuerySet[RetractionRequest]:
    """Retractions of the office waiting for a supervisor, oldest first."""
    return (
        RetractionRequest.objects.filter(
            status=RetractionStatus.PENDING, referral__consultation__office_id=staff.office_id
        )
        .select_related(
            "requested_by__user",
            "referral__consultation__seeker",
            "referral__consultation__office",
            "referral__posting__establishment",
            "referral__drafted_by__user",
            "referral__disclosure",
        )
        .order_by("requested_at", "pk")
    )


def retraction_requests_of(*, referral: ReferralLetter) -> QuerySet[RetractionRequest]:
    """Every retraction request of one referral, newest first (fetch the referral through
    `referrals_for_staff` first: this does not scope by office)."""
    return (
        RetractionRequest.objects.filter(referral=referral)
        .select_related("requested_by__user", "decided_by__user")
        .order_by("-requested_at", "-pk")
    )


def incidents_for_staff(*, staff: StaffMember) -> QuerySet[Incident]:
    """The office's incidents, open first and newest first, with how many tasks are done
    and overdue: one query however many there are."""
    now = timezone.now()
    return (
        Incident.objects.filter(office_id=staff.office_id)
        .select_related(
            "referral__posting__establishment",
            "referral__disclosure",
            "employer_acknowledged_by__user",
        )
        .annotate(
            task_count=Count("tasks", distinct=True),
            tasks_done=Count("tasks", filter=Q(tasks__done_at__isnull=False), distinct=True),
            tasks_overdue=Count(
                "tasks",
                filter=Q(tasks__done_at__isnull=True, tasks__due_at__lt=now),
                distinct=True,
            ),
        )
        .order_by(F("closed_at").desc(nulls_first=True), "-opened_at", "-pk")
    )


def incident_tasks(*, incident: Incident) -> QuerySet[IncidentTask]:
    return IncidentTask.objects.filter(incident=incident).select_related("done_by__user")


def incident_of(*, referral: ReferralLetter) -> Incident | None:
    """The incident opened on this referral, or None (fetch the referral through
    `referrals_for_staff` first: this does not scope by office)."""
    return Incident.objects.filter(referral=referral).first()


def overdue_tasks(
    *, office_ids: list[int], now: datetime.datetime | None = None
) -> QuerySet[IncidentTask]:
    return (
        IncidentTask.objects.filter(
            incident__office_id__in=office_ids,
            done_at__isnull=True,
            due_at__lt=now or timezone.now(),
        )
        .select_related("incident__office")
        .order_by("due_at", "pk")
    )


def alert_deadline(now: datetime.datetime) -> datetime.datetime:
    """Warnings raised before this moment and still open are overdue."""
    return now - datetime.timedelta(hours=settings.ALERT_ESCALATION_HOURS)


def critical_alert_deadline(now: datetime.datetime) -> datetime.datetime:
    """Critical alerts raised before this moment and still open are overdue (rule 11)."""
    return now - datetime.timedelta(minutes=settings.CRITICAL_ALERT_ESCALATION_MINUTES)


def alert_overdue(now: datetime.datetime) -> Q:
    """Open alerts past their time: critical ones after CRITICAL_ALERT_ESCALATION_MINUTES,
    warnings after ALERT_ESCALATION_HOURS; info alerts are never overdue."""
    return Q(severity=AlertSeverity.CRITICAL, created_at__lte=critical_alert_deadline(now)) | Q(
        severity=AlertSeverity.WARNING, created_at__lte=alert_deadline(now)
    )


def open_critical_alert_count(*, office_id: int) -> int:
    """For the counter's header on every page (rule 12)."""
    return Alert.objects.filter(
        office_id=office_id, severity=AlertSeverity.CRITICAL, resolved_at__isnull=True
    ).count()


def retraction_deadline(now: datetime.datetime) -> datetime.datetime:
    """Retractions requested before this moment and still pending are overdue."""
    return now - datetime.timedelta(minutes=settings.RETRACTION_ESCALATION_MINUTES)


def overdue_retractions(
    *, office_ids: list[int], now: datetime.datetime | None = None
) -> QuerySet[RetractionRequest]:
    """Pending retractions past RETRACTION_ESCALATION_MINUTES, oldest first: what the
    dashboard shows in red (no seeker names)."""
    return RetractionRequest.objects.filter(
        status=RetractionStatus.PENDING,
        referral__consultation__office_id__in=office_ids,
        requested_at__lte=retraction_deadline(now or timezone.now()),
    ).order_by("requested_at", "pk")


def alerts_for_staff(*, staff: StaffMember) -> QuerySet[Alert]:
    """The office's alerts with what the alert page shows of each (no seeker names)."""
    return Alert.objects.filter(office_id=staff.office_id).select_related(
        "referral__posting__establishment",
        "referral__consultation",
        "acknowledged_by__user",
        "resolved_by__user",
        "misdelivery_report__member__establishment",
        "misdelivery_report__disclosure",
        "code_check__establishment",
        "staff__user",
    )


def alerts_to_act_on(*, staff: StaffMember) -> QuerySet[Alert]:
    """`alerts_for_staff`'s unresolved critical and warning alerts (rule 12), critical
    first and the oldest first within each: the alert list's first table."""
    return by_severity_then_age(
        alerts_for_staff(staff=staff)
        .filter(resolved_at__isnull=True)
        .exclude(severity=AlertSeverity.INFO)
    )


def alerts_resolved_since(*, staff: StaffMember, since: datetime.datetime) -> QuerySet[Alert]:
    """`alerts_for_staff`'s alerts resolved at or after `since`, the latest first."""
    return (
        alerts_for_staff(staff=staff).filter(resolved_at__gte=since).order_by("-resolved_at", "-pk")
    )


def info_alert_count_since(*, staff: StaffMember, since: datetime.datetime) -> int:
    """How many info alerts (a check that worked) the office had since `since`."""
    return (
        alerts_for_staff(staff=staff)
        .filter(severity=AlertSeverity.INFO, created_at__gte=since)
        .count()
    )


def retraction_notices_for(*, member: EmployerMember) -> QuerySet[Disclosure]:
    """Applicants withdrawn from the member's establishment (rule 8), newest first, with
    whether and by whom the establishment confirmed keeping no copy. What these rows still
    hold is no personal data: the posting, the referral date, the code."""
    return (
        Disclosure.objects.filter(
            establishment_id=member.establishment_id, retracted_at__isnull=False
        )
        .select_related("referral__incident__employer_acknowledged_by__user")
        .annotate(
            acknowledged_at=F("referral__incident__employer_acknowledged_at"),
        )
        .order_by("-retracted_at", "-pk")
    )


def unacknowledged_retraction_notices_for(*, member: EmployerMember) -> QuerySet[Disclosure]:
    """`retraction_notices_for` the establishment has not yet confirmed (the my page's
    notices at the top of the home page). Without the acknowledger's rows: none of these
    has one, and the list's every request builds this query (issue 18)."""
    return (
        retraction_notices_for(member=member)
        .select_related(None)
        .filter(referral__incident__employer_acknowledged_at__isnull=True)
    )


@dataclass(frozen=True)
class SupervisorSummary:
    """What waits for a supervisor of the office, for the counter's top page."""

    pending_count: int
    retraction_count: int
    overdue_retraction_count: int
    alert_count: int
    overdue_alert_count: int
    incident_count: int
    overdue_task_count: int


def supervisor_summary(*, staff: StaffMember) -> SupervisorSummary:
    now = timezone.now()
    alerts = open_alerts_for_staff(staff=staff).aggregate(
        open=Count("pk"), overdue=Count("pk", filter=alert_overdue(now))
    )
    retractions = RetractionRequest.objects.filter(
        status=RetractionStatus.PENDING, referral__consultation__office_id=staff.office_id
    ).aggregate(
        waiting=Count("pk"),
        overdue=Count("pk", filter=Q(requested_at__lte=retraction_deadline(now))),
    )
    return SupervisorSummary(
        pending_count=approval_queue(staff=staff).count(),
        retraction_count=retractions["waiting"],
        overdue_retraction_count=retractions["overdue"],
        alert_count=alerts["open"],
        overdue_alert_count=alerts["overdue"],
        incident_count=Incident.objects.filter(
            office_id=staff.office_id, closed_at__isnull=True
        ).count(),
        overdue_task_count=overdue_tasks(office_ids=[staff.office_id], now=now).count(),
    )


def inspection_done(*, staff: StaffMember) -> bool:
    """Whether this staff member has submitted this month's check sheet."""
    month = timezone.localdate().replace(day=1)
    return SelfInspection.objects.filter(staff=staff, month=month).exists()


def active_inspection_items() -> QuerySet[SelfInspectionItem]:
    return SelfInspectionItem.objects.filter(active=True).order_by("order", "pk")


def inspection_of(*, staff: StaffMember, month: datetime.date) -> SelfInspection | None:
    return (
        SelfInspection.objects.filter(staff=staff, month=month).prefetch_related("answers").first()
    )


def staff_without_inspection(*, office_id: int, month: datetime.date) -> QuerySet[StaffMember]:
    """Active staff of the office who have not submitted the month's check sheet."""
    return (
        StaffMember.objects.filter(office_id=office_id, user__is_active=True)
        .exclude(self_inspections__month=month)
        .select_related("user")
        .order_by("role", "user__name", "pk")
    )


# -- the seeker-facing display (rule 3) ----------------------------------------------------


def displays_for_staff(*, staff: StaffMember) -> QuerySet[CounterDisplay]:
    """The office's displays, active ones first, by label."""
    return (
        CounterDisplay.objects.filter(office_id=staff.office_id)
        .select_related("created_by__user", "retired_by__user")
        .order_by(F("retired_at").asc(nulls_first=True), "label", "pk")
    )


def active_displays_for_staff(*, staff: StaffMember) -> QuerySet[CounterDisplay]:
    """Displays an in-person consultation of this staff member can be opened at: active, and
    with a browser holding the credential (one that can show the read-back)."""
    return (
        CounterDisplay.objects.filter(
            office_id=staff.office_id,
            paired_at__isnull=False,
            retired_at__isnull=True,
            device_paired_at__isnull=False,
        )
        .exclude(device_secret_digest="")
        .order_by("label", "pk")
    )


def display_for_credential(value: str) -> CounterDisplay | None:
    """The active display a browser's device credential names, or None for a missing,
    forged, superseded (re-paired) or retired one: the same answer for all of them."""
    unsigned = display_credentials.unsign(value or "")
    if unsigned is None:
        return None
    display_id, secret = unsigned
    display = (
        CounterDisplay.objects.select_related("office")
        .filter(pk=display_id, paired_at__isnull=False, retired_at__isnull=True)
        .first()
    )
    if display is None or not display_credentials.secret_matches(
        secret, display.device_secret_digest
    ):
        return None
    return display


def display_waiting_readback(*, display: CounterDisplay) -> DisplayReadback | None:
    """What the display shows now: the read-back waiting on it, sent within the last
    DisplayReadback.READBACK_SECONDS, of a letter still a draft (the screen says what
    confirming will do: a letter voided or sent for approval meanwhile is no longer
    confirmed there), with the referral's seeker, posting and establishment; or None (the
    display then shows nothing)."""
    since = timezone.now() - datetime.timedelta(seconds=DisplayReadback.READBACK_SECONDS)
    return (
        DisplayReadback.objects.filter(
            display=display,
            answered_at__isnull=True,
            cleared_at__isnull=True,
            sent_at__gte=since,
            referral__status=ReferralStatus.DRAFT,
        )
        .select_related(
            "referral__consultation__seeker",
            "referral__posting__establishment",
        )
        .first()
    )


def readback_on_display(*, display: CounterDisplay, pk: int) -> DisplayReadback | None:
    """A read-back sent to this display, with its referral, or None (one sent to another
    display is not found)."""
    return DisplayReadback.objects.filter(pk=pk, display=display).select_related("referral").first()


def latest_readback(*, referral: ReferralLetter) -> DisplayReadback | None:
    """The last read-back sent for this referral, for the clerk's issuance screen (fetch
    the referral through `referrals_for_staff` first)."""
    return (
        DisplayReadback.objects.filter(referral=referral)
        .select_related("display")
        .order_by("-sent_at", "-pk")
        .first()
    )


# -- the supervisor's statement (rule 4) ---------------------------------------------------

# The counter screens that show the clerk's record of a referral's choice (the posting drafted,
# the seeker's recorded decisions, the note): a supervisor who opened one may not state it.
CLERKS_RECORD_SCREENS = ("consultation", "referral", "letter")


def records_read_by(*, staff: StaffMember, referrals: list[ReferralLetter]) -> set[int]:
    """Of these referrals, the ids of those whose clerk's record this staff member has read
    (rule 4 bars them from stating those): a page of any letter of the same seeker for the
    same posting, or of any consultation that holds the seeker's decision on that posting,
    holds such a letter, or was merged into one that does. Views since any time: a merge
    moves letters and decisions, never what a person has read. A fixed number of queries
    however many referrals."""
    if not referrals:
        return set()
    pairs: dict[tuple[int, int], set[int]] = {
        (r.consultation.seeker_id, r.posting_id): set() for r in referrals
    }
    for referral in referrals:
        pairs[(referral.consultation.seeker_id, referral.posting_id)].add(referral.pk)
    same_choice = Q()
    for seeker_id, posting_id in pairs:
        same_choice |= Q(consultation__seeker_id=seeker_id, posting_id=posting_id)
    letters: dict[int, set[int]] = {}  # letter → the referrals whose record it shows
    consultations: dict[int, set[int]] = {}
    for letter_id, consultation_id, seeker_id, posting_id in ReferralLetter.objects.filter(
        same_choice
    ).values_list("pk", "consultation_id", "consultation__seeker_id", "posting_id"):
        owners = pairs[(seeker_id, posting_id)]
        letters.setdefault(letter_id, set()).update(owners)
        consultations.setdefault(consultation_id, set()).update(owners)
    for consultation_id, seeker_id, posting_id in PostingInterest.objects.filter(
        same_choice
    ).values_list("consultation_id", "consultation__seeker_id", "posting_id"):
        consultations.setdefault(consultation_id, set()).update(pairs[(seeker_id, posting_id)])
    frontier = set(consultations)
    while frontier:  # consultations merged into these took their records with them
        merged = list(
            Consultation.objects.filter(merged_into_id__in=frontier).values_list(
                "pk", "merged_into_id"
            )
        )
        frontier = set()
        for consultation_id, into in merged:
            if consultation_id not in consultations:
                frontier.add(consultation_id)
            consultations.setdefault(consultation_id, set()).update(consultations[into])
    letter_type = ReferralLetter._meta.label_lower
    consultation_type = Consultation._meta.label_lower
    views = AuditEvent.objects.filter(
        Q(target_type=letter_type, target_id__in=[str(pk) for pk in letters])
        | Q(target_type=consultation_type, target_id__in=[str(pk) for pk in consultations]),
        actor_id=staff.user_id,
        action="seeker.viewed",
        detail__screen__in=CLERKS_RECORD_SCREENS,
    ).values_list("target_type", "target_id")
    read: set[int] = set()
    for target_type, target_id in views.distinct():
        shown = letters if target_type == letter_type else consultations
        read |= shown.get(int(target_id), set())
    return read


def choices_awaiting_check(*, office_id: int) -> set[tuple[int, int]]:
    """(seeker, posting) of the office's letters drafted or waiting for approval: pages that
    do not show the clerk's record (alerts) hide those postings until they are checked."""
    return set(
        ReferralLetter.objects.filter(
            consultation__office_id=office_id,
            status__in=[ReferralStatus.DRAFT, ReferralStatus.PENDING_APPROVAL],
        ).values_list("consultation__seeker_id", "posting_id")
    )


def fresh_statement(
    *, referral: ReferralLetter, supervisor: StaffMember, statement_id: int
) -> ApprovalStatement | None:
    """The supervisor's own matching statement for this referral, made within the last
    ApprovalStatement.STATEMENT_MINUTES and since the referral was last submitted: what the
    approve step rests on. None otherwise (another supervisor's, a mismatch, too old, made
    before a send-back and resubmission, another referral's)."""
    since = timezone.now() - datetime.timedelta(minutes=ApprovalStatement.STATEMENT_MINUTES)
    if referral.submitted_at is not None:
        since = max(since, referral.submitted_at)
    return ApprovalStatement.objects.filter(
        pk=statement_id,
        referral=referral,
        supervisor=supervisor,
        matched=True,
        stated_at__gte=since,
    ).first()


def posting_search(
    *, query: str, limit: int = 20, include_closed: bool = False
) -> tuple[list[JobPosting], bool]:
    """Postings the way a seeker or a paper posting names them. Each term of the query
    (split on spaces, all must match) is part of the 求人番号 or 事業所番号 (digits, with or
    without hyphens, full-width allowed), or part of the establishment's name or kana
    (hellowork.name_keys: 髙 = 高, ｶﾅ = かな = カナ) or of the job title. Nothing for an
    empty query. Open postings only unless `include_closed` (the clerk's search, where a
    closed one is shown as closed, after the open ones; rule 4's statement searches open
    postings only). Returns (at most `limit` postings, whether there were more)."""
    conditions = []
    for term in unicodedata.normalize("NFKC", query).split():
        if not name_key(term) and not kana_key(term):
            continue  # only dots or dashes: nothing to look for (not "every posting")
        condition = (
            Q(establishment__name_key__contains=name_key(term))
            | Q(establishment__kana_key__contains=kana_key(term))
            | Q(title__icontains=term)
        )
        if NUMBER_TERM.fullmatch(normalize(term)):
            digits = re.sub(r"[^0-9]", "", term)
            condition = Q(compact_number__contains=digits) | Q(
                compact_establishment_number__contains=digits
            )
        conditions.append(condition)
    if not conditions:
        return [], False
    accepting = JobPosting.accepting_q(timezone.localdate())
    postings = JobPosting.objects.all()
    if not include_closed:
        postings = postings.filter(accepting)
    found: list[JobPosting] = list(
        postings.annotate(
            compact_number=Replace("number", Value("-"), Value("")),
            compact_establishment_number=Replace("establishment__number", Value("-"), Value("")),
            closed=Case(
                When(accepting, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
        )
        .filter(*conditions)
        .select_related("establishment")
        .order_by("closed", "establishment__kana", "number")[: limit + 1]
    )
    return found[:limit], len(found) > limit
