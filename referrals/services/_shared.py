"""What every service of this package shares: who may act, on which office's or
establishment's records, with which rows locked, and how an employer's copy is erased."""

import datetime
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hellowork import audit
from hellowork.models import (
    EmployerMember,
    Office,
    StaffMember,
    User,
)
from referrals import lifecycle, selectors
from referrals.models import (
    ALERT_SEVERITY,
    Alert,
    AlertKind,
    AlertSeverity,
    ApprovalStatement,
    Consultation,
    Disclosure,
    MisdeliveryReport,
    PostingInterest,
    ReferralLetter,
    SelectionResult,
)

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


def _require_checker(
    supervisor: StaffMember, referral: ReferralLetter, *, stating: bool = True
) -> None:
    """Rule 4: a supervisor or manager of the referral's office who neither made the record
    being checked (drafted or submitted the letter, held the consultation, recorded the
    seeker's "apply") nor read it: a statement from someone who opened a page of the clerk's
    record of this choice (selectors.records_read_by) would come from that record, not from
    the seeker (the audit trail says who did); nor one whose statement on it was already
    wrong. Sending a letter back (`stating` False) needs
    no statement, so reading the record does not bar it."""
    _require_office(supervisor, referral.consultation.office_id)
    why_not = lifecycle.why_not_checker(supervisor, lambda: _record_makers(referral))
    if why_not is lifecycle.NotChecker.NOT_SUPERVISOR:
        raise PermissionDenied(_("承認できるのは統括官または所長です。"))
    if why_not is lifecycle.NotChecker.OWN_WORK:
        raise PermissionDenied(
            _("自分が作成・記録した紹介は承認できません。別の統括官に依頼してください。")
        )
    if not stating:
        return
    if ApprovalStatement.objects.filter(
        referral_id=referral.pk,
        supervisor_id=supervisor.pk,
        matched=False,
        stated_at__gte=referral.submitted_at or referral.created_at,
    ).exists():
        # One wrong statement each: otherwise a supervisor could try every posting the
        # search lists until one matched, and learn the draft without hearing the seeker.
        raise PermissionDenied(
            _(
                "この紹介の照合は一度一致しませんでした。求職者に確かめて別の統括官に依頼するか、"
                "差し戻してください。"
            )
        )
    if referral.pk in selectors.records_read_by(staff=supervisor, referrals=[referral]):
        raise PermissionDenied(
            _(
                "この紹介の相談か紹介状の画面（職員の記録）を開いたため、照合はできません。"
                "別の統括官に依頼してください。"
            )
        )


def _record_makers(referral: ReferralLetter) -> list[int | None]:
    """Who made the record a statement is checked against (rule 4): drafted or submitted
    the letter, held its consultation, recorded the seeker's "apply". Narrower than
    `containment.referral_makers`, which adds who confirmed or stated it: the approving
    supervisor's own matching statement must not bar the approval."""
    recorders = PostingInterest.objects.filter(
        consultation_id=referral.consultation_id, posting_id=referral.posting_id
    ).values_list("recorded_by_id", flat=True)
    return [
        referral.drafted_by_id,
        referral.submitted_by_id,
        referral.consultation.staff_id,
        *recorders,
    ]


def checker_refusal(
    supervisor: StaffMember, referral: ReferralLetter, *, stating: bool = True
) -> str:
    """Why this supervisor may not state this referral (rule 4), or with `stating` False
    may not even send it back, for the screens to say before anything is typed; "" when
    they may."""
    try:
        _require_checker(supervisor, referral, stating=stating)
    except PermissionDenied as refusal:
        return str(refusal)
    return ""


# -- locking reads ---------------------------------------------------------------------


def _locked_consultation(consultation: Consultation) -> Consultation:
    return (
        Consultation.objects.select_for_update(of=("self",))
        .select_related("seeker", "office")
        .get(pk=consultation.pk)
    )


def _locked_referral(referral: ReferralLetter, *, with_consultation: bool = True) -> ReferralLetter:
    related = ["posting__establishment", "drafted_by"]
    if with_consultation:
        related += ["consultation__seeker", "consultation__office"]
    return (
        ReferralLetter.objects.select_for_update(of=("self",))
        .select_related(*related)
        .get(pk=referral.pk)
    )


def _locked_referral_and_consultation(referral: ReferralLetter) -> ReferralLetter:
    """The referral and its consultation, both locked, the consultation first (the order
    every consultation-then-referral writer such as the merge takes: no deadlock). The
    returned referral's `.consultation` is the locked row."""
    # The consultation the caller's copy names (read again only for a bare referral): if a
    # merge moved the referral since, the check below locks the new one (issue 18).
    consultation_id = referral.consultation_id or (
        ReferralLetter.objects.filter(pk=referral.pk)
        .values_list("consultation_id", flat=True)
        .get()
    )
    consultation = _locked_consultation(Consultation(pk=consultation_id))
    # Its consultation is the row just locked: not joined again (issue 18).
    locked = _locked_referral(referral, with_consultation=False)
    if locked.consultation_id != consultation.pk:  # merged meanwhile: the merge has committed
        consultation = _locked_consultation(Consultation(pk=locked.consultation_id))
    locked.consultation = consultation
    return locked


def _raise_alert(
    *,
    kind: str,
    office: Office,
    actor: User | None,
    referral: ReferralLetter | None = None,
    staff: StaffMember | None = None,
    detail: dict[str, Any] | None = None,
) -> Alert:
    alert = Alert.objects.create(
        office=office,
        kind=kind,
        severity=ALERT_SEVERITY[AlertKind(kind)],
        referral=referral,
        staff=staff,
        created_at=timezone.now(),
        detail=detail or {},
    )
    audit.record(
        "alert.raised",
        actor=actor,
        target=alert,
        detail={"kind": kind, "severity": alert.severity, **(detail or {})},
    )
    if alert.severity == AlertSeverity.CRITICAL:
        # Rule 11: every supervisor of the office, as soon as this commits (the worker
        # retries what a mail server that is down refused).
        transaction.on_commit(partial(_notify_supervisors, alert.pk))
    return alert


def _notify_supervisors(alert_id: int) -> None:
    from referrals.services import containment  # it imports this module

    containment.alert_notify_supervisors(alert_id=alert_id)


# -- employers --------------------------------------------------------------------------


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


# -- erasing what an employer was shown -----------------------------------------------------

ERASED_SNAPSHOT_FIELDS = ["seeker_name", "seeker_kana", "seeker_age"]


def erase_snapshot(disclosure: Disclosure, now: datetime.datetime) -> dict[str, list[int]]:
    """Empties the snapshot's personal fields (the posting, the date and the code stay) and
    what the employer wrote about the applicant; saves the disclosure with whatever else the
    caller set on it (retracted_at or erased_at). Returns the ids of the rows it emptied."""
    disclosure.seeker_name = ""
    disclosure.seeker_kana = ""
    disclosure.seeker_age = None
    disclosure.save(update_fields=[*ERASED_SNAPSHOT_FIELDS, "retracted_at", "erased_at"])
    result_ids = list(
        SelectionResult.objects.select_for_update()
        .filter(referral_id=disclosure.referral_id)
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
    return {"selection_result_ids": result_ids, "misdelivery_report_ids": report_ids}
