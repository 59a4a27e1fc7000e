"""Retraction after exposure (DESIGN.md rule 8): requested by staff of the office,
approved by a supervisor who is neither the requester nor the maker; the approval erases
the personal data the employer was sent and opens the incident."""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hellowork import audit
from hellowork.models import (
    StaffMember,
)
from referrals import lifecycle, selectors
from referrals.lifecycle import Action, Phase
from referrals.models import (
    Disclosure,
    Incident,
    IncidentTask,
    IncidentTaskKind,
    MisdeliveryReport,
    ReferralLetter,
    RetractionRequest,
    RetractionStatus,
)
from referrals.services import containment
from referrals.services._shared import (
    ERASED_SNAPSHOT_FIELDS,
    _locked_referral,
    _require_office,
    erase_snapshot,
)

# -- retraction after exposure (rule 8) -----------------------------------------------

RETRACTION_REASON_MAX_LENGTH = 1000


def _require_retraction_checker(
    supervisor: StaffMember, referral: ReferralLetter, request: RetractionRequest
) -> None:
    """A supervisor or manager of the referral's office who neither asked for the
    retraction nor had a hand in the referral (`containment.referral_makers`: drafted,
    submitted, held the consultation, recorded the "apply", worked the desk, stated or
    approved it): nobody checks their own work, either way."""
    _require_office(supervisor, referral.consultation.office_id)
    why_not = lifecycle.why_not_checker(supervisor, lambda: containment.referral_makers(referral))
    if why_not is lifecycle.NotChecker.NOT_SUPERVISOR:
        raise PermissionDenied(_("撤回を承認できるのは統括官または所長です。"))
    if supervisor.pk == request.requested_by_id:
        raise PermissionDenied(
            _("自分が依頼した撤回は承認できません。別の統括官に依頼してください。")
        )
    if why_not is lifecycle.NotChecker.OWN_WORK:
        raise PermissionDenied(
            _("自分が作成・確認した紹介の撤回は判断できません。別の統括官に依頼してください。")
        )


def retraction_checker_refusal(supervisor: StaffMember, request: RetractionRequest) -> str:
    """Why this supervisor may not decide this retraction request, for the screens to say
    before anything is pressed; "" when they may.

    Refuses:
        PermissionDenied:
            - "Only a supervisor or a manager can approve a retraction."
            - "You cannot approve a retraction you requested. Ask another supervisor."
            - "You cannot decide on the retraction of a referral you made or checked. Ask another
              supervisor."
            - "You cannot change another office’s records."
            - "Only staff can do this."
    """
    try:
        _require_retraction_checker(supervisor, request.referral, request)
    except PermissionDenied as refusal:
        return str(refusal)
    return ""


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
    the disclosure instead and no incident arises.

    Refuses:
        non-field:
            - "This referral has not been sent to the employer my page. Void the referral letter
              instead of retracting it."
            - "It is not shown on the employer my page yet. Use “Void the referral letter” instead
              of a retraction, and it never reaches the employer."
            - "A retraction of this referral has already been requested. Wait for supervisor
              approval."
            - "This referral letter is “%(status)s”, so it cannot be retracted."
        `reason`:
            - "Enter the reason for the retraction."
            - "Enter the reason for the retraction in %(max)d characters or fewer."
        PermissionDenied:
            - "You cannot change another office’s records."
            - "Only staff can do this."
    """
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
    lifecycle.require_transition(referral, Action.RETRACT)
    disclosure = Disclosure.objects.select_for_update().filter(referral=referral).first()
    if disclosure is None:
        raise ValidationError(
            _(
                "この紹介は求人者マイページに送られていません。撤回ではなく、紹介状の取消を"
                "行ってください。"
            )
        )
    if lifecycle.disclosure_phase(disclosure, timezone.now()) is Phase.IN_HOLD:
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
    disclosure.retracted_at = now
    erased = erase_snapshot(disclosure, now)
    audit.record(
        "disclosure.retracted",
        actor=actor.user,
        target=disclosure,
        detail={"referral_id": disclosure.referral_id, "erased": ERASED_SNAPSHOT_FIELDS, **erased},
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
    """What a disclosure showed the employer: the report's 漏えいした個人データの項目. Written
    in Japanese whoever approves: the report is the office's record, filed in Japanese.

    Refuses: nothing.
    """
    with translation.override(settings.LANGUAGE_CODE):
        return _(
            "求職者の氏名、氏名（カナ）、年齢（紹介日現在）。あわせて、求人番号、職種、紹介日、"
            "紹介コード（紹介状の記載事項）。生年月日、住所、電話番号は含まれない。"
        )


@transaction.atomic
def retraction_approve(*, referral: ReferralLetter, supervisor: StaffMember) -> Incident:
    """Rule 8, second half, in one transaction: the disclosure's personal data is erased
    (and what the employer wrote about the applicant), the employer's my page shows a
    notice without personal data instead, the referral becomes `retracted` (its code stays
    reserved), and the incident opens with its tasks.

    Refuses:
        non-field:
            - "This referral letter is “%(status)s”, so it cannot be retracted."
            - "This referral has no retraction request awaiting approval."
        PermissionDenied:
            - "Only a supervisor or a manager can approve a retraction."
            - "You cannot approve a retraction you requested. Ask another supervisor."
            - "You cannot decide on the retraction of a referral you made or checked. Ask another
              supervisor."
            - "You cannot change another office’s records."
            - "Only staff can do this."
    """
    referral = _locked_referral(referral)
    request = _pending_retraction(referral)
    _require_retraction_checker(supervisor, referral, request)
    to = lifecycle.require_transition(referral, Action.RETRACT_APPROVE)
    disclosure = Disclosure.objects.select_for_update().get(referral=referral)
    now = timezone.now()
    request.status = RetractionStatus.APPROVED
    request.decided_by = supervisor
    request.decided_at = now
    request.save(update_fields=["status", "decided_by", "decided_at"])
    referral.status = to
    referral.save(update_fields=["status"])
    audit.record(
        "referral.retracted",
        actor=supervisor.user,
        target=referral,
        detail={"request_id": request.pk, "disclosure_id": disclosure.pk, "code": referral.code},
    )
    _erase_disclosure(disclosure, now, supervisor)
    # An employer's report that caused this is decided by it; its alert closes itself.
    containment.misdelivery_retracted(
        disclosure=disclosure,
        supervisor=supervisor,
        reports=MisdeliveryReport.objects.select_for_update().filter(disclosure=disclosure),
    )
    return _incident_open(
        referral=referral, request=request, disclosure=disclosure, supervisor=supervisor, now=now
    )


@transaction.atomic
def retraction_reject(
    *, referral: ReferralLetter, supervisor: StaffMember, reason: str
) -> RetractionRequest:
    """The supervisor finds the referral right after all: it stays visible, with the reason.

    Refuses:
        non-field:
            - "This referral has no retraction request awaiting approval."
        `reason`:
            - "Enter the reason for rejecting."
            - "Enter the reason for rejecting in %(max)d characters or fewer."
        PermissionDenied:
            - "Only a supervisor or a manager can approve a retraction."
            - "You cannot approve a retraction you requested. Ask another supervisor."
            - "You cannot decide on the retraction of a referral you made or checked. Ask another
              supervisor."
            - "You cannot change another office’s records."
            - "Only staff can do this."
    """
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
