"""The counter: views of personal data, consultations, the seeker's decisions and
referral letters from draft to issue or void (DESIGN.md rules 1 to 7)."""

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hellowork import audit
from hellowork.identifiers import POSTING_NUMBER, normalize
from hellowork.models import (
    JobPosting,
    JobSeeker,
    StaffMember,
)
from referrals import codes
from referrals.models import (
    AlertKind,
    ApprovalReason,
    Confirmation,
    ConfirmationMethod,
    Consultation,
    Decision,
    Disclosure,
    PostingInterest,
    ReferralLetter,
    ReferralStatus,
)
from referrals.services._shared import (
    _locked_consultation,
    _locked_referral,
    _raise_alert,
    _require_active_staff,
    _require_checker,
    _require_office,
)

RETRACT_REORDER_WINDOW = datetime.timedelta(minutes=30)
ACTIVE_STATUSES = (ReferralStatus.DRAFT, ReferralStatus.PENDING_APPROVAL, ReferralStatus.ISSUED)


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
