"""The counter: views of personal data, consultations, the seeker's decisions and
referral letters from draft to issue or void (DESIGN.md rules 1 to 7)."""

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from hellowork import audit
from hellowork.identifiers import POSTING_NUMBER, normalize
from hellowork.models import (
    JobPosting,
    JobSeeker,
    StaffMember,
)
from referrals import codes, lifecycle
from referrals.lifecycle import ACTIVE_STATUSES, Action
from referrals.models import (
    Alert,
    AlertKind,
    AlertSettlement,
    ApprovalReason,
    ApprovalSource,
    ApprovalStatement,
    ClosedReason,
    Confirmation,
    ConfirmationMethod,
    Consultation,
    CounterDisplay,
    Decision,
    Disclosure,
    DisplayReadback,
    EmployerCall,
    PostingInterest,
    ReadbackAnswer,
    ReferralLetter,
    ReferralStatus,
    UnreachedReason,
)
from referrals.services import containment, registry
from referrals.services._shared import (
    _locked_consultation,
    _locked_referral,
    _locked_referral_and_consultation,
    _raise_alert,
    _require_active_staff,
    _require_checker,
    _require_office,
)

# Rule 3b: the seeker's caught mismatches in one day that lock the referral.
MISMATCH_LIMIT = 3
# Rule 12: caught mismatches on one clerk's letters in a day (over two seekers or more)
# that make a warning for a supervisor.
CLERK_MISMATCH_WARNING = 5


# -- views of personal data -----------------------------------------------------------


def staff_view_record(
    *, staff: StaffMember, seeker: JobSeeker, screen: str, target: Any = None
) -> None:
    """Rule 10: a staff member saw this seeker's personal data on this screen.

    Refuses:
        PermissionDenied:
            - "Only staff can do this."
    """
    _require_active_staff(staff)
    audit.record_read(
        "seeker.viewed",
        actor=staff.user,
        target=target if target is not None else seeker,
        detail={"seeker_id": seeker.pk, "screen": screen},
    )


def staff_search_record(*, staff: StaffMember, query_kind: str, seeker_ids: list[int]) -> None:
    """Rule 10: the seekers a search showed (their ids, not what was typed).

    Refuses:
        PermissionDenied:
            - "Only staff can do this."
    """
    _require_active_staff(staff)
    audit.record_read(
        "seeker.searched",
        actor=staff.user,
        detail={"by": query_kind, "seeker_ids": seeker_ids},
    )


def staff_list_record(*, staff: StaffMember, screen: str, seeker_ids: list[int]) -> None:
    """Rule 10 for a list screen: the seekers whose names it showed (their ids). An empty
    list showed nobody and writes nothing.

    Refuses:
        PermissionDenied:
            - "Only staff can do this."
    """
    _require_active_staff(staff)
    if not seeker_ids:
        return
    audit.record_read(
        "seeker.listed",
        actor=staff.user,
        detail={"screen": screen, "seeker_ids": sorted(set(seeker_ids))},
    )


# -- consultations ---------------------------------------------------------------------


def _expire_if_due(consultation: Consultation, now: datetime.datetime) -> bool:
    """Rule 3b, checked by every service that acts in a consultation (not only by the
    worker): an in-person consultation past its idle time or its day is closed, as of the
    moment it closed. Call with the consultation locked. True when it was closed now."""
    closing = consultation.closes_by_itself()
    if closing is None or now < closing[0]:
        return False
    consultation.closed_at, consultation.closed_reason = closing
    consultation.save(update_fields=["closed_at", "closed_reason"])
    audit.record(
        "consultation.closed_by_itself",
        actor=None,
        target=consultation,
        detail={"reason": str(closing[1]), "closed_at": closing[0].isoformat()},
    )
    return True


def _clear_display(
    display_id: int, now: datetime.datetime, *, consultation: Consultation | None = None
) -> None:
    """Takes the read-back waiting on a display off it (of one consultation's referrals
    only, when given)."""
    waiting = DisplayReadback.objects.filter(
        display_id=display_id, answered_at__isnull=True, cleared_at__isnull=True
    )
    if consultation is not None:
        waiting = waiting.filter(referral__consultation=consultation)
    waiting.update(cleared_at=now)


def _touch(consultation: Consultation, now: datetime.datetime) -> None:
    """An action in an open consultation restarts its idle time (rule 3b)."""
    if consultation.closed_at is None and consultation.last_activity_at < now:
        consultation.last_activity_at = now
        consultation.save(update_fields=["last_activity_at"])


def consultations_close_expired(*, now: datetime.datetime | None = None) -> int:
    """The worker's sweep (escalate_overdue): closes every in-person consultation whose
    time has passed, so lists and figures match what the services already enforce.
    Returns how many it closed.

    Refuses: nothing.
    """
    now = now or timezone.now()
    idle_since = now - datetime.timedelta(minutes=settings.CONSULTATION_IDLE_MINUTES)
    today_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    candidates = Consultation.objects.filter(
        Q(last_activity_at__lte=idle_since) | Q(opened_at__lt=today_start),
        in_person=True,
        closed_at__isnull=True,
    ).values_list("pk", flat=True)
    closed = 0
    for pk in list(candidates):
        with transaction.atomic():
            consultation = Consultation.objects.select_for_update().get(pk=pk)
            closed += _expire_if_due(consultation, now)
    return closed


def _require_active_display(display: CounterDisplay | None, staff: StaffMember) -> CounterDisplay:
    if display is None:
        raise ValidationError(
            {
                "display": _(
                    "対面の相談は、求職者用画面を選んで開いてください。求職者用画面のない窓口では"
                    "「対面でない」で開き、統括官の承認に回します。"
                )
            }
        )
    found = CounterDisplay.objects.filter(pk=display.pk).first()
    if found is not None and found.office_id != staff.office_id:
        raise PermissionDenied(_("別の安定所の求職者用画面は使えません。"))
    if found is None or not found.is_active:
        raise ValidationError(
            {"display": _("この求職者用画面は使用停止中か、まだペアリングされていません。")}
        )
    return found


@transaction.atomic
def consultation_open(
    *,
    seeker: JobSeeker,
    staff: StaffMember,
    in_person: bool,
    display: CounterDisplay | None = None,
) -> Consultation:
    """The open consultation of that seeker with that clerk today, or a new one.

    In person (rule 3), `display` is required: an active seeker-facing display of the staff
    member's office, kept on the consultation; a consultation in person is resumed only at
    the same display and only while it has not closed by itself (rule 3b). Not in person,
    no display is taken. Refuses (ValidationError) a missing, retired or unpaired display,
    and (PermissionDenied) another office's, and a seeker whose registration ended
    (`JobSeeker.retired_at`, issue 16).

    Refuses:
        non-field:
            - "This seeker's registration has ended. Check the registration before starting a
              consultation."
        `display`:
            - "A consultation that is not in person does not use a seeker’s display."
            - "Open an in-person consultation at a seeker’s display. At a desk without a seeker’s
              display, open it as “Not in person”: its referral letters go for supervisor approval."
            - "This seeker’s display is retired or has not been paired yet."
        PermissionDenied:
            - "You cannot use another office’s seeker’s display."
            - "Only staff can do this."
    """
    _require_active_staff(staff)
    if in_person:
        display = _require_active_display(display, staff)
    elif display is not None:
        raise ValidationError({"display": _("対面でない相談では求職者用画面を使いません。")})
    locked = JobSeeker.objects.select_for_update().filter(pk=seeker.pk).first()  # one at a time
    if locked is None or locked.retired_at is not None:
        raise ValidationError(
            _("この求職者の登録は終了しています。相談を始めるには、先に登録を確かめてください。")
        )
    now = timezone.now()
    today_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    candidates = Consultation.objects.select_for_update().filter(
        seeker=seeker,
        staff=staff,
        in_person=in_person,
        display=display,
        closed_at__isnull=True,
        merged_into__isnull=True,
        opened_at__gte=today_start,
    )
    for existing in candidates.order_by("-opened_at"):
        if _expire_if_due(existing, now):
            continue
        # Reopening is traced too: who came back to this seeker's consultation, when.
        _touch(existing, now)
        audit.record("consultation.resumed", actor=staff.user, target=existing)
        return existing
    if display is not None:
        # The desk turns to a new seeker: whatever waits on its display was for someone else.
        _clear_display(display.pk, now)
    consultation = Consultation.objects.create(
        seeker=seeker,
        staff=staff,
        office=staff.office,
        in_person=in_person,
        display=display,
        opened_at=now,
        last_activity_at=now,
    )
    audit.record(
        "consultation.opened",
        actor=staff.user,
        target=consultation,
        detail={
            "seeker_id": seeker.pk,
            "in_person": in_person,
            "display_id": display.pk if display else None,
        },
    )
    return consultation


@transaction.atomic
def consultation_close(*, consultation: Consultation, staff: StaffMember) -> Consultation:
    """The seeker has left: drafts of this consultation can only go on through approval.

    Refuses:
        non-field:
            - "This consultation has already ended."
        PermissionDenied:
            - "You cannot change another office’s records."
            - "Only staff can do this."
    """
    consultation = _locked_consultation(consultation)
    _require_office(staff, consultation.office)
    now = timezone.now()
    if consultation.closed_at is not None or not consultation.is_open_at(now):
        raise ValidationError(_("この相談は既に終了しています。"))
    consultation.closed_at = now
    consultation.closed_reason = ClosedReason.STAFF
    consultation.save(update_fields=["closed_at", "closed_reason"])
    if consultation.display_id is not None:  # the seeker has left: off the display
        _clear_display(consultation.display_id, now, consultation=consultation)
    audit.record("consultation.closed", actor=staff.user, target=consultation)
    return consultation


@transaction.atomic
def consultation_note_update(
    *, consultation: Consultation, staff: StaffMember, note: str
) -> Consultation:
    """The consultation record's text (相談内容), e.g. a phone note of what the seeker asked.

    Refuses:
        non-field:
            - "A merged consultation cannot be changed. Open the consultation it was merged into."
        PermissionDenied:
            - "You cannot change another office’s records."
            - "Only staff can do this."
    """
    consultation = _locked_consultation(consultation)
    _require_office(staff, consultation.office)
    if consultation.merged_into_id is not None:
        raise ValidationError(_("統合済みの相談は変更できません。統合先の相談を開いてください。"))
    consultation.note = note.strip()
    consultation.save(update_fields=["note"])
    audit.record("consultation.note_updated", actor=staff.user, target=consultation)
    return consultation


@transaction.atomic
def consultation_merge(
    *, source: Consultation, target: Consultation, staff: StaffMember
) -> Consultation:
    """Moves the source's referrals and interests to the target (rule 1). No referral's
    status or code changes; the source stays, closed, pointing at the target.

    Refuses:
        non-field:
            - "A consultation cannot be merged with itself."
            - "Consultations of different job seekers cannot be merged."
            - "A consultation that has already been merged cannot be merged again."
        PermissionDenied:
            - "You cannot change another office’s records."
            - "Only staff can do this."
    """
    if source.pk == target.pk:
        raise ValidationError(_("同じ相談どうしは統合できません。"))
    first, second = sorted([source.pk, target.pk])  # lock in one order: no deadlock
    locked = {
        c.pk: c for c in Consultation.objects.select_for_update().filter(pk__in=[first, second])
    }
    source, target = locked[source.pk], locked[target.pk]
    _require_office(staff, source.office_id)
    _require_office(staff, target.office_id)
    if source.seeker_id != target.seeker_id:
        raise ValidationError(_("別の求職者の相談とは統合できません。"))
    if source.merged_into_id is not None or target.merged_into_id is not None:
        raise ValidationError(_("既に統合された相談は統合できません。"))

    moved_interests = []
    for interest in PostingInterest.objects.select_for_update().filter(consultation=source):
        twin = PostingInterest.objects.filter(consultation=target, posting=interest.posting).first()
        if twin is None:
            interest.consultation = target
            interest.save(update_fields=["consultation"])
        else:
            if interest.recorded_at > twin.recorded_at:  # the later decision stands
                twin.decision = interest.decision
                twin.recorded_by = interest.recorded_by
                twin.recorded_at = interest.recorded_at
                twin.save(update_fields=["decision", "recorded_by", "recorded_at"])
            interest.delete()
        moved_interests.append(interest.posting_id)
    now = timezone.now()
    referral_ids = list(
        ReferralLetter.objects.filter(consultation=source).values_list("pk", flat=True)
    )
    if not source.is_open_at(now):
        # A draft made in a consultation that has ended keeps needing approval wherever it
        # goes: merged into today's, it would otherwise be confirmable at the counter again.
        for draft in ReferralLetter.objects.select_for_update().filter(
            pk__in=referral_ids, status__in=[ReferralStatus.DRAFT, ReferralStatus.PENDING_APPROVAL]
        ):
            if ApprovalReason.CONSULTATION_CLOSED not in draft.approval_reasons:
                draft.approval_reasons = [
                    *draft.approval_reasons,
                    str(ApprovalReason.CONSULTATION_CLOSED),
                ]
                draft.save(update_fields=["approval_reasons"])
    ReferralLetter.objects.filter(pk__in=referral_ids).update(consultation=target)

    if source.note:
        target.note = f"{target.note}\n{source.note}".strip()
        target.save(update_fields=["note"])
    source.merged_into = target
    if source.closed_at is None:
        source.closed_at = max(now, source.opened_at)
        source.closed_reason = ClosedReason.MERGED
    source.save(update_fields=["merged_into", "closed_at", "closed_reason"])
    audit.record(
        "consultation.merged",
        actor=staff.user,
        target=target,
        detail={
            "source_id": source.pk,
            "referral_ids": referral_ids,
            "posting_ids": moved_interests,
        },
    )
    return target


# -- the seeker's decisions ------------------------------------------------------------


def _closed_refusal(consultation: Consultation, what: str) -> ValidationError:
    if consultation.closed_reason in (ClosedReason.IDLE, ClosedReason.END_OF_DAY):
        closed = _("この相談は %(at)s に自動で終了しました（%(why)s）。") % {
            "at": formats.date_format(timezone.localtime(consultation.closed_at), "H:i"),
            "why": consultation.get_closed_reason_display(),
        }
    else:
        closed = _("相談は終了しています。")
    return ValidationError([closed, what])


def interest_record(
    *, consultation: Consultation, posting: JobPosting, decision: str, staff: StaffMember
) -> PostingInterest:
    """The seeker's decision on a posting discussed: apply, declined or considering.
    Refused in a consultation that is closed, merged away or (rule 3b) has closed by
    itself; an `apply` on a closed posting is refused.

    Refuses:
        non-field:
            - "Choose “Apply”, “Not applying” or “Considering” as the decision."
            - "Nothing can be recorded in a merged consultation. Open the consultation it was merged
              into."
            - the posting's own refusal, `JobPosting.refusal_on` (closed, or past its validity)
            - "The consultation has ended. " (or "This consultation closed at %(at)s (%(why)s). ")
            - with what cannot be done now
        PermissionDenied:
            - "You cannot change another office’s records."
            - "Only staff can do this."
    """
    if decision not in Decision.values:
        raise ValidationError(_("意向は「応募する」「応募しない」「検討中」から選んでください。"))
    refusal = None
    with transaction.atomic():
        consultation = _locked_consultation(consultation)
        _require_office(staff, consultation.office)
        if consultation.merged_into_id is not None:
            raise ValidationError(
                _("統合済みの相談には記録できません。統合先の相談を開いてください。")
            )
        now = timezone.now()
        _expire_if_due(consultation, now)
        if consultation.closed_at is not None:
            refusal = _closed_refusal(
                consultation,
                _("求職者の意向は、求職者と話している相談で記録してください。"),
            )
        else:
            interest = _record_interest(consultation, posting, decision, staff, now)
    if refusal is not None:
        raise refusal  # the closing above is committed: it stays on record
    return interest


def _record_interest(
    consultation: Consultation,
    posting: JobPosting,
    decision: str,
    staff: StaffMember,
    now: datetime.datetime,
) -> PostingInterest:
    posting = JobPosting.objects.get(pk=posting.pk)
    if decision == Decision.APPLY and (refusal := posting.refusal_on(timezone.localdate(now))):
        raise ValidationError(refusal)
    interest, created = PostingInterest.objects.select_for_update().get_or_create(
        consultation=consultation,
        posting=posting,
        defaults={"decision": decision, "recorded_by": staff, "recorded_at": now},
    )
    previous = None
    if not created:
        previous = interest.decision
        interest.decision = decision
        interest.recorded_by = staff
        interest.recorded_at = now
        interest.save(update_fields=["decision", "recorded_by", "recorded_at"])
    _touch(consultation, now)
    audit.record(
        "interest.recorded",
        actor=staff.user,
        target=interest,
        detail={
            "consultation_id": consultation.pk,
            "posting_number": posting.number,
            "decision": decision,
            "previous": previous,
        },
    )
    return interest


# -- referral letters ------------------------------------------------------------------


def _current_interest(consultation_id: int, posting_id: int) -> str | None:
    return (
        PostingInterest.objects.filter(consultation_id=consultation_id, posting_id=posting_id)
        .values_list("decision", flat=True)
        .first()
    )


def _require_still_wanted(referral: ReferralLetter) -> EmployerCall:
    """Rule 2 at the moment of confirmation: the seeker still says apply, the posting is
    open; rule 13: the posting is still filed under the establishment it was drafted for,
    and the seeker is not protected against that establishment; and the call to the
    employer (issue 20), which it returns for the letter to print."""
    if _current_interest(referral.consultation_id, referral.posting_id) != Decision.APPLY:
        raise ValidationError(
            _("この求人への求職者の意向が「応募する」ではありません。意向を確認し直してください。")
        )
    if refusal := referral.posting.refusal_on(timezone.localdate()):
        raise ValidationError(refusal)
    registry.require_rule13(referral)
    return require_call(referral)


# -- the call to the employer before issue (issue 20) ------------------------------------


def latest_call(referral: ReferralLetter) -> EmployerCall | None:
    """The call issuance rests on and the letter prints: the referral's latest.

    Refuses: nothing.
    """
    return (
        EmployerCall.objects.filter(referral_id=referral.pk).order_by("-called_at", "-pk").first()
    )


def call_refusal(referral: ReferralLetter) -> ValidationError | None:
    """Why this referral cannot be issued yet for want of the call to the employer, or
    None (issue 20; hello-work-practice.md section 2: the office phones the employer
    before it issues). Refused: no call recorded (`code` "call_missing"); the employer
    said the posting takes no more applicants ("posting_closed"); the employer was not
    reached and the office does not issue without the call ("call_unreached",
    Office.issues_without_call). The latest call counts.

    Refuses:
        non-field:
            - "The employer has not been called yet. Phone the employer, check that the posting
              still takes applicants and ask for the interview's date and time, and record it under
              "Call to the employer"."
            - "The employer said this posting no longer takes applicants. The letter cannot be
              issued. Tell the seeker, void the draft, and tell the postings desk that the posting
              has closed."
            - "The employer was not reached. This office does not issue a letter without reaching
              the employer. Call again."
    """
    return refusal_of_call(referral, latest_call(referral))


def refusal_of_call(referral: ReferralLetter, call: EmployerCall | None) -> ValidationError | None:
    """`call_refusal` for a call already read (the referral's latest).

    Refuses:
        non-field:
            - "The employer has not been called yet. Phone the employer, check that the posting
              still takes applicants and ask for the interview's date and time, and record it under
              "Call to the employer"."
            - "The employer said this posting no longer takes applicants. The letter cannot be
              issued. Tell the seeker, void the draft, and tell the postings desk that the posting
              has closed."
            - "The employer was not reached. This office does not issue a letter without reaching
              the employer. Call again."
    """
    if call is None:
        return ValidationError(
            _(
                "求人者への連絡がまだです。求人者に電話して、応募を受け付けているか、面接の"
                "日時などを確かめ、「求人者への連絡」に記録してください。"
            ),
            code="call_missing",
        )
    if call.closed:
        return ValidationError(
            _(
                "求人者から、この求人は応募の受付を終了したと聞いています。紹介状は発行できません。"
                "求職者に伝えて紹介状の作成を取り消し、求人の受付終了を求人の担当に伝えてください。"
            ),
            code="posting_closed",
        )
    if not call.reached and not referral.consultation.office.issues_without_call:
        return ValidationError(
            _(
                "求人者に連絡がついていません。この安定所では、連絡がつかないまま紹介状を"
                "発行できません。もう一度連絡してください。"
            ),
            code="call_unreached",
        )
    return None


def require_call(referral: ReferralLetter) -> EmployerCall:
    """The referral's latest call, or `call_refusal`'s refusal raised.

    Refuses:
        non-field:
            - "The employer has not been called yet. Phone the employer, check that the posting
              still takes applicants and ask for the interview's date and time, and record it under
              "Call to the employer"."
            - "The employer said this posting no longer takes applicants. The letter cannot be
              issued. Tell the seeker, void the draft, and tell the postings desk that the posting
              has closed."
            - "The employer was not reached. This office does not issue a letter without reaching
              the employer. Call again."
    """
    call = latest_call(referral)
    if refusal := refusal_of_call(referral, call):
        raise refusal
    assert call is not None  # refusal_of_call refuses a missing call
    return call


def employer_call_record(
    *,
    referral: ReferralLetter,
    staff: StaffMember,
    reached: bool,
    accepting: bool | None = None,
    unreached_reason: str = "",
    unreached_note: str = "",
    interview_date: datetime.date | None = None,
    interview_time: datetime.time | None = None,
    interview_place: str = "",
    contact_person: str = "",
    documents: str = "",
    selection_method: str = "",
    note: str = "",
) -> EmployerCall:
    """Issue 20: the clerk's call to the employer about a draft, before it is shown to the
    seeker or submitted for approval. `reached` (bool): the employer answered; then
    `accepting` (bool) is what it said about taking applicants, and, when accepting, the
    interview (`interview_date` a date, `interview_time` a time, both optional, the time
    only with a date), `interview_place`, `contact_person` (担当者), `documents` (応募書類)
    and `selection_method` (選考方法), all printed on the letter. Not reached:
    `unreached_reason` is "evening", "saturday" or "other" (then `unreached_note` says
    what); whether the letter may still be issued is the office's setting
    (`call_refusal`). `note` is the clerk's, for the counter only.

    Refused, changing nothing: another office's referral (PermissionDenied); a referral
    not in draft or waiting for approval; rule 13 (the seeker is protected against the
    establishment, or the posting moved to another since the draft); a missing answer or reason; an interview for a posting the employer says
    is closed or for an employer not reached; a time without a date; a date before today;
    a text too long. A letter waiting for approval takes a call too (the employer phones
    back to say the posting closed, or to move the interview); an issued one does not. Each call is a new row (the latest counts); traced with the field
    names filled, never their values.

    Refuses:
        non-field:
            - "This posting was moved to another establishment after the referral letter was
              drafted. Void this letter, check with the job seeker, and draft it again."
            - "This job seeker is protected and cannot be referred to this establishment, whoever
              tries. Ask a supervisor for details."
            - "This letter is "%(status)s": no call to the employer can be recorded on it."
        `accepting`:
            - "Choose whether the employer still takes applicants."
        `interview_date`:
            - "Without reaching the employer there is no interview to record."
            - "Enter the interview time together with its date."
            - "The interview date is in the past."
            - "A posting that no longer takes applicants has no interview to record."
        `unreached_note`:
            - "Type the "other" reason."
        `unreached_reason`:
            - "Choose why the employer was not reached (evening, Saturday, other)."
        PermissionDenied:
            - "You cannot change another office’s records."
            - "Only staff can do this."
    """
    reasons = UnreachedReason.values
    errors: dict[str, str] = {}
    texts = {
        "unreached_note": (unreached_note or "").strip(),
        "interview_place": (interview_place or "").strip(),
        "contact_person": (contact_person or "").strip(),
        "documents": (documents or "").strip(),
        "selection_method": (selection_method or "").strip(),
        "note": (note or "").strip(),
    }
    interview_given = bool(interview_date or interview_time or texts["interview_place"])
    if reached:
        if accepting is None:
            errors["accepting"] = _("求人者が応募を受け付けているかを選んでください。")
        elif not accepting and interview_given:
            errors["interview_date"] = _(
                "応募の受付を終了した求人には、面接の予定を記録できません。"
            )
        unreached_reason, texts["unreached_note"] = "", ""
    else:
        accepting = None
        if unreached_reason not in reasons:
            errors["unreached_reason"] = _(
                "連絡がつかなかった理由（夜間、土曜、その他）を選んでください。"
            )
        elif unreached_reason == UnreachedReason.OTHER and not texts["unreached_note"]:
            errors["unreached_note"] = _("「その他」の理由を入力してください。")
        if interview_given:
            errors["interview_date"] = _("連絡がつかなかったときは、面接の予定を記録できません。")
        if unreached_reason != UnreachedReason.OTHER:
            texts["unreached_note"] = ""
    if interview_time is not None and interview_date is None:
        errors.setdefault("interview_date", _("面接の時刻は、面接日と一緒に入力してください。"))
    if interview_date is not None and interview_date < timezone.localdate():
        errors.setdefault("interview_date", _("面接日が過去の日付です。"))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        referral = _locked_referral_and_consultation(referral)
        consultation = referral.consultation
        _require_office(staff, consultation.office)
        lifecycle.require_transition(referral, Action.RECORD_CALL)
        # Rule 13: the call itself names the seeker to the employer; none to an excluded one.
        registry.require_rule13(referral)
        now = timezone.now()
        call = EmployerCall(
            referral=referral,
            called_by=staff,
            called_at=now,
            reached=reached,
            accepting=accepting,
            unreached_reason=unreached_reason,
            interview_date=interview_date,
            interview_time=interview_time,
            **texts,
        )
        # Field checks (lengths, choices) as messages; the model's check constraints are
        # the combinations checked above, and the database holds them too: validating
        # them here again would cost a query and a savepoint each (issue 18).
        call.full_clean(exclude=["referral", "called_by"], validate_constraints=False)
        call.save()
        _expire_if_due(consultation, now)
        _touch(consultation, now)
        audit.record(
            "referral.employer_called",
            actor=staff.user,
            target=referral,
            detail={
                "call_id": call.pk,
                "reached": reached,
                "accepting": accepting,
                "unreached_reason": unreached_reason,
                "fields": sorted(
                    name
                    for name, value in [
                        ("interview_date", interview_date),
                        ("interview_time", interview_time),
                        *texts.items(),
                    ]
                    if value
                ),
            },
        )
    return call


def referral_draft(
    *, consultation: Consultation, posting: JobPosting, staff: StaffMember
) -> ReferralLetter:
    """A draft for a posting the seeker wants to apply to (rule 2). It never creates a
    consultation (rule 1). Drafted without the seeker, after the consultation closed (by the
    clerk or by itself, rule 3b), within 30 minutes after anyone of the office voided a
    referral of this seeker for another establishment (rule 5; the design says the same
    clerk, but a colleague's login would then dodge it), or on a day the seeker's
    confirmations were locked (rule 3b), it can only be issued by a supervisor's approval.
    A protected seeker's excluded establishment is refused, whoever asks, and the attempt
    is traced (committed first, `referral.draft_refused_protected`; rule 13).

    Refuses:
        non-field:
            - "A referral letter cannot be drafted in a merged consultation. Open the consultation
              it was merged into."
            - "No “Apply” decision is recorded for this posting. Record the job seeker’s decision
              first."
            - the posting's own refusal, `JobPosting.refusal_on` (closed, or past its validity)
            - "This job seeker already has a referral letter for this posting."
            - "The job seeker answered “Not applying” for this posting. A referral letter cannot be
              drafted."
            - "This job seeker is protected and cannot be referred to this establishment, whoever
              tries. Ask a supervisor for details."
        PermissionDenied:
            - "You cannot change another office’s records."
            - "Only staff can do this."
    """
    with transaction.atomic():
        try:
            return _draft(consultation, posting, staff)
        except ValidationError as refusal:
            if getattr(refusal, "code", None) != "protected":
                raise
            audit.record(
                "referral.draft_refused_protected",
                actor=staff.user,
                target=consultation,
                detail={"seeker_id": consultation.seeker_id, "posting_id": posting.pk},
            )
    raise registry.excluded_refusal()


def _draft(consultation: Consultation, posting: JobPosting, staff: StaffMember) -> ReferralLetter:
    consultation = _locked_consultation(consultation)
    _require_office(staff, consultation.office)
    now = timezone.now()
    _expire_if_due(consultation, now)
    if consultation.merged_into_id is not None:
        raise ValidationError(
            _("統合済みの相談では紹介状を作成できません。統合先の相談を開いてください。")
        )
    posting = JobPosting.objects.select_related("establishment").get(pk=posting.pk)
    decision = _current_interest(consultation.pk, posting.pk)
    if decision != Decision.APPLY:
        if decision == Decision.DECLINED:
            raise ValidationError(
                _("求職者はこの求人に「応募しない」と答えています。紹介状は作成できません。")
            )
        raise ValidationError(
            _(
                "この求人に求職者の「応募する」意向が記録されていません。先に意向を記録してください。"
            )
        )
    if refusal := posting.refusal_on(timezone.localdate(now)):
        raise ValidationError(refusal)
    registry.require_not_excluded(
        seeker_id=consultation.seeker_id, establishment_id=posting.establishment_id
    )
    if ReferralLetter.objects.filter(
        consultation__seeker=consultation.seeker, posting=posting, status__in=ACTIVE_STATUSES
    ).exists():
        raise ValidationError(_("この求職者には、この求人の紹介状が既にあります。"))

    reasons = []
    if not consultation.in_person:
        reasons.append(ApprovalReason.NOT_IN_PERSON)
    if consultation.closed_at is not None:
        reasons.append(ApprovalReason.CONSULTATION_CLOSED)
    if caught_mismatches_today(seeker_id=consultation.seeker_id, now=now) >= MISMATCH_LIMIT:
        reasons.append(ApprovalReason.MISMATCH_LOCK)
    previous = lifecycle.void_then_reenter(consultation, posting, now)
    if previous is not None:
        reasons.append(ApprovalReason.RETRACT_REORDER)

    referral = ReferralLetter.objects.create(
        consultation=consultation,
        posting=posting,
        drafted_establishment_id=posting.establishment_id,
        drafted_by=staff,
        created_at=now,
        approval_reasons=[str(reason) for reason in reasons],
        previous_referral=previous,
    )
    audit.record(
        "referral.drafted",
        actor=staff.user,
        target=referral,
        detail={
            "consultation_id": consultation.pk,
            "posting_number": posting.number,
            "establishment_number": posting.establishment.number,
            "approval_reasons": referral.approval_reasons,
        },
    )
    _touch(consultation, now)
    if previous is not None:
        _raise_alert(
            kind=AlertKind.RETRACT_REORDER,
            office=consultation.office,
            actor=staff.user,
            referral=referral,
            detail={
                "previous_referral_id": previous.pk,
                "previous_establishment_id": previous.posting.establishment_id,
                "establishment_id": posting.establishment_id,
            },
        )
    return referral


def caught_mismatches_today(*, seeker_id: int, now: datetime.datetime) -> int:
    """Rule 3b's count: the caught mismatches on any referral of this seeker since the start
    of today (display, digits and statements added up). Counted per seeker and day, not per
    letter, so voiding a locked draft and drafting it again starts no fresh count.

    Refuses: nothing.
    """
    today_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return Alert.objects.filter(
        kind=AlertKind.CAUGHT_MISMATCH,
        referral__consultation__seeker_id=seeker_id,
        created_at__gte=today_start,
    ).count()


def approval_reasons(
    referral: ReferralLetter,
    *,
    now: datetime.datetime | None = None,
    mismatches: int | None = None,
) -> list[str]:
    """Why this referral cannot be confirmed at the counter, now: its reasons at drafting,
    plus a consultation not in person, closed by the clerk or by itself (rule 3b), and a
    lock (rule 3b) on the letter or on the seeker's day. ApprovalReason values.
    `mismatches`: the seeker's caught mismatches today, when the caller has counted them
    (`caught_mismatches_today`) for its own page: not counted twice.

    Refuses: nothing.
    """
    now = now or timezone.now()
    reasons = list(referral.approval_reasons)
    consultation = referral.consultation

    def add(reason: ApprovalReason) -> None:
        if reason not in reasons:
            reasons.append(reason)

    if not consultation.in_person:
        add(ApprovalReason.NOT_IN_PERSON)
    if not consultation.is_open_at(now):
        add(ApprovalReason.CONSULTATION_CLOSED)
    if referral.status == ReferralStatus.DRAFT and (
        referral.locked_at is not None
        or (
            mismatches
            if mismatches is not None
            else caught_mismatches_today(seeker_id=consultation.seeker_id, now=now)
        )
        >= MISMATCH_LIMIT
    ):
        add(ApprovalReason.MISMATCH_LOCK)
    return [str(reason) for reason in reasons]


def _record_caught_mismatch(
    *,
    referral: ReferralLetter,
    actor: StaffMember | None,
    action: str,
    fields: list[str],
    detail: dict[str, Any] | None = None,
) -> None:
    """Rules 3, 3b and 4: a near miss the check stopped. Which fields disagreed is kept,
    never what was typed (that could be personal data). The seeker's third of the day, or
    the referral's third on any days, locks the referral: from then on only an approval
    issues it, and a critical alert goes out at once. `actor` is None for the seeker's own answer on a display (no user login).
    Call with the referral locked."""
    user = actor.user if actor is not None else None
    detail = {"fields": fields, "posting_number": referral.posting.number, **(detail or {})}
    audit.record(action, actor=user, target=referral, detail=detail)
    office = referral.consultation.office
    clerk_id = _clerk_behind(referral, actor, action, fields)
    _raise_alert(
        kind=AlertKind.CAUGHT_MISMATCH,
        office=office,
        actor=user,
        referral=referral,
        detail={"action": action, **detail, "clerk_id": clerk_id},
    )
    now = timezone.now()
    if clerk_id is not None:
        _warn_of_a_clerks_mismatches(referral, clerk_id, now)
    count = max(
        caught_mismatches_today(seeker_id=referral.consultation.seeker_id, now=now),
        Alert.objects.filter(kind=AlertKind.CAUGHT_MISMATCH, referral=referral).count(),
    )
    if count < MISMATCH_LIMIT or referral.locked_at is not None:
        return
    referral.locked_at = now
    fields_to_save = ["locked_at"]
    if ApprovalReason.MISMATCH_LOCK not in referral.approval_reasons:
        referral.approval_reasons = [*referral.approval_reasons, str(ApprovalReason.MISMATCH_LOCK)]
        fields_to_save.append("approval_reasons")
    referral.save(update_fields=fields_to_save)
    audit.record(
        "referral.locked", actor=user, target=referral, detail={"caught_mismatches": count}
    )
    _raise_alert(
        kind=AlertKind.REFERRAL_LOCKED,
        office=office,
        actor=user,
        referral=referral,
        detail={"caught_mismatches": count, "seeker_id": referral.consultation.seeker_id},
    )


def _clerk_behind(
    referral: ReferralLetter, actor: StaffMember | None, action: str, fields: list[str]
) -> int | None:
    """Whose input a caught mismatch stopped, for rule 12's warning: the clerk who typed
    the digits, or the clerk who drafted the posting the seeker said was not theirs. None
    when it could be someone else's slip: a birth date (the seeker's typing) or a
    supervisor's statement (the supervisor's hearing; and a supervisor must not be able to
    raise warnings about a clerk with wrong statements)."""
    if action == "referral.confirmation_refused" and actor is not None:
        return actor.pk
    if action == "referral.display_refused" and "seeker_declined" in fields:
        return referral.drafted_by_id
    return None


def _warn_of_a_clerks_mismatches(
    referral: ReferralLetter, clerk_id: int, now: datetime.datetime
) -> None:
    """Rule 12's warning: CLERK_MISMATCH_WARNING caught mismatches of one clerk's input
    today (`_clerk_behind`), for more than one seeker (one seeker's misses are rule 3b's
    lock). Once per clerk and day: writers are serialised by the audit chain's lock, which
    `_record_caught_mismatch` already holds (a row lock taken after it could deadlock)."""
    today_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    if Alert.objects.filter(
        kind=AlertKind.CLERK_MISMATCHES, staff_id=clerk_id, created_at__gte=today_start
    ).exists():
        return
    misses = [
        seeker_id
        for detail, seeker_id in Alert.objects.filter(
            kind=AlertKind.CAUGHT_MISMATCH,
            office_id=referral.consultation.office_id,
            created_at__gte=today_start,
        ).values_list("detail", "referral__consultation__seeker_id")
        if detail.get("clerk_id") == clerk_id
    ]
    if len(misses) < CLERK_MISMATCH_WARNING or len(set(misses)) < 2:
        return
    _raise_alert(
        kind=AlertKind.CLERK_MISMATCHES,
        office=referral.consultation.office,
        actor=None,
        staff=StaffMember.objects.get(pk=clerk_id),
        detail={"caught_mismatches": len(misses), "seekers": len(set(misses))},
    )


def _issue(
    referral: ReferralLetter, confirmation: Confirmation, actor: StaffMember, call: EmployerCall
) -> None:
    """Assigns the code, issues the letter and, for an establishment with a my page,
    creates the disclosure that becomes visible after the hold (rules 6 and 7). `call`:
    the latest call, as `_require_still_wanted` read it in this transaction (the referral
    is locked: no call is added meanwhile)."""
    now = confirmation.confirmed_at
    code = codes.generate()
    while ReferralLetter.objects.filter(code=code).exists():  # 50 random bits: ~never
        code = codes.generate()
    referral.code = code
    referral.status = ReferralStatus.ISSUED
    referral.issued_at = now
    referral.save(update_fields=["code", "status", "issued_at"])
    audit.record(
        "referral.issued",
        actor=actor.user,
        target=referral,
        # The call the letter rests on (issue 20) and, if the employer was not reached,
        # that the office's setting let it go without.
        detail={
            "code": code,
            "method": confirmation.method,
            "call_id": call.pk,
            "without_call": not call.reached,
        },
    )
    # Rule 13, once more where the letter is issued: every path to an establishment ends here.
    registry.require_rule13(referral)
    if refusal := refusal_of_call(referral, call):  # issue 20, likewise
        raise refusal
    establishment = referral.posting.establishment
    if not establishment.has_mypage:
        return  # the printed letter is the only copy
    seeker = referral.consultation.seeker
    today = timezone.localdate(now)
    disclosure = Disclosure.objects.create(
        referral=referral,
        confirmation=confirmation,
        establishment=establishment,
        created_at=now,
        visible_at=now + datetime.timedelta(minutes=settings.DISCLOSURE_HOLD_MINUTES),
        seeker_name=seeker.name,
        seeker_kana=seeker.kana,
        seeker_age=seeker.age_on(today),
        posting_number=referral.posting.number,
        posting_title=referral.posting.title,
        referral_date=today,
        referral_code=code,
    )
    audit.record(
        "disclosure.created",
        actor=actor.user,
        target=disclosure,
        detail={
            "referral_id": referral.pk,
            "establishment_id": establishment.pk,
            "visible_at": disclosure.visible_at.isoformat(),
        },
    )


def _digits_of(value: str) -> str:
    return "".join(ch for ch in value if ch.isascii() and ch.isdigit())


def seeker_answer_refusal(
    referral: ReferralLetter, now: datetime.datetime
) -> tuple[DisplayReadback | None, str]:
    """Rule 3's first half: the seeker's own answer on the consultation's display. Returns
    the confirmed read-back the issuance may rest on, or None and why not (a message for
    the clerk): no answer yet, the last answer was not a confirmation, it is older than
    DisplayReadback.SEEKER_ANSWER_MINUTES, it came from another display than the
    consultation's, or the display has been retired since.

    Refuses: nothing.
    """
    latest = (
        DisplayReadback.objects.filter(referral=referral, answered_at__isnull=False)
        .select_related("display")
        .order_by("-answered_at", "-pk")
        .first()
    )
    return refusal_of_answer(referral, latest, now)


def refusal_of_answer(
    referral: ReferralLetter, latest: DisplayReadback | None, now: datetime.datetime
) -> tuple[DisplayReadback | None, str]:
    """`seeker_answer_refusal` for the seeker's latest answered read-back already read, with
    its display (the issuance screen has it: the latest read-back sent, once answered, is
    the latest answered, since sending a new one clears the unanswered ones).

    Refuses: nothing.
    """
    consultation = referral.consultation
    if latest is None:
        return None, _(
            "求職者本人の確認がまだです。求職者用画面に表示し、求職者に「この求人に応募する」を"
            "押して生年月日を入力してもらってください。"
        )
    if latest.answer != ReadbackAnswer.CONFIRMED:
        return None, _(
            "求職者用画面での最後の回答は確認ではありませんでした。内容を求職者と確かめ、"
            "もう一度求職者用画面に表示してください。"
        )
    if latest.display_id != consultation.display_id:
        return None, _("この相談の求職者用画面での確認ではありません。")
    if not latest.display.is_active:
        return None, _("求職者用画面が使用停止されました。統括官の承認に回してください。")
    valid = datetime.timedelta(minutes=DisplayReadback.SEEKER_ANSWER_MINUTES)
    assert latest.answered_at is not None  # filtered above
    if latest.answered_at + valid < now:
        return None, _(
            "求職者の確認から%(minutes)d分を過ぎました。もう一度求職者用画面に表示してください。"
        ) % {"minutes": DisplayReadback.SEEKER_ANSWER_MINUTES}
    return latest, ""


def referral_confirm_in_session(
    *,
    referral: ReferralLetter,
    staff: StaffMember,
    posting_digits: str,
) -> ReferralLetter:
    """Rule 3: issues an in-person referral on two answers from two people. The seeker's
    comes first, on the consultation's display (`display_seeker_confirm`: "apply to this
    job" and the birth date, within the last DisplayReadback.SEEKER_ANSWER_MINUTES); the
    clerk's is `posting_digits`, the last four digits of the posting number typed from the
    paper posting in the seeker's hand (a string; full-width digits allowed).

    Refused without a record: a malformed entry, a referral not in draft, one that needs
    approval (not in person, the consultation closed by the clerk or by itself, a void and
    re-entry, a lock: rules 3b, 4, 5), no valid answer of the seeker. Refused and recorded
    as a caught mismatch (committed first): digits that do not match.

    Refuses:
        non-field:
            - the seeker has not confirmed this letter on the display within the last minutes
              (`seeker_answer_refusal`)
            - "The employer has not been called yet. Phone the employer, check that the posting
              still takes applicants and ask for the interview's date and time, and record it under
              "Call to the employer"."
            - "The employer said this posting no longer takes applicants. The letter cannot be
              issued. Tell the seeker, void the draft, and tell the postings desk that the posting
              has closed."
            - "The employer was not reached. This office does not issue a letter without reaching
              the employer. Call again."
            - "This posting was moved to another establishment after the referral letter was
              drafted. Void this letter, check with the job seeker, and draft it again."
            - "This job seeker is protected and cannot be referred to this establishment, whoever
              tries. Ask a supervisor for details."
            - "The job seeker’s decision on this posting is not “Apply”. Check the decision again."
            - the posting's own refusal, `JobPosting.refusal_on` (closed, or past its validity)
            - "This referral cannot be confirmed at the counter (%(reasons)s). Send it for
              supervisor approval."
            - "This referral letter is “%(status)s”, so it cannot be confirmed."
        `posting_digits`:
            - "Enter the last 4 digits of the posting number as 4 digits."
            - "The last 4 digits of the posting number do not match. Check the job posting with the
              job seeker."
        PermissionDenied:
            - "You cannot change another office’s records."
            - "Only staff can do this."
    """
    typed = normalize(posting_digits or "")
    if len(typed) != 4 or not typed.isascii() or not typed.isdigit():
        raise ValidationError({"posting_digits": _("求人番号の下4桁を数字4つで入力してください。")})

    with transaction.atomic():
        referral = _locked_referral_and_consultation(referral)
        consultation = referral.consultation
        _require_office(staff, consultation.office)
        lifecycle.require_transition(referral, Action.CONFIRM)
        now = timezone.now()
        _expire_if_due(consultation, now)
        refusal = _counter_refusal(referral, now)
        if refusal is None:
            call = _require_still_wanted(referral)
            answer, why_not = seeker_answer_refusal(referral, now)
            if answer is None:
                raise ValidationError(why_not)
            if _digits_of(referral.posting.number)[-4:] == typed:
                confirmation = Confirmation.objects.create(
                    referral=referral,
                    method=ConfirmationMethod.IN_PERSON,
                    maker=referral.drafted_by,
                    operator=staff,
                    confirmer_seeker=consultation.seeker,
                    posting=referral.posting,
                    entered_posting_digits=typed,
                    display_answer=answer,
                    confirmed_at=now,
                )
                audit.record(
                    "referral.confirmed",
                    actor=staff.user,
                    target=referral,
                    detail={
                        "method": ConfirmationMethod.IN_PERSON,
                        "confirmation_id": confirmation.pk,
                        "display_id": answer.display_id,
                        "readback_id": answer.pk,
                    },
                )
                _touch(consultation, now)
                _issue(referral, confirmation, staff, call)
                return referral
            _touch(consultation, now)
            _record_caught_mismatch(
                referral=referral,
                actor=staff,
                action="referral.confirmation_refused",
                fields=["posting_digits"],
            )
            refusal = ValidationError(
                {
                    "posting_digits": _(
                        "求人番号の下4桁が一致しません。求人票を求職者と確認してください。"
                    )
                }
            )
    # Committed above: the near miss (or the consultation's closing) stays on record
    # although the confirmation is refused.
    raise refusal


def _counter_refusal(referral: ReferralLetter, now: datetime.datetime) -> ValidationError | None:
    """Why this referral cannot be confirmed at the counter now (rules 3b, 4 and 5), as the
    refusal to raise, or None."""
    reasons = approval_reasons(referral, now=now)
    if not reasons:
        return None
    labels = _("、").join(str(ApprovalReason(reason).label) for reason in reasons)
    return ValidationError(
        _("この紹介は窓口で確認できません（%(reasons)s）。統括官の承認に回してください。")
        % {"reasons": labels}
    )


@transaction.atomic
def referral_submit(*, referral: ReferralLetter, staff: StaffMember) -> ReferralLetter:
    """Rule 4: into the supervisor queue.

    Refuses:
        non-field:
            - "The employer has not been called yet. Phone the employer, check that the posting
              still takes applicants and ask for the interview's date and time, and record it under
              "Call to the employer"."
            - "The employer said this posting no longer takes applicants. The letter cannot be
              issued. Tell the seeker, void the draft, and tell the postings desk that the posting
              has closed."
            - "The employer was not reached. This office does not issue a letter without reaching
              the employer. Call again."
            - "This posting was moved to another establishment after the referral letter was
              drafted. Void this letter, check with the job seeker, and draft it again."
            - "This job seeker is protected and cannot be referred to this establishment, whoever
              tries. Ask a supervisor for details."
            - "This referral letter is “%(status)s”, so it cannot be sent for approval."
        PermissionDenied:
            - "You cannot change another office’s records."
            - "Only staff can do this."
    """
    referral = _locked_referral(referral)
    _require_office(staff, referral.consultation.office)
    to = lifecycle.require_transition(referral, Action.SUBMIT)
    registry.require_rule13(referral)
    require_call(referral)  # issue 20: the employer first, then the supervisor
    referral.approval_reasons = approval_reasons(referral)
    referral.status = to
    referral.submitted_by = staff
    referral.submitted_at = timezone.now()
    referral.save(update_fields=["approval_reasons", "status", "submitted_by", "submitted_at"])
    audit.record(
        "referral.submitted",
        actor=staff.user,
        target=referral,
        detail={"approval_reasons": referral.approval_reasons},
    )
    return referral


def _clean_source(source: str) -> str:
    if source not in ApprovalSource.values:
        raise ValidationError(
            {
                "source": _(
                    "求職者の希望をどこで聞いたかを選んでください（折り返しの電話、窓口、本人の書面）。"
                )
            }
        )
    return source


def _check_statement(
    referral: ReferralLetter, supervisor: StaffMember, stated_posting_number: str
) -> tuple[str, bool]:
    """Permission, state and the statement: (the stated number, normalised; whether it is
    the referral's posting). A mismatch is recorded as a caught mismatch; a malformed
    number is a ValidationError."""
    _require_checker(supervisor, referral)
    lifecycle.require_transition(referral, Action.APPROVE)
    # Before the supervisor calls the seeker back: nothing to state if it cannot be issued.
    registry.require_rule13(referral)
    require_call(referral)
    try:
        stated = POSTING_NUMBER.clean(stated_posting_number)
    except ValidationError as error:
        raise ValidationError({"stated_posting_number": error.messages}) from None
    if stated != referral.posting.number:
        _record_caught_mismatch(
            referral=referral,
            actor=supervisor,
            action="referral.statement_refused",
            fields=["stated_posting_number"],
        )
        return stated, False
    return stated, True


def _statement_mismatch() -> ValidationError:
    return ValidationError(
        {
            "stated_posting_number": _(
                "求職者から聞いた求人は、作成された紹介状の求人と一致しません。紹介状は承認待ちのままです。"
                "作成した職員に確認し、必要なら差し戻してください。"
            )
        }
    )


def approval_statement_check(
    *,
    referral: ReferralLetter,
    supervisor: StaffMember,
    stated_posting_number: str,
    source: str,
) -> ApprovalStatement:
    """Step 1 of the approval screen (rule 4): the posting the supervisor heard the seeker
    ask for (`stated_posting_number`, e.g. "07010-12345678", full-width allowed) and where
    it was heard (`source`: "callback", "seeker_present" or "written"), compared with the
    draft. Kept as an ApprovalStatement either way; the approve step needs a matching one
    by the same supervisor within ApprovalStatement.STATEMENT_MINUTES. A mismatch is a
    caught mismatch, committed, then refused.

    Refuses:
        non-field:
            - "The employer has not been called yet. Phone the employer, check that the posting
              still takes applicants and ask for the interview's date and time, and record it under
              "Call to the employer"."
            - "The employer said this posting no longer takes applicants. The letter cannot be
              issued. Tell the seeker, void the draft, and tell the postings desk that the posting
              has closed."
            - "The employer was not reached. This office does not issue a letter without reaching
              the employer. Call again."
            - "This posting was moved to another establishment after the referral letter was
              drafted. Void this letter, check with the job seeker, and draft it again."
            - "This job seeker is protected and cannot be referred to this establishment, whoever
              tries. Ask a supervisor for details."
            - "This referral letter is “%(status)s”, so it cannot be approved."
        `source`:
            - "Choose where you heard the job seeker’s choice (call back, at the counter or in
              writing)."
        `stated_posting_number`:
            - "The posting heard from the job seeker does not match the posting of the drafted
              referral letter. The letter is still awaiting approval. Check with the clerk who
              drafted it and send it back if needed."
            - the stated number's shape (the posting number field's message)
        PermissionDenied:
            - "Only a supervisor or a manager can approve."
            - "You cannot approve a referral you drafted or recorded. Ask another supervisor."
            - "Your comparison for this referral did not match once already. Check with the job
              seeker and ask another supervisor, or send it back."
            - "You opened this referral’s consultation or letter page (the clerk’s record), so you
              cannot compare it. Ask another supervisor."
            - "You cannot change another office’s records."
            - "Only staff can do this."
    """
    source = _clean_source(source)
    with transaction.atomic():
        referral = _locked_referral(referral)
        stated, matched = _check_statement(referral, supervisor, stated_posting_number)
        statement = ApprovalStatement.objects.create(
            referral=referral,
            supervisor=supervisor,
            stated_posting_number=stated,
            source=source,
            stated_at=timezone.now(),
            matched=matched,
        )
        if matched:
            audit.record(
                "referral.statement_matched",
                actor=supervisor.user,
                target=referral,
                detail={"statement_id": statement.pk, "source": source},
            )
    if not matched:
        raise _statement_mismatch()
    return statement


def referral_approve(
    *,
    referral: ReferralLetter,
    supervisor: StaffMember,
    stated_posting_number: str,
    source: str,
) -> ReferralLetter:
    """Rule 4: a supervisor or manager of the referral's office, not its maker, who heard
    from the seeker (`source`: "callback", "seeker_present" or "written") which posting
    the seeker asked for (`stated_posting_number`); the number is compared here too, and
    on a match the referral is issued with a Confirmation that keeps the source. A mismatch
    is a caught mismatch, committed, then refused. The approval screen calls this only
    after a matching `approval_statement_check` by the same supervisor.

    Refuses:
        non-field:
            - "The employer has not been called yet. Phone the employer, check that the posting
              still takes applicants and ask for the interview's date and time, and record it under
              "Call to the employer"."
            - "The employer said this posting no longer takes applicants. The letter cannot be
              issued. Tell the seeker, void the draft, and tell the postings desk that the posting
              has closed."
            - "The employer was not reached. This office does not issue a letter without reaching
              the employer. Call again."
            - "This posting was moved to another establishment after the referral letter was
              drafted. Void this letter, check with the job seeker, and draft it again."
            - "This job seeker is protected and cannot be referred to this establishment, whoever
              tries. Ask a supervisor for details."
            - "The job seeker’s decision on this posting is not “Apply”. Check the decision again."
            - the posting's own refusal, `JobPosting.refusal_on` (closed, or past its validity)
            - "This referral letter is “%(status)s”, so it cannot be approved."
        `source`:
            - "Choose where you heard the job seeker’s choice (call back, at the counter or in
              writing)."
        `stated_posting_number`:
            - the stated number's shape (the posting number field's message)
            - "The posting heard from the job seeker does not match the posting of the drafted
              referral letter. The letter is still awaiting approval. Check with the clerk who
              drafted it and send it back if needed."
        PermissionDenied:
            - "Only a supervisor or a manager can approve."
            - "You cannot approve a referral you drafted or recorded. Ask another supervisor."
            - "Your comparison for this referral did not match once already. Check with the job
              seeker and ask another supervisor, or send it back."
            - "You opened this referral’s consultation or letter page (the clerk’s record), so you
              cannot compare it. Ask another supervisor."
            - "You cannot change another office’s records."
            - "Only staff can do this."
    """
    source = _clean_source(source)
    with transaction.atomic():
        referral = _locked_referral(referral)
        stated, matched = _check_statement(referral, supervisor, stated_posting_number)
        if matched:
            call = _require_still_wanted(referral)
            confirmation = Confirmation.objects.create(
                referral=referral,
                method=ConfirmationMethod.APPROVAL,
                maker=referral.drafted_by,
                operator=supervisor,
                confirmer_staff=supervisor,
                posting=referral.posting,
                stated_posting_number=stated,
                source=source,
                confirmed_at=timezone.now(),
            )
            audit.record(
                "referral.approved",
                actor=supervisor.user,
                target=referral,
                detail={"confirmation_id": confirmation.pk, "source": source},
            )
            _issue(referral, confirmation, supervisor, call)
            containment.alerts_settle(
                referral=referral, how=AlertSettlement.APPROVED, by=supervisor
            )
            return referral
    raise _statement_mismatch()


@transaction.atomic
def referral_reject(
    *, referral: ReferralLetter, supervisor: StaffMember, reason: str
) -> ReferralLetter:
    """Back to the clerk, as a draft, with the reason.

    Refuses:
        non-field:
            - "This referral letter is “%(status)s”, so it cannot be sent back."
        `reason`:
            - "Enter the reason for sending it back."
        PermissionDenied:
            - "Only a supervisor or a manager can approve."
            - "You cannot approve a referral you drafted or recorded. Ask another supervisor."
            - "Your comparison for this referral did not match once already. Check with the job
              seeker and ask another supervisor, or send it back."
            - "You opened this referral’s consultation or letter page (the clerk’s record), so you
              cannot compare it. Ask another supervisor."
            - "You cannot change another office’s records."
            - "Only staff can do this."
    """
    referral = _locked_referral(referral)
    _require_checker(supervisor, referral, stating=False)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("差し戻しの理由を入力してください。")})
    referral.status = lifecycle.require_transition(referral, Action.REJECT)
    referral.rejected_by = supervisor
    referral.rejected_at = timezone.now()
    referral.rejection_reason = reason
    referral.submitted_at = None
    referral.submitted_by = None
    referral.save(
        update_fields=[
            "status",
            "rejected_by",
            "rejected_at",
            "rejection_reason",
            "submitted_at",
            "submitted_by",
        ]
    )
    audit.record("referral.rejected", actor=supervisor.user, target=referral)
    return referral


@transaction.atomic
def referral_void(*, referral: ReferralLetter, staff: StaffMember, reason: str) -> ReferralLetter:
    """Cancels a draft, or voids an issued letter (its code stays, answering "voided").
    Within the hold the disclosure is recalled: the employer never saw it. Once the
    employer could see it, only a retraction (rule 8) takes it back.

    Refuses:
        non-field:
            - "This is already shown on the employer my page. Instead of voiding it, start a
              retraction (supervisor approval required)."
            - "This referral letter is “%(status)s”, so it cannot be voided."
        `reason`:
            - "Enter the reason for voiding."
        PermissionDenied:
            - "You cannot change another office’s records."
            - "Only staff can do this."
    """
    referral = _locked_referral(referral)
    _require_office(staff, referral.consultation.office)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("取消の理由を入力してください。")})
    to = lifecycle.require_transition(referral, Action.VOID)
    now = timezone.now()
    disclosure = Disclosure.objects.select_for_update().filter(referral=referral).first()
    if disclosure is not None and lifecycle.disclosure_phase(disclosure, now).was_shown:
        raise ValidationError(
            _(
                "求人者マイページに既に表示されています。取消ではなく「撤回」の手続き"
                "（統括官の承認が必要）を行ってください。"
            )
        )
    referral.status = to
    referral.voided_by = staff
    referral.voided_at = now
    referral.void_reason = reason
    referral.save(update_fields=["status", "voided_by", "voided_at", "void_reason"])
    audit.record(
        "referral.voided", actor=staff.user, target=referral, detail={"code": referral.code}
    )
    if lifecycle.why_not_checker(staff, lambda: containment.referral_makers(referral)) is None:
        # A void settles a lock or a re-entry only in a supervisor's hands who had none in
        # it: the clerk whose letter was stopped must not close the alert about it.
        containment.alerts_settle(referral=referral, how=AlertSettlement.VOIDED, by=staff)
    if disclosure is not None:
        disclosure.recalled_at = now
        disclosure.save(update_fields=["recalled_at"])
        audit.record(
            "disclosure.recalled",
            actor=staff.user,
            target=disclosure,
            detail={"referral_id": referral.pk},
        )
    return referral
