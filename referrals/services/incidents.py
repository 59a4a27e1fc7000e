"""Every write after something went wrong anyway (DESIGN.md rules 8 and 9): the employer's
acknowledgement of a retraction, the incident's tasks, report and closing, handling alerts,
the escalation of whatever is left too long, and the monthly self-inspection.

The same contract as referrals.services: keyword-only arguments, one transaction, a lock
on what changes, the caller's role and office checked here, ValidationError or
PermissionDenied with a message the user understands, and AuditEvents with ids, never
names. The retraction itself (`referral_retract`, `retraction_approve`) is in
referrals.services, which opens the incident.
"""

import datetime
import logging
from collections.abc import Iterable, Mapping
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
from hellowork import services as registry_services
from hellowork.models import EmployerMember, Office, StaffMember, StaffRole, User
from hellowork.worker import drain
from referrals import lifecycle, selectors
from referrals.models import (
    Alert,
    AlertKind,
    AlertSeverity,
    ContactMethod,
    Disclosure,
    Incident,
    IncidentTask,
    IncidentTaskKind,
    MisdeliveryReport,
    RetractionRequest,
    RetractionStatus,
    SelfInspection,
    SelfInspectionAnswer,
    SelfInspectionItem,
)
from referrals.services import containment
from referrals.services._shared import _require_active_staff, _require_office, _require_own
from referrals.services.results import NOTE_MAX_LENGTH

logger = logging.getLogger(__name__)

REPORT_TEXT_MAX_LENGTH = 4000

# How each task may be done: the seeker is told in person, by phone, on a visit or by
# letter; the establishment is apologised to by phone, visit or letter; the bureau gets a
# document or an e-mail.
TASK_METHODS: dict[str, list[str]] = {
    IncidentTaskKind.TELL_SEEKER: [
        ContactMethod.PHONE,
        ContactMethod.VISIT,
        ContactMethod.COUNTER,
        ContactMethod.DOCUMENT,
    ],
    IncidentTaskKind.APOLOGISE: [ContactMethod.PHONE, ContactMethod.VISIT, ContactMethod.DOCUMENT],
    IncidentTaskKind.REPORT_PRELIMINARY: [ContactMethod.DOCUMENT, ContactMethod.EMAIL],
    IncidentTaskKind.REPORT_FINAL: [ContactMethod.DOCUMENT, ContactMethod.EMAIL],
}


def _require_handler(staff: StaffMember, office_id: int) -> None:
    """Incidents and alerts are handled by a supervisor or manager of their office."""
    _require_office(staff, office_id)
    if not staff.can_approve:
        raise PermissionDenied(_("この操作は統括官または所長だけが行えます。"))


def alert_handle_refusal(staff: StaffMember, alert: Alert) -> str:
    """Why this supervisor may not acknowledge or resolve this alert, for the alert's page
    to say before anything is pressed; "" when they may. Nobody closes an alert about
    their own work (rules 4 and 12): the referral it points at was in their hands
    (`containment.referral_makers`), or it names them (a clerk's repeated mismatches).

    Refuses: nothing.
    """
    if alert.staff_id is not None and alert.staff_id == staff.pk:
        return _("自分についてのアラートは確認・解決できません。別の統括官に依頼してください。")
    referral = alert.referral
    why_not = lifecycle.why_not_checker(
        staff, lambda: containment.referral_makers(referral) if referral is not None else ()
    )
    if why_not is lifecycle.NotChecker.NOT_SUPERVISOR:
        return _("この操作は統括官または所長だけが行えます。")
    if why_not is lifecycle.NotChecker.OWN_WORK:
        return _(
            "自分が作成・確認した紹介のアラートは確認・解決できません。別の統括官に依頼してください。"
        )
    return ""


def _require_alert_handler(staff: StaffMember, alert: Alert) -> None:
    _require_handler(staff, alert.office_id)
    refusal = alert_handle_refusal(staff, alert)
    if refusal:
        raise PermissionDenied(refusal)


def _format_date(day: datetime.date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


# -- the employer's acknowledgement --------------------------------------------------------


@transaction.atomic
def retraction_acknowledge(*, disclosure: Disclosure, member: EmployerMember) -> Incident:
    """A member of the establishment confirms, on the my page's notice, that no copy of the
    withdrawn applicant's data was kept. Recorded once (who, when) on the incident.

    Refuses:
        non-field:
            - "This applicant has not been withdrawn."
            - "You have already confirmed this notice."
        PermissionDenied:
            - "This is not an applicant of your establishment."
            - "Only employer my page users can do this."
    """
    locked = Disclosure.objects.select_for_update().get(pk=disclosure.pk)
    _require_own(member, locked)
    if locked.retracted_at is None:
        raise ValidationError(_("この応募者は撤回されていません。"))
    incident = Incident.objects.select_for_update().get(referral_id=locked.referral_id)
    if incident.employer_acknowledged_at is not None:
        raise ValidationError(_("この撤回のお知らせは、既に確認済みです。"))
    incident.employer_acknowledged_at = timezone.now()
    incident.employer_acknowledged_by = member
    incident.save(update_fields=["employer_acknowledged_at", "employer_acknowledged_by"])
    audit.record(
        "incident.employer_acknowledged",
        actor=member.user,
        target=incident,
        detail={"disclosure_id": locked.pk, "member_id": member.pk},
    )
    return incident


# -- the incident's tasks, report and closing -----------------------------------------------


def _locked_incident(incident: Incident) -> Incident:
    return Incident.objects.select_for_update().get(pk=incident.pk)


@transaction.atomic
def incident_task_complete(
    *,
    task: IncidentTask,
    supervisor: StaffMember,
    method: str,
    done_on: datetime.date | None,
    note: str = "",
) -> IncidentTask:
    """Records how, on which day and by whom a task was done (e.g. the seeker was told by
    phone on 4月11日 by the supervisor). Done once; a closed incident takes nothing.

    Refuses:
        non-field:
            - "This incident is closed."
            - "This task has already been recorded."
        `done_on`:
            - "Enter the date it was carried out."
            - "Enter the date it was carried out as a date."
            - "Enter a date between the day the incident was opened (%(first)s) and today."
        `method`:
            - "Choose one of these methods: “%(choices)s”."
            - "Record the preliminary report to the labour bureau before the final report."
        `note`:
            - "Enter notes of %(max)d characters or fewer."
        PermissionDenied:
            - "Only a supervisor or a manager can do this."
            - "You cannot change another office’s records."
            - "Only staff can do this."
    """
    locked = IncidentTask.objects.select_for_update().get(pk=task.pk)
    incident = _locked_incident(locked.incident)
    _require_handler(supervisor, incident.office_id)
    if incident.closed_at is not None:
        raise ValidationError(_("このインシデントは完了しています。"))
    if locked.done_at is not None:
        raise ValidationError(_("この対応は記録済みです。"))
    note = (note or "").strip()
    errors: dict[str, str] = {}
    allowed = TASK_METHODS[locked.kind]
    if method not in allowed:
        errors["method"] = _("方法を「%(choices)s」から選んでください。") % {
            "choices": _("」「").join(str(ContactMethod(value).label) for value in allowed)
        }
    opened_on = timezone.localdate(incident.opened_at)
    today = timezone.localdate()
    if done_on is None:
        errors["done_on"] = _("実施日を入力してください。")
    elif not isinstance(done_on, datetime.date) or isinstance(done_on, datetime.datetime):
        errors["done_on"] = _("実施日を日付で入力してください。")
    elif not opened_on <= done_on <= today:
        errors["done_on"] = _(
            "実施日は、インシデントの登録日（%(first)s）から今日までの日付を入力してください。"
        ) % {"first": _format_date(opened_on)}
    if len(note) > NOTE_MAX_LENGTH:
        errors["note"] = _("メモは%(max)d文字以内で入力してください。") % {"max": NOTE_MAX_LENGTH}
    if (
        locked.kind == IncidentTaskKind.REPORT_FINAL
        and IncidentTask.objects.filter(
            incident=incident, kind=IncidentTaskKind.REPORT_PRELIMINARY, done_at__isnull=True
        ).exists()
    ):
        errors.setdefault("method", _("確報の前に、速報（労働局への報告）を記録してください。"))
    if errors:
        raise ValidationError(errors)
    assert done_on is not None
    locked.done_at = timezone.now()
    locked.done_by = supervisor
    locked.done_on = done_on
    locked.method = method
    locked.note = note
    locked.save(update_fields=["done_at", "done_by", "done_on", "method", "note"])
    audit.record(
        "incident.task_done",
        actor=supervisor.user,
        target=incident,
        detail={
            "task_id": locked.pk,
            "kind": locked.kind,
            "method": method,
            "done_on": done_on.isoformat(),
            "late": locked.done_at > locked.due_at,
        },
    )
    return locked


@transaction.atomic
def incident_report_update(
    *,
    incident: Incident,
    supervisor: StaffMember,
    summary: str,
    data_items: str,
    people_count: int,
    cause: str,
    secondary_harm: str,
    response_to_people: str,
    publication: str,
    prevention: str,
) -> Incident:
    """The items of the leak report, as the supervisor writes them. Blank items may be
    saved while the facts come in; closing needs every one of them.

    Refuses:
        non-field:
            - "The report of a closed incident cannot be changed."
        `cause`:
            - "Enter %(max)d characters or fewer."
        `data_items`:
            - "Enter %(max)d characters or fewer."
        `people_count`:
            - "Enter the number of people affected as a whole number of 1 or more."
        `prevention`:
            - "Enter %(max)d characters or fewer."
        `publication`:
            - "Enter %(max)d characters or fewer."
        `response_to_people`:
            - "Enter %(max)d characters or fewer."
        `secondary_harm`:
            - "Enter %(max)d characters or fewer."
        `summary`:
            - "Enter %(max)d characters or fewer."
        PermissionDenied:
            - "Only a supervisor or a manager can do this."
            - "You cannot change another office’s records."
            - "Only staff can do this."
    """
    incident = _locked_incident(incident)
    _require_handler(supervisor, incident.office_id)
    if incident.closed_at is not None:
        raise ValidationError(_("完了したインシデントの報告は変更できません。"))
    texts = {
        "summary": summary,
        "data_items": data_items,
        "cause": cause,
        "secondary_harm": secondary_harm,
        "response_to_people": response_to_people,
        "publication": publication,
        "prevention": prevention,
    }
    errors: dict[str, str] = {}
    cleaned: dict[str, str | int] = {}
    for field, value in texts.items():
        value = (value or "").strip()
        if len(value) > REPORT_TEXT_MAX_LENGTH:
            errors[field] = _("%(max)d文字以内で入力してください。") % {
                "max": REPORT_TEXT_MAX_LENGTH
            }
        cleaned[field] = value
    if not isinstance(people_count, int) or isinstance(people_count, bool) or people_count < 1:
        errors["people_count"] = _("本人の数は1以上の整数で入力してください。")
    if errors:
        raise ValidationError(errors)
    cleaned["people_count"] = people_count
    changed = [name for name, new in cleaned.items() if getattr(incident, name) != new]
    for name, new in cleaned.items():
        setattr(incident, name, new)
    incident.save(update_fields=list(cleaned))
    audit.record(
        "incident.report_updated",
        actor=supervisor.user,
        target=incident,
        detail={"fields": changed},
    )
    return incident


def incident_report_view_record(*, incident: Incident, staff: StaffMember) -> None:
    """Rule 10: the printable report was shown (its free text may name people).

    Refuses:
        PermissionDenied:
            - "Only a supervisor or a manager can do this."
            - "You cannot change another office’s records."
            - "Only staff can do this."
    """
    _require_handler(staff, incident.office_id)
    audit.record_read("incident.report_viewed", actor=staff.user, target=incident)


def missing_report_items(incident: Incident) -> list[str]:
    """The report items still blank, by their labels.

    Refuses: nothing.
    """
    return [
        str(getattr(Incident._meta.get_field(field), "verbose_name", field))
        for field in Incident.REPORT_FIELDS
        if field != "people_count" and not str(getattr(incident, field)).strip()
    ]


@transaction.atomic
def incident_close(*, incident: Incident, supervisor: StaffMember) -> Incident:
    """Closes an incident whose every task is done and whose report is complete.

    Refuses:
        non-field:
            - "This incident has already been closed."
            - "Tasks not yet done: %(tasks)s"; "Report items not yet filled in: %(items)s"
        PermissionDenied:
            - "Only a supervisor or a manager can do this."
            - "You cannot change another office’s records."
            - "Only staff can do this."
    """
    incident = _locked_incident(incident)
    _require_handler(supervisor, incident.office_id)
    if incident.closed_at is not None:
        raise ValidationError(_("このインシデントは既に完了しています。"))
    open_tasks = list(
        IncidentTask.objects.select_for_update().filter(incident=incident, done_at__isnull=True)
    )
    problems = []
    if open_tasks:
        problems.append(
            _("未了の対応があります: %(tasks)s")
            % {"tasks": _("、").join(task.get_kind_display() for task in open_tasks)}
        )
    if missing := missing_report_items(incident):
        problems.append(
            _("報告の未記入の項目があります: %(items)s") % {"items": _("、").join(missing)}
        )
    if problems:
        raise ValidationError(problems)
    incident.closed_at = timezone.now()
    incident.closed_by = supervisor
    incident.save(update_fields=["closed_at", "closed_by"])
    audit.record("incident.closed", actor=supervisor.user, target=incident)
    return incident


# -- alerts ----------------------------------------------------------------------------------


def _locked_alert(alert: Alert) -> Alert:
    return Alert.objects.select_for_update().get(pk=alert.pk)


@transaction.atomic
def alert_acknowledge(*, alert: Alert, supervisor: StaffMember) -> Alert:
    """A supervisor has seen the alert and is looking into it. Refused to anyone the
    alert is about (`alert_handle_refusal`).

    Refuses:
        non-field:
            - "This alert has already been resolved."
            - "This alert has already been acknowledged."
        PermissionDenied:
            - who may not handle it (the maker of the referral, a clerk: see the `*_refusal` helper)
            - "Only a supervisor or a manager can do this."
            - "You cannot change another office’s records."
            - "Only staff can do this."
    """
    alert = _locked_alert(alert)
    _require_alert_handler(supervisor, alert)
    if alert.resolved_at is not None:
        raise ValidationError(_("このアラートは解決済みです。"))
    if alert.acknowledged_at is not None:
        raise ValidationError(_("このアラートは確認済みです。"))
    alert.acknowledged_at = timezone.now()
    alert.acknowledged_by = supervisor
    alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
    audit.record("alert.acknowledged", actor=supervisor.user, target=alert)
    return alert


@transaction.atomic
def alert_resolve(*, alert: Alert, supervisor: StaffMember, note: str) -> Alert:
    """Closes the alert with what was done (acknowledging it too, if nobody had). Refused
    to anyone the alert is about (`alert_handle_refusal`), and for an employer's report
    whose applicant is hidden: that closes only by its decision (rule 11).

    Refuses:
        non-field:
            - "This alert has already been resolved."
            - "An employer’s report closes itself when you decide: show the applicant again, or
              retract the referral letter."
        `note`:
            - "Enter what you checked and what you did."
            - "Enter the action taken in %(max)d characters or fewer."
        PermissionDenied:
            - who may not handle it (the maker of the referral, a clerk: see the `*_refusal` helper)
            - "Only a supervisor or a manager can do this."
            - "You cannot change another office’s records."
            - "Only staff can do this."
    """
    alert = _locked_alert(alert)
    _require_alert_handler(supervisor, alert)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("何を確認し、どう対応したかを入力してください。")})
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {
                "note": _("対応の記録は%(max)d文字以内で入力してください。")
                % {"max": NOTE_MAX_LENGTH}
            }
        )
    if alert.resolved_at is not None:
        raise ValidationError(_("このアラートは解決済みです。"))
    if (
        alert.kind == AlertKind.MISDELIVERY_REPORT
        and MisdeliveryReport.objects.filter(
            alert=alert,
            decision="",
            disclosure__quarantined_at__isnull=False,
            disclosure__retracted_at__isnull=True,
            disclosure__erased_at__isnull=True,
        ).exists()
    ):
        # Rule 11: closing it by hand would leave the applicant hidden with nobody deciding.
        raise ValidationError(
            _(
                "求人者の申告は、応募者を再表示するか紹介状を撤回するかを判断すると"
                "自動で解決します。"
            )
        )
    now = timezone.now()
    fields = ["resolved_at", "resolved_by", "resolution_note"]
    if alert.acknowledged_at is None:
        alert.acknowledged_at = now
        alert.acknowledged_by = supervisor
        fields += ["acknowledged_at", "acknowledged_by"]
    alert.resolved_at = now
    alert.resolved_by = supervisor
    alert.resolution_note = note
    alert.save(update_fields=fields)
    audit.record("alert.resolved", actor=supervisor.user, target=alert)
    return alert


# -- escalation --------------------------------------------------------------------------------


def checked_recipients(*, office: Office, staff: Iterable[StaffMember]) -> list[StaffMember]:
    """Every message about an office goes only to staff of that office: checked against
    each recipient right before it leaves (DESIGN.md section 1, the attachment sent to six
    other employers). Refuses the whole message rather than drop someone silently.

    Refuses:
        PermissionDenied:
            - a recipient who is not staff of the office
    """
    chosen = list(staff)
    for person in chosen:
        if person.office_id != office.pk:
            raise PermissionDenied(f"recipient {person.pk} is not staff of office {office.pk}")
    return chosen


def escalation_recipients(*, office: Office) -> list[StaffMember]:
    """The office's managers with an address; an office without one falls back to its
    supervisors, so that an escalation always reaches someone who can act.

    Refuses:
        PermissionDenied:
            - a recipient who is not staff of the office
    """
    people = StaffMember.objects.filter(
        office=office, user__is_active=True, user__kind="staff"
    ).exclude(user__email="")
    managers = list(people.filter(role=StaffRole.MANAGER).select_related("user").order_by("pk"))
    if managers:
        return checked_recipients(office=office, staff=managers)
    supervisors = people.filter(role=StaffRole.SUPERVISOR).select_related("user").order_by("pk")
    return checked_recipients(office=office, staff=supervisors)


def _send_escalation(
    *, office: Office, subject: str, template: str, context: dict[str, object]
) -> list[int]:
    """One message to each of the office's escalation recipients; returns their ids."""
    recipients = escalation_recipients(office=office)
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string(template, {"office_name": office.name, **context})
    messages = [
        EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [person.user.email])
        for person in recipients
    ]
    if messages:
        mailers.default.send_messages(messages)
    else:
        logger.warning("office %s: nobody to escalate %s to", office.pk, template)
    return [person.pk for person in recipients]


def _escalate_task(task: IncidentTask) -> None:
    incident = task.incident
    office = incident.office
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("【ハローワーク】期限を過ぎたインシデント対応があります（%(office)s）") % {
            "office": office.name
        }
        recipient_ids = _send_escalation(
            office=office,
            subject=subject,
            template="referrals/email/escalation_task.txt",
            context={
                "incident_id": incident.pk,
                "task": task.get_kind_display(),
                "due_at": timezone.localtime(task.due_at),
                "url": settings.SITE_URL + reverse("incident_detail", args=[incident.pk]),
            },
        )
    task.escalated_at = timezone.now()
    task.save(update_fields=["escalated_at"])
    audit.record(
        "incident.task_escalated",
        actor=None,
        target=incident,
        detail={"task_id": task.pk, "kind": task.kind, "recipient_ids": recipient_ids},
    )


def _escalate_alert(alert: Alert) -> None:
    office = alert.office
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("【ハローワーク】未解決のアラートがあります（%(office)s）") % {
            "office": office.name
        }
        recipient_ids = _send_escalation(
            office=office,
            subject=subject,
            template="referrals/email/escalation_alert.txt",
            context={
                "alert_id": alert.pk,
                "kind": alert.get_kind_display(),
                "created_at": timezone.localtime(alert.created_at),
                "hours": settings.ALERT_ESCALATION_HOURS,
                "minutes": settings.CRITICAL_ALERT_ESCALATION_MINUTES
                if alert.severity == AlertSeverity.CRITICAL
                else None,
                "url": settings.SITE_URL + reverse("alert_detail", args=[alert.pk]),
            },
        )
    alert.escalated_at = timezone.now()
    alert.save(update_fields=["escalated_at"])
    audit.record(
        "alert.escalated",
        actor=None,
        target=alert,
        detail={"kind": alert.kind, "recipient_ids": recipient_ids},
    )


def _escalate_retraction(request: RetractionRequest) -> None:
    referral = request.referral
    office = referral.consultation.office
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("【ハローワーク】判断待ちの撤回の依頼があります（%(office)s）") % {
            "office": office.name
        }
        recipient_ids = _send_escalation(
            office=office,
            subject=subject,
            template="referrals/email/escalation_retraction.txt",
            context={
                "request_id": request.pk,
                "requested_at": timezone.localtime(request.requested_at),
                "minutes": settings.RETRACTION_ESCALATION_MINUTES,
                "url": settings.SITE_URL + reverse("retraction_detail", args=[request.pk]),
                # Hidden on the employer's report (rule 11): it does not stay shown.
                "hidden": Disclosure.objects.filter(
                    referral=referral, quarantined_at__isnull=False
                ).exists(),
            },
        )
    request.escalated_at = timezone.now()
    request.save(update_fields=["escalated_at"])
    audit.record(
        "referral.retraction_escalated",
        actor=None,
        target=referral,
        detail={"request_id": request.pk, "recipient_ids": recipient_ids},
    )


@dataclass(frozen=True)
class Escalated:
    tasks: int
    alerts: int
    retractions: int

    @property
    def total(self) -> int:
        return self.tasks + self.alerts + self.retractions


def escalate_overdue(*, limit: int = 100) -> Escalated:
    """E-mails the office's managers once about each incident task past its deadline, each
    alert unresolved for ALERT_ESCALATION_HOURS and each retraction left pending for
    RETRACTION_ESCALATION_MINUTES. Idempotent: each item is taken under a row lock (skipped
    when another worker holds it, on PostgreSQL), its e-mails sent and `escalated_at` set
    and audited in one transaction, so nothing is escalated twice; a failing mail server
    rolls the item back for the next run. The e-mails name the office, the kind of item and
    a link, never a person.

    Refuses: nothing.
    """
    tasks = drain(
        lambda: (
            IncidentTask.objects.filter(
                done_at__isnull=True, escalated_at__isnull=True, due_at__lte=timezone.now()
            )
            .select_related("incident__office")
            .order_by("due_at", "pk")
        ),
        _escalate_task,
        limit=limit,
    )
    alerts = drain(
        lambda: (
            Alert.objects.filter(
                selectors.alert_overdue(timezone.now()),
                resolved_at__isnull=True,
                escalated_at__isnull=True,
            )
            .select_related("office")
            .order_by("created_at", "pk")
        ),
        _escalate_alert,
        limit=limit,
    )
    retractions = drain(
        lambda: (
            RetractionRequest.objects.filter(
                status=RetractionStatus.PENDING,
                escalated_at__isnull=True,
                requested_at__lte=selectors.retraction_deadline(timezone.now()),
            )
            .select_related("referral__consultation__office")
            .order_by("requested_at", "pk")
        ),
        _escalate_retraction,
        limit=limit,
    )
    return Escalated(tasks=tasks, alerts=alerts, retractions=retractions)


# -- the monthly self-inspection -------------------------------------------------------------


def inspection_month(day: datetime.date | None = None) -> datetime.date:
    """The month of the self-inspection sheet `day` (default today) falls in: its first day.

    Refuses: nothing.
    """
    return (day or timezone.localdate()).replace(day=1)


# What the system administrator sets on a check-sheet item (the admin's one write path,
# hellowork.services.registry_create / registry_change). Items are retired (active off),
# never deleted: sheets already submitted point at them.
SELF_INSPECTION_ITEM_FIELDS = frozenset({"text", "text_en", "order", "active"})


@transaction.atomic
def self_inspection_item_create(*, by: User, values: dict[str, Any]) -> SelfInspectionItem:
    """A new check-sheet question, traced as `registry.created` (field names).

    Refuses:
        non-field:
            - "This record cannot be created here."
            - "These fields cannot be changed: %(fields)s"
        PermissionDenied:
            - "You are not allowed to change the registry."
    """
    return registry_services.registry_create(
        model=SelfInspectionItem, by=by, values=values, allowed=SELF_INSPECTION_ITEM_FIELDS
    )


@transaction.atomic
def self_inspection_item_change(
    *, item: SelfInspectionItem, by: User, changes: dict[str, Any]
) -> SelfInspectionItem:
    """A check-sheet question's wording, order or use, traced as `registry.changed`.

    Refuses:
        non-field:
            - "This record cannot be changed here."
            - "These fields cannot be changed: %(fields)s"
        PermissionDenied:
            - "You are not allowed to change the registry."
    """
    return registry_services.registry_change(
        record=item, by=by, changes=changes, allowed=SELF_INSPECTION_ITEM_FIELDS
    )


@transaction.atomic
def self_inspection_submit(
    *, staff: StaffMember, answers: Mapping[int, bool], note: str = ""
) -> SelfInspection:
    """This month's check sheet of one staff member, answered whole: every active item
    はい or いいえ, and a note saying what was done about each いいえ. Once a month.

    Refuses:
        non-field:
            - "You have already submitted this month’s check sheet."
            - "No check items have been set up. Ask the system administrator to add them."
            - "The check items have changed. Reopen the page and answer again."
        `item_*`:
            - "Choose “Yes” or “No”."
        `note`:
            - "For the items answered “No”, describe the situation and what was done."
            - "Enter the findings and action in %(max)d characters or fewer."
        PermissionDenied:
            - "Only staff can do this."
    """
    _require_active_staff(staff)
    staff = StaffMember.objects.select_for_update().get(pk=staff.pk)
    month = inspection_month()
    if SelfInspection.objects.filter(staff=staff, month=month).exists():
        raise ValidationError(_("今月の点検シートは提出済みです。"))
    items = list(SelfInspectionItem.objects.filter(active=True).order_by("order", "pk"))
    if not items:
        raise ValidationError(
            _("点検項目が登録されていません。システム管理者に登録を依頼してください。")
        )
    errors: dict[str, str] = {}
    known = {item.pk for item in items}
    if unknown := set(answers) - known:
        errors["__all__"] = _(
            "点検項目が変わりました。画面を開き直して、もう一度回答してください。"
        )
        logger.info("self-inspection: unknown items %s", sorted(unknown))
    for item in items:
        if not isinstance(answers.get(item.pk), bool):
            errors[f"item_{item.pk}"] = _("「はい」か「いいえ」を選んでください。")
    note = (note or "").strip()
    if any(answers.get(item.pk) is False for item in items) and not note:
        errors["note"] = _("「いいえ」の項目について、状況と対応を記入してください。")
    if len(note) > NOTE_MAX_LENGTH:
        errors["note"] = _("所見・対応は%(max)d文字以内で入力してください。") % {
            "max": NOTE_MAX_LENGTH
        }
    if errors:
        raise ValidationError(errors)
    sheet = SelfInspection.objects.create(
        staff=staff, office_id=staff.office_id, month=month, submitted_at=timezone.now(), note=note
    )
    SelfInspectionAnswer.objects.bulk_create(
        SelfInspectionAnswer(
            inspection=sheet,
            item=item,
            item_text=item.text,
            item_text_en=item.text_en,
            ok=answers[item.pk],
        )
        for item in items
    )
    audit.record(
        "self_inspection.submitted",
        actor=staff.user,
        target=sheet,
        detail={
            "month": month.isoformat(),
            "items": len(items),
            "not_ok": sum(1 for item in items if not answers[item.pk]),
        },
    )
    return sheet
