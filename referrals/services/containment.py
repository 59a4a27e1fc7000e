"""Containment (DESIGN.md rules 11 and 12): the supervisor's decision on an applicant an
employer reported and the establishment no longer sees, the e-mail that calls every
supervisor of the office to a critical alert, and alerts that close themselves when what
they point at is settled."""

import datetime
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hellowork import audit
from hellowork.models import AuditEvent, StaffMember, StaffRole
from referrals import lifecycle
from referrals.lifecycle import Phase
from referrals.models import (
    Alert,
    AlertKind,
    AlertSettlement,
    AlertSeverity,
    Confirmation,
    Consultation,
    Disclosure,
    MisdeliveryDecision,
    MisdeliveryReport,
    PostingInterest,
    ReferralLetter,
    ReferralStatus,
    RetractionRequest,
    RetractionStatus,
)
from referrals.services import registry
from referrals.services._shared import _locked_referral, _require_office

logger = logging.getLogger(__name__)
NOTE_MAX_LENGTH = 1000

# What settles which alerts of a referral (rule 12): the kinds each outcome closes.
SETTLES = {
    AlertSettlement.RETRACTED: [
        AlertKind.MISDELIVERY_REPORT,
        AlertKind.PROTECTED_DISCLOSURE,
        AlertKind.REGISTRY_CHANGED,
    ],
    AlertSettlement.RESTORED: [AlertKind.MISDELIVERY_REPORT],
    AlertSettlement.APPROVED: [
        AlertKind.REFERRAL_LOCKED,
        AlertKind.RETRACT_REORDER,
        AlertKind.REGISTRY_CHANGED,
    ],
    AlertSettlement.VOIDED: [
        AlertKind.REFERRAL_LOCKED,
        AlertKind.RETRACT_REORDER,
        AlertKind.PROTECTED_DISCLOSURE,
        AlertKind.REGISTRY_CHANGED,
    ],
}


def alerts_settle(*, referral: ReferralLetter, how: AlertSettlement, by: StaffMember) -> list[int]:
    """Rule 12: closes the referral's open alerts that `how` settles (SETTLES), as resolved
    by `by`, with what settled them (`settled_by`); the alert page links to it. Call inside
    the transaction of what settled them. Returns the ids closed.

    Refuses: nothing.
    """
    now = timezone.now()
    closed = []
    with translation.override(settings.LANGUAGE_CODE):
        note = _("自動で解決: %(how)s") % {"how": AlertSettlement(how).label}
    for alert in Alert.objects.select_for_update().filter(
        referral=referral, kind__in=SETTLES[how], resolved_at__isnull=True
    ):
        if alert.acknowledged_at is None:
            alert.acknowledged_at, alert.acknowledged_by = now, by
        alert.resolved_at, alert.resolved_by = now, by
        alert.resolution_note = note
        alert.settled_by = how
        alert.save(
            update_fields=[
                "acknowledged_at",
                "acknowledged_by",
                "resolved_at",
                "resolved_by",
                "resolution_note",
                "settled_by",
            ]
        )
        audit.record(
            "alert.settled",
            actor=by.user,
            target=alert,
            detail={"kind": alert.kind, "by": str(how), "referral_id": referral.pk},
        )
        closed.append(alert.pk)
    return closed


# -- the supervisors' e-mail for a critical alert (rule 11) ----------------------------------


def supervisors_of(office_id: int) -> list[StaffMember]:
    """Every active supervisor and manager of the office with an address.

    Refuses: nothing.
    """
    return list(
        StaffMember.objects.filter(
            office_id=office_id,
            role__in=[StaffRole.SUPERVISOR, StaffRole.MANAGER],
            user__is_active=True,
            user__kind="staff",
        )
        .exclude(user__email="")
        .select_related("user")
        .order_by("pk")
    )


def alert_notify_supervisors(*, alert_id: int) -> bool:
    """Rule 11: one e-mail to every supervisor and manager of the alert's office that a
    critical alert waits (its kind and a link, never a person or an establishment), then
    `notified_at`, in one transaction. Called on the commit of the transaction that raised
    the alert, and by the worker for any still unsent (a mail server that was down); a
    failure is logged and left for the worker. True when it was sent now.

    Refuses: nothing.
    """
    try:
        with transaction.atomic():
            alert = (
                Alert.objects.select_for_update()
                .select_related("office")
                .filter(
                    pk=alert_id,
                    severity=AlertSeverity.CRITICAL,
                    notified_at__isnull=True,
                    resolved_at__isnull=True,  # decided before the mail server came back
                )
                .first()
            )
            if alert is None:
                return False
            recipients = supervisors_of(alert.office_id)
            with translation.override(settings.LANGUAGE_CODE):
                subject = _("【ハローワーク】至急: 重大なアラートがあります（%(office)s）") % {
                    "office": alert.office.name
                }
                body = render_to_string(
                    "referrals/email/critical_alert.txt",
                    {
                        "office_name": alert.office.name,
                        "kind": alert.get_kind_display(),
                        "hidden_on_report": alert.kind == AlertKind.MISDELIVERY_REPORT,
                        "created_at": timezone.localtime(alert.created_at),
                        "url": settings.SITE_URL + reverse("alert_detail", args=[alert.pk]),
                    },
                )
            messages = [
                EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [person.user.email])
                for person in recipients
            ]
            if messages:
                mailers.default.send_messages(messages)
            else:
                logger.warning(
                    "office %s: no supervisor to tell of alert %s", alert.office_id, alert.pk
                )
            alert.notified_at = timezone.now()
            alert.save(update_fields=["notified_at"])
            audit.record(
                "alert.supervisors_notified",
                actor=None,
                target=alert,
                detail={"kind": alert.kind, "recipient_ids": [p.pk for p in recipients]},
            )
            return True
    except Exception:  # the mail server, whatever it raised: the worker tries again
        logger.exception("alert %s: the supervisors' e-mail failed; the worker retries", alert_id)
        return False


def alerts_notify_unsent(*, older_than_seconds: int = 60) -> int:
    """The worker's retry (escalate_overdue): critical alerts whose supervisors' e-mail has
    not gone out a minute after they were raised. Returns how many were sent.

    Refuses: nothing.
    """
    since = timezone.now() - datetime.timedelta(seconds=older_than_seconds)
    ids = Alert.objects.filter(
        severity=AlertSeverity.CRITICAL,
        notified_at__isnull=True,
        resolved_at__isnull=True,
        created_at__lte=since,
    ).values_list("pk", flat=True)
    return sum(alert_notify_supervisors(alert_id=pk) for pk in list(ids))


# -- the decision on a misdelivery report (rule 11) ------------------------------------------


# What a staff member did to a referral that makes them one of its makers (rule 4 and 11).
HANDS = [
    "referral.drafted",
    "referral.submitted",
    "referral.confirmed",
    "referral.approved",
    "referral.statement_matched",
]


def referral_makers(referral: ReferralLetter) -> set[int]:
    """The StaffMember ids of everyone whose hands made this referral, none of whom may
    clear it on a report or decide its retraction (rules 4, 8 and 11): who drafted and
    submitted it, held its consultation, recorded the seeker's "apply", worked the desk at
    its confirmation, stated or approved it. Read from the rows and from the audit trail,
    so a merge (which moves a referral to another consultation and folds twin interests)
    or a send-back (which clears `submitted_by`) forgets nobody.

    Refuses: nothing.
    """
    chain, frontier = [referral.consultation_id], [referral.consultation_id]
    while frontier:  # the consultations merged into this one, however deep
        frontier = list(
            Consultation.objects.filter(merged_into_id__in=frontier).values_list("pk", flat=True)
        )
        chain += frontier
    holders = Consultation.objects.filter(pk__in=chain).values_list("staff_id", flat=True)
    recorders = PostingInterest.objects.filter(
        consultation_id__in=chain, posting_id=referral.posting_id
    ).values_list("recorded_by_id", flat=True)
    actors = AuditEvent.objects.filter(
        Q(
            action__in=HANDS,
            target_type=ReferralLetter._meta.label_lower,
            target_id=str(referral.pk),
        )
        | Q(
            action="interest.recorded",
            detail__consultation_id__in=chain,
            detail__posting_number=referral.posting.number,
        )
        | Q(
            action="consultation.opened",
            target_type=Consultation._meta.label_lower,
            target_id__in=[str(pk) for pk in chain],
        )
    ).values_list("actor_id", flat=True)
    ids = {referral.drafted_by_id, referral.submitted_by_id, *holders, *recorders}
    ids.update(StaffMember.objects.filter(user_id__in=actors).values_list("pk", flat=True))
    confirmation = Confirmation.objects.filter(referral_id=referral.pk).first()
    if confirmation is not None:
        ids.update(
            [confirmation.maker_id, confirmation.operator_id, confirmation.confirmer_staff_id]
        )
    return {pk for pk in ids if pk is not None}


def restore_refusal(supervisor: StaffMember, report: MisdeliveryReport) -> str | None:
    """Why this person may not restore the reported applicant now, said on the alert's page
    before anything is typed, or None. Only a supervisor or manager who had no hand in the
    referral (`referral_makers`); and not while a retraction of it waits for its second
    supervisor: that two-person decision comes first (rejecting it leaves the restore).

    Refuses: nothing.
    """
    referral = report.disclosure.referral
    why_not = lifecycle.why_not_checker(supervisor, lambda: referral_makers(referral))
    if why_not is lifecycle.NotChecker.NOT_SUPERVISOR:
        return _("判断できるのは統括官または所長です。")
    if why_not is lifecycle.NotChecker.OWN_WORK:
        return _("自分が作成・確認した紹介の申告は判断できません。別の統括官に依頼してください。")
    if RetractionRequest.objects.filter(
        referral_id=referral.pk, status=RetractionStatus.PENDING
    ).exists():
        return _(
            "この紹介には撤回の依頼が出ていて、承認を待っています。再表示するには、"
            "先に撤回の依頼を却下してください。"
        )
    return None


@transaction.atomic
def misdelivery_restore(
    *, disclosure: Disclosure, supervisor: StaffMember, note: str
) -> MisdeliveryReport:
    """Rule 11: the employer's report was a mistake (the referral was right): the applicant
    is shown to the establishment again, the report is decided "restored" with the reason
    (`note`, required), the alert closes itself, and the establishment is told (a notice on
    the my page now, an e-mail by the worker). Locks the referral first, then the
    disclosure and the report (the order `retraction_approve` takes). Refused: not a
    supervisor or manager of the issuing office, anyone who had a hand in the referral, or
    a retraction waiting for approval (PermissionDenied); no undecided report, or an
    applicant no longer hidden on it (retracted, erased) (ValidationError).

    Refuses:
        non-field:
            - "The employer has not reported this applicant."
            - "This report has already been decided (%(decision)s)."
            - "This applicant has been retracted or erased and cannot be shown again."
            - "This job seeker is protected and cannot be referred to this establishment, whoever
              tries. Ask a supervisor for details."
        `note`:
            - "Enter why the applicant may be shown again."
            - "Enter the reason in %(max)d characters or fewer."
        PermissionDenied:
            - who may not handle it (the maker of the referral, a clerk: see the `*_refusal` helper)
            - "You cannot change another office’s records."
            - "Only staff can do this."
    """
    referral_id = Disclosure.objects.filter(pk=disclosure.pk).values_list("referral_id", flat=True)
    referral = _locked_referral(ReferralLetter(pk=referral_id.get()))
    disclosure = Disclosure.objects.select_for_update(of=("self",)).get(pk=disclosure.pk)
    disclosure.referral = referral
    report = (
        MisdeliveryReport.objects.select_for_update(of=("self",))
        .filter(disclosure=disclosure)
        .first()
    )
    if report is None:
        raise ValidationError(_("この応募者について求人者からの申告はありません。"))
    report.disclosure = disclosure
    _require_office(supervisor, referral.consultation.office_id)
    refusal = restore_refusal(supervisor, report)
    if refusal:
        raise PermissionDenied(refusal)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("再表示してよいと判断した理由を入力してください。")})
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {"note": _("理由は%(max)d文字以内で入力してください。") % {"max": NOTE_MAX_LENGTH}}
        )
    if report.decision:
        raise ValidationError(
            _("この申告は既に判断されています（%(decision)s）。")
            % {"decision": report.get_decision_display()}
        )
    if (
        lifecycle.disclosure_phase(disclosure, timezone.now()) is not Phase.QUARANTINED
        or referral.status != ReferralStatus.ISSUED
    ):
        raise ValidationError(_("この応募者は撤回または消去されているため、再表示できません。"))
    # Rule 13: a seeker protected since against this establishment is never shown to it again.
    registry.require_not_excluded(
        seeker_id=referral.consultation.seeker_id, establishment_id=disclosure.establishment_id
    )
    now = timezone.now()
    report.decision = MisdeliveryDecision.RESTORED
    report.decided_at, report.decided_by, report.decision_note = now, supervisor, note
    report.save(update_fields=["decision", "decided_at", "decided_by", "decision_note"])
    disclosure.quarantined_at = None
    disclosure.save(update_fields=["quarantined_at"])
    audit.record(
        "misdelivery.restored",
        actor=supervisor.user,
        target=report,
        detail={"disclosure_id": disclosure.pk, "referral_id": referral.pk},
    )
    alerts_settle(referral=referral, how=AlertSettlement.RESTORED, by=supervisor)
    return report


def misdelivery_retracted(
    *, disclosure: Disclosure, supervisor: StaffMember, reports: Iterable[MisdeliveryReport]
) -> None:
    """The retraction path (rule 8) decided the reports on this disclosure: "retracted", and
    their alerts close themselves. Called inside `retraction_approve`.

    Refuses: nothing.
    """
    now = timezone.now()
    for report in reports:
        if report.decision:
            continue
        report.decision = MisdeliveryDecision.RETRACTED
        report.decided_at, report.decided_by = now, supervisor
        report.save(update_fields=["decision", "decided_at", "decided_by"])
    alerts_settle(referral=disclosure.referral, how=AlertSettlement.RETRACTED, by=supervisor)
