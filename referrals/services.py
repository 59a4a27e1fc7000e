"""Every write of the counter side (DESIGN.md section 5).

Each function takes keyword-only arguments, runs in one transaction, locks what it
changes, checks the caller itself, refuses with ValidationError or PermissionDenied and a
message a clerk understands, and appends its AuditEvents. A refusal that the rules ask to
record (a caught mismatch) is committed first and raised afterwards, so that the trace
survives the refusal.
"""

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from hellowork import audit
from hellowork.identifiers import POSTING_NUMBER, normalize
from hellowork.models import (
    EmployerMember,
    Establishment,
    JobPosting,
    JobSeeker,
    Office,
    StaffMember,
    User,
)
from referrals import codes, selectors
from referrals.models import (
    Alert,
    AlertKind,
    ApprovalReason,
    CodeCheck,
    CodeCheckReason,
    Confirmation,
    ConfirmationMethod,
    Consultation,
    Decision,
    Disclosure,
    Incident,
    IncidentTask,
    IncidentTaskKind,
    MisdeliveryReport,
    NotHiredReason,
    PostingInterest,
    ReferralLetter,
    ReferralStatus,
    RetractionRequest,
    RetractionStatus,
    SelectionOutcome,
    SelectionResult,
)

logger = logging.getLogger(__name__)

RETRACT_REORDER_WINDOW = datetime.timedelta(minutes=30)
ACTIVE_STATUSES = (ReferralStatus.DRAFT, ReferralStatus.PENDING_APPROVAL, ReferralStatus.ISSUED)


# -- who may do what -------------------------------------------------------------------


def _require_active_staff(staff: StaffMember) -> None:
    user = staff.user
    if not user.is_active or user.kind != User.Kind.STAFF:
        raise PermissionDenied(_("この操作は職員だけが行えます。"))


def _require_office(staff: StaffMember, office: Office | int) -> None:
    _require_active_staff(staff)
    office_id = office if isinstance(office, int) else office.pk
    if staff.office_id != office_id:
        raise PermissionDenied(_("別の安定所の記録は操作できません。"))


def _require_checker(supervisor: StaffMember, referral: ReferralLetter) -> None:
    """Rule 4: a supervisor or manager of the referral's office who did not make it."""
    _require_office(supervisor, referral.consultation.office_id)
    if not supervisor.can_approve:
        raise PermissionDenied(_("承認できるのは統括官または所長です。"))
    if supervisor.pk in (referral.drafted_by_id, referral.submitted_by_id):
        raise PermissionDenied(
            _("自分が作成した紹介は承認できません。別の統括官に依頼してください。")
        )


# -- locking reads ---------------------------------------------------------------------


def _locked_consultation(consultation: Consultation) -> Consultation:
    return (
        Consultation.objects.select_for_update(of=("self",))
        .select_related("seeker", "office")
        .get(pk=consultation.pk)
    )


def _locked_referral(referral: ReferralLetter) -> ReferralLetter:
    return (
        ReferralLetter.objects.select_for_update(of=("self",))
        .select_related(
            "consultation__seeker", "consultation__office", "posting__establishment", "drafted_by"
        )
        .get(pk=referral.pk)
    )


def _raise_alert(
    *,
    kind: str,
    office: Office,
    actor: User | None,
    referral: ReferralLetter | None = None,
    detail: dict[str, Any] | None = None,
) -> Alert:
    alert = Alert.objects.create(
        office=office, kind=kind, referral=referral, created_at=timezone.now(), detail=detail or {}
    )
    audit.record("alert.raised", actor=actor, target=alert, detail={"kind": kind, **(detail or {})})
    return alert


# -- views of personal data -----------------------------------------------------------


@transaction.atomic
def staff_view_record(
    *, staff: StaffMember, seeker: JobSeeker, screen: str, target: Any = None
) -> None:
    """Rule 10: a staff member saw this seeker's personal data on this screen."""
    _require_active_staff(staff)
    audit.record(
        "seeker.viewed",
        actor=staff.user,
        target=target if target is not None else seeker,
        detail={"seeker_id": seeker.pk, "screen": screen},
    )


@transaction.atomic
def staff_search_record(*, staff: StaffMember, query_kind: str, seeker_ids: list[int]) -> None:
    """Rule 10: the seekers a search showed (their ids, not what was typed)."""
    _require_active_staff(staff)
    audit.record(
        "seeker.searched",
        actor=staff.user,
        detail={"by": query_kind, "seeker_ids": seeker_ids},
    )


@transaction.atomic
def staff_list_record(*, staff: StaffMember, screen: str, seeker_ids: list[int]) -> None:
    """Rule 10 for a list screen: the seekers whose names it showed (their ids). An empty
    list showed nobody and writes nothing."""
    _require_active_staff(staff)
    if not seeker_ids:
        return
    audit.record(
        "seeker.listed",
        actor=staff.user,
        detail={"screen": screen, "seeker_ids": sorted(set(seeker_ids))},
    )


# -- consultations ---------------------------------------------------------------------


@transaction.atomic
def consultation_open(*, seeker: JobSeeker, staff: StaffMember, in_person: bool) -> Consultation:
    """The open consultation of that seeker with that clerk today, or a new one."""
    _require_active_staff(staff)
    JobSeeker.objects.select_for_update().filter(pk=seeker.pk).first()  # one open at a time
    now = timezone.now()
    today_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    existing = (
        Consultation.objects.filter(
            seeker=seeker,
            staff=staff,
            in_person=in_person,
            closed_at__isnull=True,
            opened_at__gte=today_start,
        )
        .order_by("-opened_at")
        .first()
    )
    if existing is not None:
        # Reopening is traced too: who came back to this seeker's consultation, when.
        audit.record("consultation.resumed", actor=staff.user, target=existing)
        return existing
    consultation = Consultation.objects.create(
        seeker=seeker, staff=staff, office=staff.office, in_person=in_person, opened_at=now
    )
    audit.record(
        "consultation.opened",
        actor=staff.user,
        target=consultation,
        detail={"seeker_id": seeker.pk, "in_person": in_person},
    )
    return consultation


@transaction.atomic
def consultation_close(*, consultation: Consultation, staff: StaffMember) -> Consultation:
    """The seeker has left: drafts of this consultation can only go on through approval."""
    consultation = _locked_consultation(consultation)
    _require_office(staff, consultation.office)
    if consultation.closed_at is not None:
        raise ValidationError(_("この相談は既に終了しています。"))
    consultation.closed_at = timezone.now()
    consultation.save(update_fields=["closed_at"])
    audit.record("consultation.closed", actor=staff.user, target=consultation)
    return consultation


@transaction.atomic
def consultation_note_update(
    *, consultation: Consultation, staff: StaffMember, note: str
) -> Consultation:
    """The consultation record's text (相談内容), e.g. a phone note of what the seeker asked."""
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
    status or code changes; the source stays, closed, pointing at the target."""
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
    referral_ids = list(
        ReferralLetter.objects.filter(consultation=source).values_list("pk", flat=True)
    )
    ReferralLetter.objects.filter(pk__in=referral_ids).update(consultation=target)

    now = timezone.now()
    if source.note:
        target.note = f"{target.note}\n{source.note}".strip()
        target.save(update_fields=["note"])
    source.merged_into = target
    source.closed_at = source.closed_at or max(now, source.opened_at)
    source.save(update_fields=["merged_into", "closed_at"])
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


@transaction.atomic
def interest_record(
    *, consultation: Consultation, posting: JobPosting, decision: str, staff: StaffMember
) -> PostingInterest:
    """The seeker's decision on a posting discussed: apply, declined or considering."""
    consultation = _locked_consultation(consultation)
    _require_office(staff, consultation.office)
    if decision not in Decision.values:
        raise ValidationError(_("意向は「応募する」「応募しない」「検討中」から選んでください。"))
    if consultation.merged_into_id is not None:
        raise ValidationError(_("統合済みの相談には記録できません。統合先の相談を開いてください。"))
    if consultation.closed_at is not None:
        raise ValidationError(
            _("相談は終了しています。求職者の意向は、求職者と話している相談で記録してください。")
        )
    posting = JobPosting.objects.get(pk=posting.pk)
    if decision == Decision.APPLY and posting.status != JobPosting.Status.OPEN:
        raise ValidationError(_("この求人は募集を終了しています。"))
    interest, created = PostingInterest.objects.select_for_update().get_or_create(
        consultation=consultation,
        posting=posting,
        defaults={"decision": decision, "recorded_by": staff, "recorded_at": timezone.now()},
    )
    previous = None
    if not created:
        previous = interest.decision
        interest.decision = decision
        interest.recorded_by = staff
        interest.recorded_at = timezone.now()
        interest.save(update_fields=["decision", "recorded_by", "recorded_at"])
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


def _require_still_wanted(referral: ReferralLetter) -> None:
    """Rule 2 at the moment of confirmation: the seeker still says apply, the posting is open."""
    if _current_interest(referral.consultation_id, referral.posting_id) != Decision.APPLY:
        raise ValidationError(
            _("この求人への求職者の意向が「応募する」ではありません。意向を確認し直してください。")
        )
    if referral.posting.status != JobPosting.Status.OPEN:
        raise ValidationError(_("この求人は募集を終了しています。"))


@transaction.atomic
def referral_draft(
    *, consultation: Consultation, posting: JobPosting, staff: StaffMember
) -> ReferralLetter:
    """A draft for a posting the seeker wants to apply to (rule 2). It never creates a
    consultation (rule 1). Drafted without the seeker, after the consultation closed, or
    right after this clerk voided a referral of this seeker for another establishment
    (rule 5), it can only be issued by a supervisor's approval."""
    consultation = _locked_consultation(consultation)
    _require_office(staff, consultation.office)
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
    if posting.status != JobPosting.Status.OPEN:
        raise ValidationError(_("この求人は募集を終了しています。"))
    if ReferralLetter.objects.filter(
        consultation__seeker=consultation.seeker, posting=posting, status__in=ACTIVE_STATUSES
    ).exists():
        raise ValidationError(_("この求職者には、この求人の紹介状が既にあります。"))

    now = timezone.now()
    reasons = []
    if not consultation.in_person:
        reasons.append(ApprovalReason.NOT_IN_PERSON)
    if consultation.closed_at is not None:
        reasons.append(ApprovalReason.CONSULTATION_CLOSED)
    previous = (
        ReferralLetter.objects.filter(
            consultation__seeker=consultation.seeker,
            voided_by=staff,
            voided_at__gte=now - RETRACT_REORDER_WINDOW,
        )
        .exclude(posting__establishment=posting.establishment)
        .order_by("-voided_at")
        .first()
    )
    if previous is not None:
        reasons.append(ApprovalReason.RETRACT_REORDER)

    referral = ReferralLetter.objects.create(
        consultation=consultation,
        posting=posting,
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


def approval_reasons(referral: ReferralLetter) -> list[str]:
    """Why this referral cannot be confirmed at the counter, now."""
    reasons = list(referral.approval_reasons)
    consultation = referral.consultation
    if not consultation.in_person and ApprovalReason.NOT_IN_PERSON not in reasons:
        reasons.append(ApprovalReason.NOT_IN_PERSON)
    if consultation.closed_at is not None and ApprovalReason.CONSULTATION_CLOSED not in reasons:
        reasons.append(ApprovalReason.CONSULTATION_CLOSED)
    return [str(reason) for reason in reasons]


def _record_caught_mismatch(
    *, referral: ReferralLetter, actor: StaffMember, action: str, fields: list[str]
) -> None:
    """Rules 3 and 4: a near miss the check stopped. Which fields disagreed is kept, never
    what was typed (that could be personal data)."""
    detail = {"fields": fields, "posting_number": referral.posting.number}
    audit.record(action, actor=actor.user, target=referral, detail=detail)
    _raise_alert(
        kind=AlertKind.CAUGHT_MISMATCH,
        office=referral.consultation.office,
        actor=actor.user,
        referral=referral,
        detail={"action": action, **detail},
    )


def _issue(referral: ReferralLetter, confirmation: Confirmation, actor: StaffMember) -> None:
    """Assigns the code, issues the letter and, for an establishment with a my page,
    creates the disclosure that becomes visible after the hold (rules 6 and 7)."""
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
        detail={"code": code, "method": confirmation.method},
    )
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


def referral_confirm_in_session(
    *,
    referral: ReferralLetter,
    staff: StaffMember,
    posting_digits: str,
    seeker_birth_date: datetime.date,
) -> ReferralLetter:
    """Rule 3: with the seeker at the counter, the clerk re-types the last four digits of
    the posting number (read out by the seeker from the posting in hand) and the birth
    date (said by the seeker). Both must match; a mismatch is recorded and refused."""
    typed = normalize(posting_digits or "")
    if len(typed) != 4 or not typed.isascii() or not typed.isdigit():
        raise ValidationError({"posting_digits": _("求人番号の下4桁を数字4つで入力してください。")})
    if not isinstance(seeker_birth_date, datetime.date):
        raise ValidationError({"seeker_birth_date": _("生年月日を入力してください。")})

    with transaction.atomic():
        referral = _locked_referral(referral)
        _require_office(staff, referral.consultation.office)
        if referral.status != ReferralStatus.DRAFT:
            raise ValidationError(
                _("この紹介状は「%(status)s」のため確認できません。")
                % {"status": referral.get_status_display()}
            )
        if approval_reasons(referral):
            raise ValidationError(
                _("この紹介は窓口で確認できません。統括官の承認に回してください。")
            )
        _require_still_wanted(referral)
        seeker = referral.consultation.seeker
        mismatched = []
        if _digits_of(referral.posting.number)[-4:] != typed:
            mismatched.append("posting_digits")
        if seeker.birth_date != seeker_birth_date:
            mismatched.append("seeker_birth_date")
        if not mismatched:
            confirmation = Confirmation.objects.create(
                referral=referral,
                method=ConfirmationMethod.IN_PERSON,
                maker=referral.drafted_by,
                operator=staff,
                confirmer_seeker=seeker,
                posting=referral.posting,
                entered_posting_digits=typed,
                confirmed_at=timezone.now(),
            )
            audit.record(
                "referral.confirmed",
                actor=staff.user,
                target=referral,
                detail={"method": ConfirmationMethod.IN_PERSON, "confirmation_id": confirmation.pk},
            )
            _issue(referral, confirmation, staff)
            return referral
        _record_caught_mismatch(
            referral=referral,
            actor=staff,
            action="referral.confirmation_refused",
            fields=mismatched,
        )
    # Committed above: the near miss stays on record although the confirmation is refused.
    messages = {
        "posting_digits": _("求人番号の下4桁が一致しません。求人票を求職者と確認してください。"),
        "seeker_birth_date": _("生年月日が一致しません。求職者ご本人か確認してください。"),
    }
    raise ValidationError({field: messages[field] for field in mismatched})


@transaction.atomic
def referral_submit(*, referral: ReferralLetter, staff: StaffMember) -> ReferralLetter:
    """Rule 4: into the supervisor queue."""
    referral = _locked_referral(referral)
    _require_office(staff, referral.consultation.office)
    if referral.status != ReferralStatus.DRAFT:
        raise ValidationError(
            _("この紹介状は「%(status)s」のため承認に回せません。")
            % {"status": referral.get_status_display()}
        )
    referral.approval_reasons = approval_reasons(referral)
    referral.status = ReferralStatus.PENDING_APPROVAL
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


def _check_statement(
    referral: ReferralLetter, supervisor: StaffMember, stated_posting_number: str
) -> bool:
    """Permission, state and the blind statement. False (and a recorded caught mismatch)
    when the stated posting is not the referral's; ValidationError when malformed."""
    _require_checker(supervisor, referral)
    if referral.status != ReferralStatus.PENDING_APPROVAL:
        raise ValidationError(
            _("この紹介状は「%(status)s」のため承認できません。")
            % {"status": referral.get_status_display()}
        )
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
        return False
    return True


def _statement_mismatch() -> ValidationError:
    return ValidationError(
        {
            "stated_posting_number": _(
                "述べられた求人番号は、作成された紹介状の求人と一致しません。紹介状は承認待ちのままです。"
                "作成した職員と求職者の意向を確認してください。"
            )
        }
    )


def approval_statement_check(
    *, referral: ReferralLetter, supervisor: StaffMember, stated_posting_number: str
) -> None:
    """The first step of the blind approval screen: the supervisor's statement of the
    posting the seeker asked for, compared with the draft. A mismatch is recorded."""
    with transaction.atomic():
        referral = _locked_referral(referral)
        matched = _check_statement(referral, supervisor, stated_posting_number)
    if not matched:
        raise _statement_mismatch()


def referral_approve(
    *, referral: ReferralLetter, supervisor: StaffMember, stated_posting_number: str
) -> ReferralLetter:
    """Rule 4: a supervisor or manager of the office, not the maker, states blind which
    posting the seeker asked for; on a match the referral is issued."""
    with transaction.atomic():
        referral = _locked_referral(referral)
        if _check_statement(referral, supervisor, stated_posting_number):
            _require_still_wanted(referral)
            confirmation = Confirmation.objects.create(
                referral=referral,
                method=ConfirmationMethod.APPROVAL,
                maker=referral.drafted_by,
                operator=supervisor,
                confirmer_staff=supervisor,
                posting=referral.posting,
                stated_posting_number=referral.posting.number,
                confirmed_at=timezone.now(),
            )
            audit.record(
                "referral.approved",
                actor=supervisor.user,
                target=referral,
                detail={"confirmation_id": confirmation.pk},
            )
            _issue(referral, confirmation, supervisor)
            return referral
    raise _statement_mismatch()


@transaction.atomic
def referral_reject(
    *, referral: ReferralLetter, supervisor: StaffMember, reason: str
) -> ReferralLetter:
    """Back to the clerk, as a draft, with the reason."""
    referral = _locked_referral(referral)
    _require_checker(supervisor, referral)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("差し戻しの理由を入力してください。")})
    if referral.status != ReferralStatus.PENDING_APPROVAL:
        raise ValidationError(
            _("この紹介状は「%(status)s」のため差し戻せません。")
            % {"status": referral.get_status_display()}
        )
    referral.status = ReferralStatus.DRAFT
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
    employer could see it, only a retraction (rule 8) takes it back."""
    referral = _locked_referral(referral)
    _require_office(staff, referral.consultation.office)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("取消の理由を入力してください。")})
    if referral.status not in ACTIVE_STATUSES:
        raise ValidationError(
            _("この紹介状は「%(status)s」のため取り消せません。")
            % {"status": referral.get_status_display()}
        )
    now = timezone.now()
    disclosure = Disclosure.objects.select_for_update().filter(referral=referral).first()
    if disclosure is not None and disclosure.visible_at <= now:
        raise ValidationError(
            _(
                "求人者マイページに既に表示されています。取消ではなく「撤回」の手続き"
                "（統括官の承認が必要）を行ってください。"
            )
        )
    referral.status = ReferralStatus.VOIDED
    referral.voided_by = staff
    referral.voided_at = now
    referral.void_reason = reason
    referral.save(update_fields=["status", "voided_by", "voided_at", "void_reason"])
    audit.record(
        "referral.voided", actor=staff.user, target=referral, detail={"code": referral.code}
    )
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


# -- retraction after exposure (rule 8) -----------------------------------------------

RETRACTION_REASON_MAX_LENGTH = 1000
ERASED_SNAPSHOT_FIELDS = ["seeker_name", "seeker_kana", "seeker_age"]


def _require_retraction_checker(
    supervisor: StaffMember, referral: ReferralLetter, request: RetractionRequest
) -> None:
    """A supervisor or manager of the referral's office who neither asked for the
    retraction nor made the referral: nobody checks their own work."""
    _require_office(supervisor, referral.consultation.office_id)
    if not supervisor.can_approve:
        raise PermissionDenied(_("撤回を承認できるのは統括官または所長です。"))
    if supervisor.pk == request.requested_by_id:
        raise PermissionDenied(
            _("自分が依頼した撤回は承認できません。別の統括官に依頼してください。")
        )
    if supervisor.pk in (referral.drafted_by_id, referral.submitted_by_id):
        raise PermissionDenied(
            _("自分が作成した紹介の撤回は承認できません。別の統括官に依頼してください。")
        )


def _pending_retraction(referral: ReferralLetter) -> RetractionRequest:
    request = (
        RetractionRequest.objects.select_for_update()
        .filter(referral=referral, status=RetractionStatus.PENDING)
        .first()
    )
    if request is None:
        raise ValidationError(_("この紹介には承認待ちの撤回の依頼がありません。"))
    return request


@transaction.atomic
def referral_retract(
    *, referral: ReferralLetter, staff: StaffMember, reason: str
) -> RetractionRequest:
    """Rule 8, first half: anyone of the office asks to retract an issued referral whose
    applicant an employer could already see. Nothing changes for the employer until a
    supervisor approves (`retraction_approve`); within the hold, `referral_void` recalls
    the disclosure instead and no incident arises."""
    referral = _locked_referral(referral)
    _require_office(staff, referral.consultation.office)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("撤回の理由を入力してください。")})
    if len(reason) > RETRACTION_REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": _("撤回の理由は%(max)d文字以内で入力してください。")
                % {"max": RETRACTION_REASON_MAX_LENGTH}
            }
        )
    if referral.status != ReferralStatus.ISSUED:
        raise ValidationError(
            _("この紹介状は「%(status)s」のため撤回できません。")
            % {"status": referral.get_status_display()}
        )
    disclosure = Disclosure.objects.select_for_update().filter(referral=referral).first()
    if disclosure is None:
        raise ValidationError(
            _(
                "この紹介は求人者マイページに送られていません。撤回ではなく、紹介状の取消を"
                "行ってください。"
            )
        )
    if disclosure.visible_at > timezone.now():
        raise ValidationError(
            _(
                "求人者マイページにはまだ表示されていません。撤回ではなく「紹介状を取り消す」で"
                "取り消せば、求人者には届きません。"
            )
        )
    if RetractionRequest.objects.filter(
        referral=referral, status=RetractionStatus.PENDING
    ).exists():
        raise ValidationError(
            _("この紹介の撤回は既に依頼されています。統括官の承認を待ってください。")
        )
    request = RetractionRequest.objects.create(
        referral=referral, requested_by=staff, requested_at=timezone.now(), reason=reason
    )
    audit.record(
        "referral.retraction_requested",
        actor=staff.user,
        target=referral,
        detail={"request_id": request.pk, "disclosure_id": disclosure.pk},
    )
    return request


def _erase_disclosure(disclosure: Disclosure, now: datetime.datetime, actor: StaffMember) -> None:
    """Rule 8: the snapshot keeps the posting, the date and the code (reserved for ever),
    and loses every personal field; so does what the employer wrote about the applicant."""
    disclosure.seeker_name = ""
    disclosure.seeker_kana = ""
    disclosure.seeker_age = None
    disclosure.retracted_at = now
    disclosure.save(update_fields=[*ERASED_SNAPSHOT_FIELDS, "retracted_at"])
    result_ids = list(
        SelectionResult.objects.select_for_update()
        .filter(disclosure=disclosure)
        .values_list("pk", flat=True)
    )
    SelectionResult.objects.filter(pk__in=result_ids).update(
        conditions_difference="", erased_at=now
    )
    report_ids = list(
        MisdeliveryReport.objects.select_for_update()
        .filter(disclosure=disclosure)
        .values_list("pk", flat=True)
    )
    MisdeliveryReport.objects.filter(pk__in=report_ids).update(note="", erased_at=now)
    audit.record(
        "disclosure.retracted",
        actor=actor.user,
        target=disclosure,
        detail={
            "referral_id": disclosure.referral_id,
            "erased": ERASED_SNAPSHOT_FIELDS,
            "selection_result_ids": result_ids,
            "misdelivery_report_ids": report_ids,
        },
    )


def _incident_open(
    *,
    referral: ReferralLetter,
    request: RetractionRequest,
    disclosure: Disclosure,
    supervisor: StaffMember,
    now: datetime.datetime,
) -> Incident:
    """The incident of a retraction, with its tasks and their deadlines (settings)."""
    views = selectors.employer_views_of(disclosure=disclosure, until=now)
    incident = Incident.objects.create(
        referral=referral,
        retraction=request,
        office=referral.consultation.office,
        opened_at=now,
        opened_by=supervisor,
        employer_viewed=bool(views),
        data_items=default_data_items(),
        people_count=1,
    )
    days = {
        IncidentTaskKind.TELL_SEEKER: settings.INCIDENT_TELL_SEEKER_DAYS,
        IncidentTaskKind.APOLOGISE: settings.INCIDENT_APOLOGY_DAYS,
        IncidentTaskKind.REPORT_PRELIMINARY: settings.INCIDENT_PRELIMINARY_REPORT_DAYS,
        IncidentTaskKind.REPORT_FINAL: settings.INCIDENT_FINAL_REPORT_DAYS,
    }
    IncidentTask.objects.bulk_create(
        IncidentTask(incident=incident, kind=kind, due_at=now + datetime.timedelta(days=n))
        for kind, n in days.items()
    )
    audit.record(
        "incident.opened",
        actor=supervisor.user,
        target=incident,
        detail={
            "referral_id": referral.pk,
            "disclosure_id": disclosure.pk,
            "retraction_request_id": request.pk,
            "employer_viewed": bool(views),
            "employer_view_count": len(views),
            "first_view_event_id": views[0].pk if views else None,
        },
    )
    return incident


def default_data_items() -> str:
    """What a disclosure showed the employer: the report's 漏えいした個人データの項目."""
    return _(
        "求職者の氏名、氏名（カナ）、年齢（紹介日現在）。あわせて、求人番号、職種、紹介日、"
        "紹介コード（紹介状の記載事項）。生年月日、住所、電話番号は含まれない。"
    )


@transaction.atomic
def retraction_approve(*, referral: ReferralLetter, supervisor: StaffMember) -> Incident:
    """Rule 8, second half, in one transaction: the disclosure's personal data is erased
    (and what the employer wrote about the applicant), the employer's my page shows a
    notice without personal data instead, the referral becomes `retracted` (its code stays
    reserved), and the incident opens with its tasks."""
    referral = _locked_referral(referral)
    request = _pending_retraction(referral)
    _require_retraction_checker(supervisor, referral, request)
    if referral.status != ReferralStatus.ISSUED:
        raise ValidationError(
            _("この紹介状は「%(status)s」のため撤回できません。")
            % {"status": referral.get_status_display()}
        )
    disclosure = Disclosure.objects.select_for_update().get(referral=referral)
    now = timezone.now()
    request.status = RetractionStatus.APPROVED
    request.decided_by = supervisor
    request.decided_at = now
    request.save(update_fields=["status", "decided_by", "decided_at"])
    referral.status = ReferralStatus.RETRACTED
    referral.save(update_fields=["status"])
    audit.record(
        "referral.retracted",
        actor=supervisor.user,
        target=referral,
        detail={"request_id": request.pk, "disclosure_id": disclosure.pk, "code": referral.code},
    )
    _erase_disclosure(disclosure, now, supervisor)
    return _incident_open(
        referral=referral, request=request, disclosure=disclosure, supervisor=supervisor, now=now
    )


@transaction.atomic
def retraction_reject(
    *, referral: ReferralLetter, supervisor: StaffMember, reason: str
) -> RetractionRequest:
    """The supervisor finds the referral right after all: it stays visible, with the reason."""
    referral = _locked_referral(referral)
    request = _pending_retraction(referral)
    _require_retraction_checker(supervisor, referral, request)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("却下の理由を入力してください。")})
    if len(reason) > RETRACTION_REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": _("却下の理由は%(max)d文字以内で入力してください。")
                % {"max": RETRACTION_REASON_MAX_LENGTH}
            }
        )
    request.status = RetractionStatus.REJECTED
    request.decided_by = supervisor
    request.decided_at = timezone.now()
    request.rejection_reason = reason
    request.save(update_fields=["status", "decided_by", "decided_at", "rejection_reason"])
    audit.record(
        "referral.retraction_rejected",
        actor=supervisor.user,
        target=referral,
        detail={"request_id": request.pk},
    )
    return request


# -- the employer's my page ----------------------------------------------------------
#
# `member` is always the EmployerMember acting. A disclosure of another establishment is
# refused here too (PermissionDenied), although the views never get that far: they fetch
# through the establishment-scoped selectors and answer 404.

NOTE_MAX_LENGTH = 2000
START_DATE_HORIZON = datetime.timedelta(days=366)


def _require_active_member(member: EmployerMember) -> None:
    user = member.user
    if not user.is_active or user.kind != User.Kind.EMPLOYER:
        raise PermissionDenied(_("この操作は求人者マイページの利用者だけが行えます。"))


def _require_own(member: EmployerMember, disclosure: Disclosure) -> None:
    _require_active_member(member)
    if disclosure.establishment_id != member.establishment_id:
        raise PermissionDenied(_("貴事業所の応募者ではありません。"))


def _locked_visible_disclosure(disclosure: Disclosure, member: EmployerMember) -> Disclosure:
    """The disclosure, locked, if the member's establishment can see it right now."""
    _require_active_member(member)
    locked = (
        Disclosure.objects.select_for_update(of=("self",))
        .select_related("referral__consultation__office")
        .get(pk=disclosure.pk)
    )
    _require_own(member, locked)
    if not Disclosure.objects.filter(selectors.visible_now(), pk=locked.pk).exists():
        raise ValidationError(_("この応募者は現在表示されていません。一覧から開き直してください。"))
    return locked


@transaction.atomic
def disclosure_view_record(
    *, disclosure: Disclosure, member: EmployerMember, page: str = "detail"
) -> None:
    """Rule 10: an employer saw one applicant's personal data (the detail, the letter, a
    form that names the applicant). Who, when and from where are in the event itself."""
    _require_own(member, disclosure)
    audit.record(
        "disclosure.viewed",
        actor=member.user,
        target=disclosure,
        detail={"page": page, "establishment_id": member.establishment_id},
    )


@transaction.atomic
def disclosures_list_view_record(
    *, member: EmployerMember, disclosures: Iterable[Disclosure]
) -> None:
    """Rule 10 for a page of the applicant list: one event naming the rows shown."""
    shown = list(disclosures)
    for disclosure in shown:
        _require_own(member, disclosure)
    if not shown:
        return  # nobody's data was shown
    audit.record(
        "disclosure.listed",
        actor=member.user,
        target=member.establishment,
        detail={"disclosure_ids": [disclosure.pk for disclosure in shown]},
    )


def _format_date(day: datetime.date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


@transaction.atomic
def selection_result_record(
    *,
    disclosure: Disclosure,
    member: EmployerMember,
    result: str,
    start_date: datetime.date | None = None,
    not_hired_reason: str = "",
    conditions_differ: bool | None = None,
    conditions_difference: str = "",
) -> SelectionResult:
    """The employer's 採用 / 不採用 for a visible applicant. 採用 needs the planned start
    date (from the referral date to a year after it); 不採用 may say why, from the list.
    Whether the hiring conditions differ from the posting (相違の有無) is always answered,
    and a yes says how. A correction adds a row that points at the one it corrects."""
    disclosure = _locked_visible_disclosure(disclosure, member)
    reason = (not_hired_reason or "").strip()
    difference = (conditions_difference or "").strip()
    errors: dict[str, str] = {}
    if result not in SelectionOutcome.values:
        errors["result"] = _("選考結果を「採用」か「不採用」から選んでください。")
    elif result == SelectionOutcome.HIRED:
        if reason:
            errors["not_hired_reason"] = _("不採用の理由は、不採用の場合だけ選んでください。")
        if start_date is None:
            errors["start_date"] = _("採用の場合は入社予定日を入力してください。")
        elif not isinstance(start_date, datetime.date) or isinstance(start_date, datetime.datetime):
            errors["start_date"] = _("入社予定日を日付で入力してください。")
        elif not (
            disclosure.referral_date <= start_date <= disclosure.referral_date + START_DATE_HORIZON
        ):
            errors["start_date"] = _(
                "入社予定日は、紹介日（%(first)s）から1年以内の日付を入力してください。"
            ) % {"first": _format_date(disclosure.referral_date)}
    else:
        if start_date is not None:
            errors["start_date"] = _("入社予定日は、採用の場合だけ入力してください。")
        if reason and reason not in NotHiredReason.values:
            errors["not_hired_reason"] = _("不採用の理由は一覧から選んでください。")
    if conditions_differ is None:
        errors["conditions_differ"] = _("求人票と採用条件の相違の有無を選んでください。")
    elif conditions_differ and not difference:
        errors["conditions_difference"] = _(
            "相違がある場合は、求人票とどのように違うかを入力してください。"
        )
    elif not conditions_differ and difference:
        errors["conditions_difference"] = _("相違がない場合は、相違の内容を空欄にしてください。")
    if len(difference) > NOTE_MAX_LENGTH:
        errors["conditions_difference"] = _("相違の内容は%(max)d文字以内で入力してください。") % {
            "max": NOTE_MAX_LENGTH
        }
    if errors:
        raise ValidationError(errors)

    current = SelectionResult.objects.filter(
        disclosure=disclosure, corrected_by__isnull=True
    ).first()
    values = {
        "result": result,
        "start_date": start_date,
        "not_hired_reason": reason,
        "conditions_differ": bool(conditions_differ),
        "conditions_difference": difference,
    }
    if current is not None and all(getattr(current, k) == v for k, v in values.items()):
        raise ValidationError(_("記録済みの内容と同じです。訂正する場合は内容を変更してください。"))
    recorded = SelectionResult.objects.create(
        disclosure=disclosure,
        corrects=current,
        recorded_by=member,
        recorded_at=timezone.now(),
        **values,
    )
    audit.record(
        "selection_result.recorded",
        actor=member.user,
        target=recorded,
        detail={
            "disclosure_id": disclosure.pk,
            "referral_id": disclosure.referral_id,
            "result": result,
            "start_date": start_date.isoformat() if start_date else None,
            "not_hired_reason": reason,
            "conditions_differ": bool(conditions_differ),
            "corrects_id": current.pk if current is not None else None,
        },
    )
    return recorded


@dataclass(frozen=True)
class CodeCheckAnswer:
    """What the code check page shows. `limited`: refused by the rate limit, nothing looked up."""

    ok: bool
    disclosure: Disclosure | None
    message: str
    limited: bool = False


def code_not_registered_message() -> str:
    """The one answer to every code that is not the employer's own visible applicant. It
    names no establishment or person and does not say why."""
    return _(
        "この紹介コードは、貴事業所に紹介された応募者の紹介コードとして登録されていません。"
        "確認のため、ハローワークに連絡済みです。"
    )


def _mismatch_reason(
    referral: ReferralLetter, establishment: Establishment, now: datetime.datetime
) -> CodeCheckReason:
    disclosure = Disclosure.objects.filter(referral=referral).first()
    if referral.posting.establishment_id != establishment.pk:
        return CodeCheckReason.OTHER_ESTABLISHMENT
    if referral.status == ReferralStatus.RETRACTED or (
        disclosure is not None and disclosure.retracted_at is not None
    ):
        return CodeCheckReason.RETRACTED
    if disclosure is not None and disclosure.recalled_at is not None:
        return CodeCheckReason.RECALLED
    if referral.status == ReferralStatus.VOIDED:
        return CodeCheckReason.VOIDED
    if disclosure is not None and disclosure.visible_at > now:
        return CodeCheckReason.HELD
    return CodeCheckReason.NOT_DISCLOSED


@transaction.atomic
def code_check(*, member: EmployerMember, code: str) -> CodeCheckAnswer:
    """Rule 9: an employer looks up the code on a letter an applicant brought. Its own
    visible applicant is shown. Anything else (another establishment's code, a voided,
    recalled, retracted or held one, an unknown or malformed one) gets one neutral answer
    and one `code_mismatch` alert at the issuing office (the establishment's own office when
    no letter has that code). Rate-limited per member and per establishment, counted in
    the database under a lock on the establishment; over the limit nothing is looked up."""
    _require_active_member(member)
    establishment = Establishment.objects.select_for_update().get(pk=member.establishment_id)
    now = timezone.now()
    since = now - datetime.timedelta(minutes=settings.CODE_CHECK_WINDOW_MINUTES)
    recent = CodeCheck.objects.filter(checked_at__gt=since)
    if (
        recent.filter(member=member).count() >= settings.CODE_CHECK_LIMIT_PER_MEMBER
        or recent.filter(establishment=establishment).count()
        >= settings.CODE_CHECK_LIMIT_PER_ESTABLISHMENT
    ):
        audit.record(
            "code_check.rate_limited",
            actor=member.user,
            target=establishment,
            detail={"member_id": member.pk},
        )
        return CodeCheckAnswer(
            ok=False,
            disclosure=None,
            limited=True,
            message=_(
                "紹介コードの照会は、1人あたり%(member)d回、1事業所あたり%(establishment)d回"
                "（%(minutes)d分間）までです。しばらくしてから、もう一度お試しください。"
                "お急ぎの場合は管轄のハローワークにお問い合わせください。"
            )
            % {
                "member": settings.CODE_CHECK_LIMIT_PER_MEMBER,
                "establishment": settings.CODE_CHECK_LIMIT_PER_ESTABLISHMENT,
                "minutes": settings.CODE_CHECK_WINDOW_MINUTES,
            },
        )

    try:
        parsed: str | None = codes.parse(code)
    except codes.MalformedCode:
        parsed = None
    disclosure = referral = None
    if parsed is None:
        reason = CodeCheckReason.MALFORMED
    else:
        disclosure = (
            selectors.disclosures_visible_to(establishment=establishment)
            .filter(referral__code=parsed)
            .first()
        )
        referral = (
            ReferralLetter.objects.select_related("consultation__office", "posting")
            .filter(code=parsed)
            .first()
        )
        if disclosure is not None:
            reason = CodeCheckReason.MATCH
        elif referral is None:
            reason = CodeCheckReason.UNKNOWN
        else:
            reason = _mismatch_reason(referral, establishment, now)

    alert = None
    if reason != CodeCheckReason.MATCH:
        alert = _raise_alert(
            kind=AlertKind.CODE_MISMATCH,
            office=referral.consultation.office if referral is not None else establishment.office,
            actor=member.user,
            referral=referral,
            detail={
                "reason": str(reason),
                "establishment_id": establishment.pk,
                "member_id": member.pk,
                "referral_id": referral.pk if referral is not None else None,
                # A well-formed code is a random string, not personal data; what was typed
                # when it was malformed could be anything, and is not kept.
                "code": parsed if referral is None else None,
            },
        )
    check = CodeCheck.objects.create(
        member=member,
        establishment=establishment,
        checked_at=now,
        reason=reason,
        referral=referral,
        disclosure=disclosure,
        alert=alert,
    )
    audit.record(
        "code_check.performed",
        actor=member.user,
        target=check,
        detail={
            "reason": str(reason),
            "referral_id": referral.pk if referral is not None else None,
            "disclosure_id": disclosure.pk if disclosure is not None else None,
            "alert_id": alert.pk if alert is not None else None,
        },
    )
    if disclosure is not None:
        return CodeCheckAnswer(
            ok=True,
            disclosure=disclosure,
            message=_("この紹介コードは、貴事業所に紹介された応募者のものです。"),
        )
    return CodeCheckAnswer(ok=False, disclosure=None, message=code_not_registered_message())


@transaction.atomic
def misdelivery_report(
    *, disclosure: Disclosure, member: EmployerMember, note: str
) -> MisdeliveryReport:
    """Rule 9: "この応募者に心当たりがない". Raises a `misdelivery_report` alert at the office
    that issued the referral, in this transaction. One report per applicant."""
    disclosure = _locked_visible_disclosure(disclosure, member)
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {"note": _("状況は%(max)d文字以内で入力してください。") % {"max": NOTE_MAX_LENGTH}}
        )
    if MisdeliveryReport.objects.filter(disclosure=disclosure).exists():
        raise ValidationError(
            _("この応募者については既に報告済みです。ハローワークからの連絡をお待ちください。")
        )
    referral = disclosure.referral
    alert = _raise_alert(
        kind=AlertKind.MISDELIVERY_REPORT,
        office=referral.consultation.office,
        actor=member.user,
        referral=referral,
        detail={
            "disclosure_id": disclosure.pk,
            "establishment_id": disclosure.establishment_id,
            "member_id": member.pk,
        },
    )
    report = MisdeliveryReport.objects.create(
        disclosure=disclosure, member=member, note=note, reported_at=timezone.now(), alert=alert
    )
    audit.record(
        "misdelivery.reported",
        actor=member.user,
        target=report,
        detail={"disclosure_id": disclosure.pk, "referral_id": referral.pk, "alert_id": alert.pk},
    )
    return report


def _arrival_email(to: str) -> EmailMessage:
    """The arrival notice: that an applicant arrived and where to log in, nothing else."""
    login_url = settings.SITE_URL.rstrip("/") + reverse("employer_login")
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("【ハローワーク】求人者マイページに新しい応募者の紹介があります")
        body = render_to_string("referrals/email/new_applicant.txt", {"login_url": login_url})
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [to])


def checked_members(
    *, disclosure: Disclosure, members: Iterable[EmployerMember]
) -> list[EmployerMember]:
    """Every message about an applicant goes only to members of the establishment it was
    disclosed to: checked against each recipient right before it leaves (DESIGN.md
    section 1, the attachment built for one employer and sent to six others)."""
    chosen = list(members)
    for member in chosen:
        if member.establishment_id != disclosure.establishment_id:
            raise PermissionDenied(
                f"member {member.pk} is not of establishment {disclosure.establishment_id}"
            )
    return chosen


def employer_notifications_send(*, limit: int = 100) -> int:
    """Tells each active member of an establishment, by one e-mail each, that an applicant
    has become visible. Idempotent: each disclosure is taken under a row lock (skipped when
    another worker holds it, on PostgreSQL), its mail sent and `notified_at` set in one
    transaction, so nothing goes out twice; a recalled disclosure never becomes visible
    and so never sends anything. A failing mail server rolls the disclosure back for the
    next run. Returns how many disclosures were notified."""
    notified = 0
    while notified < limit:
        with transaction.atomic():
            disclosure = (
                selectors.disclosures_due_for_notification()
                .select_for_update(skip_locked=True, of=("self",))
                .first()
            )
            if disclosure is None:
                break
            members = list(
                EmployerMember.objects.filter(
                    establishment_id=disclosure.establishment_id, user__is_active=True
                )
                .exclude(user__email="")
                .select_related("user")
                .order_by("pk")
            )
            members = checked_members(disclosure=disclosure, members=members)
            messages = [_arrival_email(member.user.email) for member in members]
            if messages:
                mailers.default.send_messages(messages)
            disclosure.notified_at = timezone.now()
            disclosure.save(update_fields=["notified_at"])
            audit.record(
                "disclosure.notified",
                actor=None,
                target=disclosure,
                detail={"member_ids": [member.pk for member in members]},
            )
        logger.info("disclosure %s: arrival notice sent to %d members", disclosure.pk, len(members))
        notified += 1
    return notified
