"""The employer's my page (DESIGN.md rules 7, 9 and 10): what a member saw, selection
results, code checks, misdelivery reports, and the arrival and withdrawal e-mails."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hellowork import audit
from hellowork.models import (
    EmployerMember,
    Establishment,
    JobPosting,
)
from hellowork.worker import drain
from referrals import codes, lifecycle, selectors
from referrals.lifecycle import PHASE_FIELDS, Phase
from referrals.models import (
    AlertKind,
    CodeCheck,
    CodeCheckReason,
    Disclosure,
    MisdeliveryReport,
    ReferralLetter,
    ReferralStatus,
    ResultRoute,
    SelectionResult,
)
from referrals.results import result_window_last_day, result_window_open
from referrals.services import results
from referrals.services._shared import (
    _locked_visible_disclosure,
    _raise_alert,
    _require_active_member,
    _require_own,
)
from referrals.services.results import NOTE_MAX_LENGTH

# -- the employer's my page ----------------------------------------------------------
#
# `member` is always the EmployerMember acting. A disclosure of another establishment is
# refused here too (PermissionDenied), although the views never get that far: they fetch
# through the establishment-scoped selectors and answer 404.


def disclosure_view_record(
    *, disclosure: Disclosure, member: EmployerMember, page: str = "detail"
) -> None:
    """Rule 10: an employer saw one applicant's personal data (the detail, the letter, a
    form that names the applicant). Who, when and from where are in the event itself.

    Refuses:
        PermissionDenied:
            - "This is not an applicant of your establishment."
            - "Only employer my page users can do this."
    """
    _require_own(member, disclosure)
    audit.record_read(
        "disclosure.viewed",
        actor=member.user,
        target=disclosure,
        detail={"page": page, "establishment_id": member.establishment_id},
    )


def disclosures_list_view_record(
    *, member: EmployerMember, disclosures: Iterable[Disclosure]
) -> None:
    """Rule 10 for a page of the applicant list: one event naming the rows shown.

    Refuses:
        PermissionDenied:
            - "This is not an applicant of your establishment."
            - "Only employer my page users can do this."
    """
    shown = list(disclosures)
    for disclosure in shown:
        _require_own(member, disclosure)
    if not shown:
        return  # nobody's data was shown
    audit.record_read(
        "disclosure.listed",
        actor=member.user,
        target=member.establishment,
        detail={"disclosure_ids": [disclosure.pk for disclosure in shown]},
    )


def _format_date(day: datetime.date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def result_window_closed_message(*, last_day: datetime.date) -> str:
    """What the my page says once its result window has passed (the page and the refusal
    say the same; the page adds the referring office's name beside it, marked as data).

    Refuses: nothing.
    """
    return _(
        "選考結果の受付期限（%(last)s）を過ぎたため、マイページでは登録できません。"
        "紹介したハローワークに電話でお知らせください。"
    ) % {"last": _format_date(last_day)}


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
    """The employer's 採用 / 不採用 for a visible applicant, on the my page (route
    "mypage"); the fields as in `results.result_values` (start date from the referral
    date to a year after it). A correction adds a row that points at the current one,
    whether the employer or a clerk recorded it (one history per referral).

    Refused, changing nothing, after the result window: from 00:00 Japan time on the day
    after the end of the third month following the month of the posting's `valid_until`
    (翌々々月末; referrals.results), the employer is told to phone the referring office,
    whose clerk records it (`results.selection_result_receive`). A posting without a
    recorded validity has no cut-off.

    Refuses:
        non-field:
            - "The deadline for selection results (%(last)s) has passed, so the my page no longer
              takes them. Please phone the Hello Work office that made the referral."
            - "This is the same as the current record. To correct it, change the details."
            - "This applicant is not currently shown. Open it again from the list."
        `conditions_differ`:
            - "Choose whether the hiring conditions differ from the posting."
        `conditions_difference`:
            - "Enter the details of the difference in %(max)d characters or fewer."
            - "If there is a difference, describe how the conditions differ from the posting."
            - "If there is no difference, leave the details of the difference empty."
        `not_hired_reason`:
            - "Choose a reason for not hiring only when the result is “Not hired”."
            - "Choose the reason for not hiring from the list."
        `result`:
            - "Choose “Hired” or “Not hired” as the selection result."
        `start_date`:
            - "If the result is “Hired”, enter the planned start date."
            - "Enter a planned start date only when the result is “Hired”."
            - "Enter the planned start date as a date."
            - "Enter a planned start date within one year of the referral date (%(first)s)."
        PermissionDenied:
            - "This is not an applicant of your establishment."
            - "Only employer my page users can do this."
    """
    # The referral first, then the disclosure: the order the counter's
    # `results.selection_result_receive` and the retraction take them, so that an employer
    # and a clerk recording at once wait for each other and never deadlock (the new row's
    # key to the referral would otherwise wait on a clerk holding the referral).
    list(ReferralLetter.objects.select_for_update().filter(pk=disclosure.referral_id).values("pk"))
    disclosure = _locked_visible_disclosure(disclosure, member)
    valid_until = (
        JobPosting.objects.filter(referrals__pk=disclosure.referral_id)
        .values_list("valid_until", flat=True)
        .get()
    )
    if not result_window_open(valid_until, timezone.now()):
        last_day = result_window_last_day(valid_until)
        assert last_day is not None
        raise ValidationError(
            result_window_closed_message(last_day=last_day),
            code="result_window_closed",
        )
    values = results.result_values(
        referral_date=disclosure.referral_date,
        result=result,
        start_date=start_date,
        not_hired_reason=not_hired_reason,
        conditions_differ=conditions_differ,
        conditions_difference=conditions_difference,
    )
    recorded, current = results.append_result(
        referral_id=disclosure.referral_id,
        values=values,
        route=ResultRoute.MYPAGE,
        member=member,
    )
    audit.record(
        "selection_result.recorded",
        actor=member.user,
        target=recorded,
        detail={
            "disclosure_id": disclosure.pk,
            "referral_id": disclosure.referral_id,
            "result": values["result"],
            "start_date": start_date.isoformat() if start_date else None,
            "not_hired_reason": values["not_hired_reason"],
            "conditions_differ": values["conditions_differ"],
            "corrects_id": current.pk if current is not None else None,
        },
    )
    return recorded


@dataclass(frozen=True, kw_only=True)
class CodeCheckAnswer:
    """What the code check page shows. `limited`: refused by the rate limit, nothing
    recorded; `mistyped`: not a code at all (shape or check symbol), nothing recorded.
    `remaining_member` and `remaining_establishment`: failed checks still allowed in the
    window after this one, for the member and for the establishment."""

    ok: bool
    disclosure: Disclosure | None
    message: str
    remaining_member: int
    remaining_establishment: int
    limited: bool = False
    mistyped: bool = False


@dataclass(frozen=True)
class CodeChecksLeft:
    """Failed code checks still allowed in the current window (never below zero)."""

    member: int
    establishment: int
    window_minutes: int

    @property
    def exhausted(self) -> bool:
        return self.member <= 0 or self.establishment <= 0


def code_checks_left(*, member: EmployerMember) -> CodeChecksLeft:
    """How many failed checks (codes that are not the establishment's own visible
    applicant) the member and its establishment may still make in the window, counted in
    the database in one query. Matches never count; malformed input is never recorded.

    Refuses: nothing.
    """
    window = settings.CODE_CHECK_WINDOW_MINUTES
    since = timezone.now() - datetime.timedelta(minutes=window)
    used = (
        CodeCheck.objects.filter(checked_at__gt=since)
        .exclude(reason=CodeCheckReason.MATCH)
        .filter(Q(member=member) | Q(establishment_id=member.establishment_id))
        .aggregate(
            member=Count("pk", filter=Q(member=member)),
            establishment=Count("pk", filter=Q(establishment_id=member.establishment_id)),
        )
    )
    return CodeChecksLeft(
        member=max(0, settings.CODE_CHECK_LIMIT_PER_MEMBER - used["member"]),
        establishment=max(0, settings.CODE_CHECK_LIMIT_PER_ESTABLISHMENT - used["establishment"]),
        window_minutes=window,
    )


def code_not_registered_message() -> str:
    """The one answer to every well-formed code that is not the employer's own visible
    applicant. It names no establishment or person and does not say why.

    Refuses: nothing.
    """
    return _(
        "この紹介コードは、貴事業所に紹介された応募者の紹介コードとして登録されていません。"
        "確認のため、ハローワークに連絡済みです。"
    )


def code_mistyped_message() -> str:
    """The answer to input that cannot be a referral code (wrong length, a symbol outside
    the alphabet, a check symbol that does not fit): a typo, so nobody is told.

    Refuses: nothing.
    """
    return _(
        "この紹介コードは入力の誤りのようです。紹介状に印刷されたコードと見比べて、"
        "もう一度入力してください。"
    )


def code_check_limited_message() -> str:
    """What the code check answers once its limits for codes of other establishments are
    reached (rule 9), with the limits in the text.

    Refuses: nothing.
    """
    return _(
        "貴事業所の応募者ではない紹介コードの照会は、1人あたり%(member)d回、"
        "1事業所あたり%(establishment)d回（%(minutes)d分間）までです。"
        "貴事業所の応募者の紹介コードは、引き続き照会できます。"
        "しばらくしてから、もう一度お試しください。"
        "お急ぎの場合は管轄のハローワークにお問い合わせください。"
    ) % {
        "member": settings.CODE_CHECK_LIMIT_PER_MEMBER,
        "establishment": settings.CODE_CHECK_LIMIT_PER_ESTABLISHMENT,
        "minutes": settings.CODE_CHECK_WINDOW_MINUTES,
    }


def _mismatch_reason(
    referral: ReferralLetter, establishment: Establishment, now: datetime.datetime
) -> CodeCheckReason:
    disclosure = Disclosure.objects.filter(referral=referral).first()
    if referral.posting.establishment_id != establishment.pk:
        return CodeCheckReason.OTHER_ESTABLISHMENT
    phase = lifecycle.disclosure_phase(disclosure, now) if disclosure is not None else None
    if referral.status == ReferralStatus.RETRACTED or phase is Phase.RETRACTED:
        return CodeCheckReason.RETRACTED
    if phase is Phase.RECALLED:
        return CodeCheckReason.RECALLED
    if referral.status == ReferralStatus.VOIDED:
        return CodeCheckReason.VOIDED
    if phase is Phase.IN_HOLD:
        return CodeCheckReason.HELD
    return CodeCheckReason.NOT_DISCLOSED


@transaction.atomic
def code_check(*, member: EmployerMember, code: str) -> CodeCheckAnswer:
    """Rule 9: an employer looks up the code on a letter an applicant brought.

    - Input that cannot be a code (shape or check symbol, `codes.parse`) answers that it
      looks mistyped: no lookup, no alert, no `CodeCheck` row, not counted; only a
      `code_check.mistyped` audit event without what was typed. The answer depends on the
      typed text alone, so it tells a guesser nothing.
    - The establishment's own visible applicant is shown, recorded as a match, and never
      limited or counted; its own applicant not shown yet (in the hold) or hidden on its
      report (rule 11) gets the truth about it, with no alert and not counted.
    - Any other well-formed code (another establishment's, a voided, recalled or retracted
      one, an unknown one) gets one neutral answer and one `code_mismatch` alert at
      the issuing office (the establishment's own office when no letter has that code).
      These failed checks are limited per member and per establishment, counted in the
      database under a lock on the establishment; over the limit nothing more is looked up
      or alerted.

    Refuses:
        PermissionDenied:
            - "Only employer my page users can do this."
    """
    _require_active_member(member)
    try:
        parsed = codes.parse(code)
    except codes.MalformedCode:
        left = code_checks_left(member=member)
        audit.record(
            "code_check.mistyped",
            actor=member.user,
            target=member.establishment,
            detail={"member_id": member.pk},  # what was typed could be anything: not kept
        )
        return CodeCheckAnswer(
            ok=False,
            disclosure=None,
            mistyped=True,
            message=code_mistyped_message(),
            remaining_member=left.member,
            remaining_establishment=left.establishment,
        )

    establishment = Establishment.objects.select_for_update().get(pk=member.establishment_id)
    now = timezone.now()
    left = code_checks_left(member=member)
    disclosure = (
        selectors.disclosures_visible_to(establishment=establishment)
        .filter(referral__code=parsed)
        .first()
    )
    if disclosure is not None:
        check = CodeCheck.objects.create(
            member=member,
            establishment=establishment,
            checked_at=now,
            reason=CodeCheckReason.MATCH,
            referral_id=disclosure.referral_id,
            disclosure=disclosure,
        )
        audit.record(
            "code_check.performed",
            actor=member.user,
            target=check,
            detail={
                "reason": str(CodeCheckReason.MATCH),
                "referral_id": disclosure.referral_id,
                "disclosure_id": disclosure.pk,
                "alert_id": None,
            },
        )
        return CodeCheckAnswer(
            ok=True,
            disclosure=disclosure,
            message=_("この紹介コードは、貴事業所に紹介された応募者のものです。"),
            remaining_member=left.member,
            remaining_establishment=left.establishment,
        )

    own = (
        Disclosure.objects.filter(
            establishment=establishment,
            referral__code=parsed,
            referral__status=ReferralStatus.ISSUED,
            recalled_at__isnull=True,
            retracted_at__isnull=True,
            erased_at__isnull=True,
        )
        .only("pk", *PHASE_FIELDS)
        .first()
    )
    own_phase = lifecycle.disclosure_phase(own, now) if own is not None else None
    if own is not None and own_phase in (Phase.QUARANTINED, Phase.IN_HOLD):
        # Its own applicant, not shown yet (the hold, rule 5) or hidden on its own report
        # (rule 11): the truth about its own code, no alert, not counted.
        hidden = own_phase is Phase.QUARANTINED
        audit.record(
            "code_check.not_shown_own",
            actor=member.user,
            target=establishment,
            detail={
                "member_id": member.pk,
                "disclosure_id": own.pk,
                "why": "quarantined" if hidden else "held",
            },
        )
        if hidden:
            message = _(
                "この紹介コードの応募者は、「心当たりがない」とのご報告により、"
                "ハローワークで確認中です。確認の結果はお知らせします。"
            )
        else:
            message = _(
                "この紹介コードは貴事業所の応募者のものです。応募者の情報は、"
                "%(time)s ごろから求人者マイページに表示されます。"
            ) % {"time": formats.time_format(timezone.localtime(own.visible_at), "H:i")}
        return CodeCheckAnswer(
            ok=False,
            disclosure=None,
            message=message,
            remaining_member=left.member,
            remaining_establishment=left.establishment,
        )

    if left.exhausted:
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
            message=code_check_limited_message(),
            remaining_member=left.member,
            remaining_establishment=left.establishment,
        )

    referral = (
        ReferralLetter.objects.select_related("consultation__office", "posting")
        .filter(code=parsed)
        .first()
    )
    reason = (
        CodeCheckReason.UNKNOWN
        if referral is None
        else _mismatch_reason(referral, establishment, now)
    )
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
            # A well-formed code is a random string, not personal data.
            "code": parsed if referral is None else None,
        },
    )
    check = CodeCheck.objects.create(
        member=member,
        establishment=establishment,
        checked_at=now,
        reason=reason,
        referral=referral,
        alert=alert,
    )
    audit.record(
        "code_check.performed",
        actor=member.user,
        target=check,
        detail={
            "reason": str(reason),
            "referral_id": referral.pk if referral is not None else None,
            "disclosure_id": None,
            "alert_id": alert.pk,
        },
    )
    return CodeCheckAnswer(
        ok=False,
        disclosure=None,
        message=code_not_registered_message(),
        remaining_member=left.member - 1,
        remaining_establishment=left.establishment - 1,
    )


@transaction.atomic
def misdelivery_report(
    *, disclosure: Disclosure, member: EmployerMember, note: str
) -> MisdeliveryReport:
    """Rules 9 and 11: "この応募者に心当たりがない". In this transaction the applicant is
    hidden from the establishment (`quarantined_at`: every my-page URL stops showing it)
    and a critical `misdelivery_report` alert is raised at the office that issued the
    referral; every supervisor of that office is e-mailed when it commits. One report per
    applicant; a supervisor then retracts it (rule 8) or restores it
    (`misdelivery_restore`).

    Refuses:
        non-field:
            - "You have already reported this applicant. Please wait for Hello Work to contact you."
            - "This applicant is not currently shown. Open it again from the list."
        `note`:
            - "Enter the details in %(max)d characters or fewer."
        PermissionDenied:
            - "Only employer my page users can do this."
            - "This is not an applicant of your establishment."
    """
    _require_own(member, disclosure)
    if MisdeliveryReport.objects.filter(disclosure_id=disclosure.pk).exists():
        # Said before "not shown": a reported applicant is hidden, and the employer who
        # reports twice should hear that the first report arrived.
        raise ValidationError(
            _("この応募者については既に報告済みです。ハローワークからの連絡をお待ちください。")
        )
    disclosure = _locked_visible_disclosure(disclosure, member)
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {"note": _("状況は%(max)d文字以内で入力してください。") % {"max": NOTE_MAX_LENGTH}}
        )
    if MisdeliveryReport.objects.filter(disclosure=disclosure).exists():  # raced: one report
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
    now = timezone.now()
    report = MisdeliveryReport.objects.create(
        disclosure=disclosure, member=member, note=note, reported_at=now, alert=alert
    )
    audit.record(
        "misdelivery.reported",
        actor=member.user,
        target=report,
        detail={"disclosure_id": disclosure.pk, "referral_id": referral.pk, "alert_id": alert.pk},
    )
    disclosure.quarantined_at = now
    disclosure.save(update_fields=["quarantined_at"])
    audit.record(
        "disclosure.quarantined",
        actor=member.user,
        target=disclosure,
        detail={"referral_id": referral.pk, "report_id": report.pk},
    )
    return report


def checked_members(
    *, disclosure: Disclosure, members: Iterable[EmployerMember]
) -> list[EmployerMember]:
    """Every message about an applicant goes only to members of the establishment it was
    disclosed to: checked against each recipient right before it leaves (DESIGN.md
    section 1, the attachment built for one employer and sent to six others).

    Refuses:
        PermissionDenied:
            - a member of another establishment
    """
    chosen = list(members)
    for member in chosen:
        if member.establishment_id != disclosure.establishment_id:
            raise PermissionDenied(
                f"member {member.pk} is not of establishment {disclosure.establishment_id}"
            )
    return chosen


def _send_notice(
    disclosure: Disclosure, *, subject: Promise, template: str, stamp: str, action: str
) -> None:
    """One message to each active member of the disclosure's establishment with an
    address: that something waits on the my page and where to log in, nothing about the
    applicant. Stamps the disclosure and audits who was told, in the sending transaction."""
    members = checked_members(
        disclosure=disclosure,
        members=EmployerMember.objects.filter(
            establishment_id=disclosure.establishment_id, user__is_active=True
        )
        .exclude(user__email="")
        .select_related("user")
        .order_by("pk"),
    )
    login_url = settings.SITE_URL.rstrip("/") + reverse("employer_login")
    with translation.override(settings.LANGUAGE_CODE):
        messages = [
            EmailMessage(
                str(subject),
                render_to_string(template, {"login_url": login_url}),
                settings.DEFAULT_FROM_EMAIL,
                [member.user.email],
            )
            for member in members
        ]
    if messages:
        mailers.default.send_messages(messages)
    setattr(disclosure, stamp, timezone.now())
    disclosure.save(update_fields=[stamp])
    audit.record(
        action,
        actor=None,
        target=disclosure,
        detail={"member_ids": [member.pk for member in members]},
    )


def employer_notifications_send(*, limit: int = 100) -> int:
    """Tells each active member of an establishment, by one e-mail each, that an applicant
    has become visible. Idempotent: each disclosure is taken under a row lock (skipped when
    another worker holds it, on PostgreSQL), its mail sent and `notified_at` set in one
    transaction, so nothing goes out twice; a recalled disclosure never becomes visible
    and so never sends anything. A failing mail server rolls the disclosure back for the
    next run. Returns how many disclosures were notified.

    Refuses:
        PermissionDenied:
            - a member of another establishment
    """
    return drain(
        selectors.disclosures_due_for_notification,
        lambda disclosure: _send_notice(
            disclosure,
            subject=gettext_lazy("【ハローワーク】求人者マイページに新しい応募者の紹介があります"),
            template="referrals/email/new_applicant.txt",
            stamp="notified_at",
            action="disclosure.notified",
        ),
        limit=limit,
    )


def employer_restore_notices_send(*, limit: int = 100) -> int:
    """Tells each active member of an establishment, by one e-mail each, that Hello Work
    checked an applicant it reported as unexpected and shows it again (rule 11). Once per
    disclosure, like the other notices; nothing about the applicant. Returns how many
    disclosures were notified.

    Refuses:
        PermissionDenied:
            - a member of another establishment
    """
    return drain(
        selectors.disclosures_due_for_restore_notice,
        lambda disclosure: _send_notice(
            disclosure,
            subject=gettext_lazy(
                "【ハローワーク】報告いただいた応募者について、確認の結果をお知らせします"
            ),
            template="referrals/email/restored_applicant.txt",
            stamp="restore_notified_at",
            action="disclosure.restore_notified",
        ),
        limit=limit,
    )


def employer_withdrawal_notices_send(*, limit: int = 100) -> int:
    """Tells each active member of an establishment, by one e-mail each, that an applicant
    sent in error was withdrawn (rule 8), so that someone logs in, reads the notice and
    confirms that no copy was kept. Once per retracted disclosure, under the same lock and
    transaction as the arrival notice; the mail says nothing about the applicant. Returns
    how many disclosures were notified.

    Refuses:
        PermissionDenied:
            - a member of another establishment
    """
    return drain(
        selectors.disclosures_due_for_withdrawal_notice,
        lambda disclosure: _send_notice(
            disclosure,
            subject=gettext_lazy(
                "【ハローワーク】求人者マイページに、紹介の取り下げのお知らせがあります"
            ),
            template="referrals/email/withdrawn_applicant.txt",
            stamp="withdrawal_notified_at",
            action="disclosure.withdrawal_notified",
        ),
        limit=limit,
    )
