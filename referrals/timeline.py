"""An incident's timeline, built from the audit trail (DESIGN.md rule 8): how the referral
was made and confirmed, when the employer could see it, every time a member of the
establishment was shown the applicant, the alerts, the retraction, the employer's
acknowledgement and what the office did. Read-only; a fixed number of queries however long
the history."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, Q
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from hellowork.language import with_japanese
from hellowork.models import AuditEvent, User
from referrals import lifecycle, selectors
from referrals.models import (
    Alert,
    AlertKind,
    AlertSettlement,
    ApprovalReason,
    ApprovalSource,
    CodeCheck,
    CodeCheckReason,
    ConfirmationMethod,
    ContactMethod,
    CounterDisplay,
    Disclosure,
    DisplayReadback,
    Incident,
    IncidentTaskKind,
    MisdeliveryReport,
    ReferralLetter,
    ResultRoute,
    SelectionOutcome,
    SelectionResult,
)


@dataclass(frozen=True)
class Entry:
    at: datetime.datetime
    label: str
    detail: str = ""
    actor: str = ""  # the person's name, or "" for the system
    role: str = ""  # a staff member's role, shown beside the name
    side: str = "system"  # "staff", "employer", "seeker" (on the display) or "system"
    kind: str = ""  # "view" (an employer saw the applicant), "alert", "retraction", "task"


LABELS: dict[str, Promise] = {
    "referral.drafted": pgettext_lazy("event", "紹介状を作成"),
    "referral.submitted": pgettext_lazy("event", "統括官の承認に回す"),
    "referral.rejected": gettext_lazy("統括官が差し戻し"),
    "referral.confirmation_refused": gettext_lazy("再入力が一致せず、確認を止めた"),
    "referral.statement_refused": gettext_lazy("統括官の照合が一致せず、承認を止めた"),
    "referral.statement_matched": gettext_lazy("統括官が求職者から聞いた求人が一致"),
    "display.readback_sent": pgettext_lazy("event", "求職者用画面に表示"),
    "display.readback_shown": gettext_lazy("求職者用画面が内容を表示"),
    "referral.seeker_confirmed": gettext_lazy("求職者が求職者用画面で確認"),
    "referral.display_refused": gettext_lazy("求職者用画面での確認が一致せず、止めた"),
    "referral.locked": gettext_lazy("不一致が重なり、窓口での発行を停止"),
    "referral.confirmed": gettext_lazy("確認（対面）"),
    "referral.approved": gettext_lazy("確認（統括官の承認）"),
    "referral.issued": gettext_lazy("紹介状を発行"),
    "referral.voided": gettext_lazy("紹介状を取消"),
    "referral.retraction_requested": gettext_lazy("撤回を依頼"),
    "referral.retraction_escalated": gettext_lazy("判断待ちの撤回を所長に通知"),
    "referral.retraction_rejected": gettext_lazy("撤回の依頼を却下"),
    "referral.retracted": gettext_lazy("撤回を承認"),
    "disclosure.created": gettext_lazy("求人者マイページへの開示を作成"),
    "disclosure.hold_changed": gettext_lazy("デモの再起動で保留時間を変更"),
    "disclosure.visible": gettext_lazy("求人者マイページに表示開始"),
    "disclosure.notified": gettext_lazy("求人者に到着通知メール"),
    "disclosure.viewed": gettext_lazy("求人者が応募者を閲覧"),
    "disclosure.listed": gettext_lazy("求人者の応募者一覧に表示"),
    "disclosure.exported": gettext_lazy("求人者が応募者一覧をCSVに書き出し"),
    "disclosure.recalled": gettext_lazy("保留中に取消（表示前）"),
    "disclosure.retracted": gettext_lazy("開示の個人情報を消去"),
    "disclosure.withdrawal_notified": gettext_lazy("求人者に取り下げの通知メール"),
    "selection_result.recorded": gettext_lazy("求人者が選考結果を記録"),
    "selection_result.received": gettext_lazy("職員が受け付けた選考結果を記録"),
    "misdelivery.reported": gettext_lazy("求人者が「心当たりがない」と報告"),
    "disclosure.quarantined": gettext_lazy("報告を受けて求人者マイページで非表示"),
    "misdelivery.restored": gettext_lazy("統括官が正しい紹介と判断し、再表示"),
    "disclosure.restore_notified": gettext_lazy("求人者に再表示の通知メール"),
    "code_check.performed": gettext_lazy("求人者が紹介コードを照会"),
    "alert.raised": gettext_lazy("アラート発生"),
    "alert.acknowledged": gettext_lazy("アラートを確認"),
    "alert.resolved": gettext_lazy("アラートを解決"),
    "alert.escalated": gettext_lazy("未解決のアラートを所長に通知"),
    "alert.supervisors_notified": gettext_lazy("重大なアラートを統括官全員にメールで通知"),
    "alert.settled": gettext_lazy("アラートが自動で解決"),
    "incident.opened": gettext_lazy("インシデントを登録"),
    "incident.employer_acknowledged": gettext_lazy("求人者が「控えなし」を確認"),
    "incident.task_done": gettext_lazy("対応を記録"),
    "incident.task_escalated": gettext_lazy("期限切れの対応を所長に通知"),
    "incident.report_updated": gettext_lazy("報告の内容を更新"),
    "incident.closed": gettext_lazy("インシデントを完了"),
}

PAGES: dict[str, Promise] = {
    "detail": gettext_lazy("応募者の詳細"),
    "letter": gettext_lazy("紹介状"),
    "result_form": gettext_lazy("選考結果の入力画面"),
    "misdelivery_form": gettext_lazy("心当たりがない場合の報告画面"),
}

FIELDS: dict[str, Promise] = {
    "posting_digits": gettext_lazy("求人番号の下4桁"),
    "seeker_birth_date": gettext_lazy("生年月日"),
    "seeker_declined": gettext_lazy("求職者が「違う」を選択"),
    "stated_posting_number": gettext_lazy("統括官が述べた求人番号"),
}

KINDS = {
    "disclosure.viewed": "view",
    "disclosure.listed": "view",
    "disclosure.exported": "view",
    "alert.raised": "alert",
    "alert.escalated": "alert",
    "misdelivery.reported": "alert",
    "disclosure.quarantined": "alert",
    "alert.supervisors_notified": "alert",
    "referral.confirmation_refused": "alert",
    "referral.statement_refused": "alert",
    "referral.display_refused": "alert",
    "referral.locked": "alert",
    "referral.retraction_requested": "retraction",
    "referral.retracted": "retraction",
    "disclosure.retracted": "retraction",
    "disclosure.withdrawal_notified": "retraction",
    "incident.task_done": "task",
    "incident.task_escalated": "alert",
    "referral.retraction_escalated": "alert",
    "incident.employer_acknowledged": "task",
}

# Views of the counter's own screens are in the trail but not the story of the incident.
LEFT_OUT = ["seeker.viewed", "incident.report_viewed"]


def _label(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "")


def _when(value: str | None) -> str:
    if not value:
        return ""
    moment = datetime.datetime.fromisoformat(value)
    return formats.date_format(timezone.localtime(moment), "Y-m-d H:i")


def _display(d: dict[str, Any], displays: dict[int, str]) -> str:
    return displays.get(d.get("display_id") or 0, "")


def _detail(event: AuditEvent, displays: dict[int, str]) -> str:
    """The event's one-line detail: each describer below answers for its own actions and
    returns None for the others; "" for an action none of them knows."""
    d = event.detail or {}
    confirmation = _confirmation_detail(event.action, d, displays)
    if confirmation is not None:
        return confirmation
    for describe in (
        _referral_detail,
        _disclosure_detail,
        _result_detail,
        _alert_detail,
        _incident_detail,
    ):
        text = describe(event.action, d)
        if text is not None:
            return text
    return ""


def _confirmation_detail(action: str, d: dict[str, Any], displays: dict[int, str]) -> str | None:
    """How the seeker and the clerk confirmed (rule 3), or None if not such a step."""
    match action:
        case "display.readback_sent" | "display.readback_shown" | "referral.seeker_confirmed":
            return with_japanese(_("求職者用画面: %(label)s"), label=_display(d, displays))
        case "referral.display_refused":
            return with_japanese(
                _("求職者用画面: %(label)s、一致しなかった項目: %(fields)s"),
                label=_display(d, displays),
                fields=_("、").join(str(FIELDS.get(f, f)) for f in d.get("fields", [])),
            )
        case "referral.locked":
            return _("この求職者の今日の不一致: %(count)d回（以後は統括官の承認だけで発行）") % {
                "count": d.get("caught_mismatches", 0)
            }
        case "referral.statement_matched":
            return _label(ApprovalSource, d.get("source"))
        case "referral.confirmation_refused" | "referral.statement_refused":
            return _("一致しなかった項目: %(fields)s") % {
                "fields": _("、").join(str(FIELDS.get(f, f)) for f in d.get("fields", []))
            }
        case "referral.confirmed":
            if "display_id" not in d:  # the first wave's method: the clerk typed both halves
                return _("職員が求人番号の下4桁と生年月日を再入力して照合（旧方式）")
            return with_japanese(
                _(
                    "求職者本人が求職者用画面（%(label)s）で確認し、職員が求人票の下4桁を再入力して照合"
                ),
                label=_display(d, displays),
            )
    return None


def _referral_detail(action: str, d: dict[str, Any]) -> str | None:
    """The referral's own steps: drafted, submitted, approved, issued, voided."""
    match action:
        case "referral.drafted":
            return _("求人 %(posting)s（事業所番号 %(establishment)s）") % {
                "posting": d.get("posting_number", ""),
                "establishment": d.get("establishment_number", ""),
            }
        case "referral.submitted":
            return _("承認が必要な理由: %(reasons)s") % {
                "reasons": _("、").join(
                    _label(ApprovalReason, r) for r in d.get("approval_reasons", [])
                )
            }
        case "referral.approved":
            if "source" not in d:
                return _("統括官が求人番号を述べて照合（聴取の方法の記録なし、旧方式）")
            return _("統括官が求職者本人から聞いた求人で照合（%(source)s）") % {
                "source": _label(ApprovalSource, d.get("source"))
            }
        case "referral.issued":
            return _("紹介コード %(code)s（%(method)s）") % {
                "code": d.get("code", ""),
                "method": _label(ConfirmationMethod, d.get("method")),
            }
        case "referral.voided":
            if not d.get("code"):  # a draft or a letter waiting for approval: never issued
                return _("発行前の取消（紹介コードなし、求人者には何も送られていない）")
            return _("紹介コード %(code)s は無効として残る") % {"code": d["code"]}
    return None


def _disclosure_detail(action: str, d: dict[str, Any]) -> str | None:
    """What the employer's my page showed or sent."""
    match action:
        case "disclosure.created" | "disclosure.hold_changed":
            return _("表示開始 %(at)s") % {"at": _when(d.get("visible_at"))}
        case "disclosure.notified" | "disclosure.restore_notified":
            return _("%(count)d名に送信（個人情報なし）") % {"count": len(d.get("member_ids", []))}
        case "disclosure.viewed":
            return str(PAGES.get(d.get("page", ""), d.get("page", "")))
        case "disclosure.listed":
            return _("応募者一覧（氏名・カナ・年齢）")
        case "disclosure.exported":
            return _("CSVファイル（氏名・カナ・年齢）: 求人者の手元に控えがある")
        case "disclosure.retracted":
            return _(
                "氏名・カナ・年齢と、求人者が書いた文章を消去（求人・紹介日・紹介コードは保持）"
            )
    return None


def _result_detail(action: str, d: dict[str, Any]) -> str | None:
    """Selection results and code checks."""
    match action:
        case "selection_result.recorded":
            return _label(SelectionOutcome, d.get("result"))
        case "selection_result.received":
            return _("%(result)s（%(route)s）") % {
                "result": _label(SelectionOutcome, d.get("result")),
                "route": _label(ResultRoute, d.get("route")),
            }
        case "code_check.performed":
            return _label(CodeCheckReason, d.get("reason"))
    return None


def _alert_detail(action: str, d: dict[str, Any]) -> str | None:
    """Alerts raised, escalated, settled or sent to supervisors."""
    match action:
        case "alert.raised" | "alert.escalated":
            text = _label(AlertKind, d.get("kind"))
            if d.get("reason"):
                text += _("（{}）").format(_label(CodeCheckReason, d["reason"]))
            return text
        case "alert.settled":
            return _label(AlertSettlement, d.get("by"))
        case "alert.supervisors_notified":
            return _("%(count)d名に送信（個人情報なし）") % {
                "count": len(d.get("recipient_ids", []))
            }
    return None


def _incident_detail(action: str, d: dict[str, Any]) -> str | None:
    """The incident's opening and its tasks."""
    match action:
        case "incident.opened":
            return (
                _("求人者の閲覧: あり（%(count)d回）") % {"count": d.get("employer_view_count", 0)}
                if d.get("employer_viewed")
                else _("求人者の閲覧: なし")
            )
        case "incident.task_done":
            return _("%(task)s: %(method)s、実施日 %(day)s") % {
                "task": _label(IncidentTaskKind, d.get("kind")),
                "method": _label(ContactMethod, d.get("method")),
                "day": d.get("done_on", ""),
            }
        case "incident.task_escalated":
            return _label(IncidentTaskKind, d.get("kind"))
    return None


def _actor(user: User | None) -> tuple[str, str, str]:
    """(name, side, role)."""
    if user is None:
        return "", "system", ""
    if user.kind == User.Kind.EMPLOYER:
        return user.name, "employer", ""
    staff = getattr(user, "staff_member", None)
    return user.name, "staff", staff.get_role_display() if staff is not None else ""


def _entry(event: AuditEvent, displays: dict[int, str], sent_from: dict[int, str]) -> Entry:
    actor, side, role = _actor(event.actor)
    label = LABELS.get(event.action)
    detail = _detail(event, displays)
    if event.actor is None and event.action.startswith(("referral.seeker", "referral.display")):
        actor, side = _("求職者（求職者用画面）"), "seeker"
        readback_id = (event.detail or {}).get("readback_id")
        if event.ip and isinstance(readback_id, int) and sent_from.get(readback_id) == event.ip:
            # A display should be its own device: an answer from the address the clerk sent
            # the read-back from is worth a second look (DECISIONS.md).
            detail = format_html("{}{}", detail, _("（職員が表示を送った端末と同じ接続元）"))
    return Entry(
        at=event.at,
        label=str(label) if label is not None else event.action,
        detail=detail,
        actor=actor,
        role=role,
        side=side,
        kind=KINDS.get(event.action, ""),
    )


def _targets(model: type[Model], ids: list[int]) -> Q:
    return Q(target_type=model._meta.label_lower, target_id__in=[str(pk) for pk in ids])


def referral_timeline(*, referral: ReferralLetter, incident: Incident | None = None) -> list[Entry]:
    """The referral's story, oldest first. `referral` is fetched through the office-scoped
    selectors; this does not scope by office."""
    disclosure = Disclosure.objects.filter(referral=referral).first()
    targets = _targets(ReferralLetter, [referral.pk]) | _targets(
        Alert, list(Alert.objects.filter(referral=referral).values_list("pk", flat=True))
    )
    targets |= _targets(
        CodeCheck, list(CodeCheck.objects.filter(referral=referral).values_list("pk", flat=True))
    )
    targets |= _targets(
        DisplayReadback,
        list(DisplayReadback.objects.filter(referral=referral).values_list("pk", flat=True)),
    )
    if incident is not None:
        targets |= _targets(Incident, [incident.pk])
    # Results by every route hang off the referral, my page or not.
    targets |= _targets(
        SelectionResult,
        list(SelectionResult.objects.filter(referral=referral).values_list("pk", flat=True)),
    )
    listed: list[AuditEvent] = []
    if disclosure is not None:
        targets |= _targets(Disclosure, [disclosure.pk])
        targets |= _targets(
            MisdeliveryReport,
            list(
                MisdeliveryReport.objects.filter(disclosure=disclosure).values_list("pk", flat=True)
            ),
        )
        listed = selectors.disclosure_listed_events(disclosure=disclosure)
    events = list(
        AuditEvent.objects.filter(targets)
        .exclude(action__in=LEFT_OUT)
        .select_related("actor__staff_member")
        .order_by("at", "pk")
    )
    ordered = sorted([*events, *listed], key=lambda e: (e.at, e.pk))
    display_ids = {(e.detail or {}).get("display_id") for e in events}
    displays = dict(
        CounterDisplay.objects.filter(
            pk__in=[pk for pk in display_ids if isinstance(pk, int)]
        ).values_list("pk", "label")
    )
    sent_from = {
        int(event.target_id): event.ip
        for event in events
        if event.action == "display.readback_sent" and event.target_id.isdigit()
    }
    keyed = [
        (event.at, index, _entry(event, displays, sent_from)) for index, event in enumerate(ordered)
    ]
    if disclosure is not None and lifecycle.disclosure_phase(disclosure, timezone.now()).was_shown:
        # With no hold the applicant is visible from the moment of issue, a few microseconds
        # before the events of that transaction are written: list it after them.
        created = [
            at for at, _i, entry in keyed if entry.label == str(LABELS["disclosure.created"])
        ]
        position = max([disclosure.visible_at, *created])
        keyed.append(
            (
                position,
                len(keyed),
                Entry(
                    at=disclosure.visible_at,
                    label=str(LABELS["disclosure.visible"]),
                    kind="view",
                ),
            )
        )
    return [entry for _at, _index, entry in sorted(keyed, key=lambda item: item[:2])]
