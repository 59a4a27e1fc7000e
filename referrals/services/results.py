"""Selection results by every route (issue 20): what a result must say, and the one line
of history per referral that the employer's my page and the counter both append to.

The my page's own entry is `employer.selection_result_record`; the counter's is
`selection_result_receive` here: a clerk types a result received on the back of the
letter (paper), by fax or by phone, naming the employer's person who gave it, or a
seeker's own withdrawal (辞退) told at the counter. Either may correct the other: each new
row points at the current one (`corrects`), whoever recorded it.
"""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from hellowork import audit
from hellowork.models import EmployerMember, StaffMember
from referrals import lifecycle
from referrals.lifecycle import Phase
from referrals.models import (
    ROUTES_WITH_GIVER,
    Disclosure,
    NotHiredReason,
    ReferralLetter,
    ReferralStatus,
    ResultRoute,
    SelectionOutcome,
    SelectionResult,
)
from referrals.services._shared import _require_office

NOTE_MAX_LENGTH = 2000
GIVEN_BY_MAX_LENGTH = 100
START_DATE_HORIZON = datetime.timedelta(days=366)
STAFF_ROUTES = (ResultRoute.PAPER, ResultRoute.FAX, ResultRoute.PHONE, ResultRoute.SEEKER)


def _format_date(day: datetime.date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def result_values(
    *,
    referral_date: datetime.date,
    result: str,
    start_date: datetime.date | None,
    not_hired_reason: str,
    conditions_differ: bool | None,
    conditions_difference: str,
) -> dict[str, Any]:
    """The checked fields of a result, or ValidationError naming each wrong field.
    採用 needs the planned start date (from `referral_date` to a year after it); 不採用 may
    say why, from the list (辞退 is 不採用 with the reason 応募者が辞退した); whether the
    hiring conditions differ from the posting (相違の有無) is always answered, and a yes
    says how (at most NOTE_MAX_LENGTH characters).

    Refuses:
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
    """
    reason = (not_hired_reason or "").strip()
    difference = (conditions_difference or "").strip()
    errors = {
        **_outcome_errors(
            referral_date=referral_date, result=result, start_date=start_date, reason=reason
        ),
        **_conditions_errors(conditions_differ=conditions_differ, difference=difference),
    }
    if errors:
        raise ValidationError(errors)
    return {
        "result": result,
        "start_date": start_date,
        "not_hired_reason": reason,
        "conditions_differ": bool(conditions_differ),
        "conditions_difference": difference,
    }


def _outcome_errors(
    *, referral_date: datetime.date, result: str, start_date: datetime.date | None, reason: str
) -> dict[str, str]:
    """`result_values`' errors on the outcome: 採用 with its start date, 不採用 with its reason."""
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
        elif not (referral_date <= start_date <= referral_date + START_DATE_HORIZON):
            errors["start_date"] = _(
                "入社予定日は、紹介日（%(first)s）から1年以内の日付を入力してください。"
            ) % {"first": _format_date(referral_date)}
    else:
        if start_date is not None:
            errors["start_date"] = _("入社予定日は、採用の場合だけ入力してください。")
        if reason and reason not in NotHiredReason.values:
            errors["not_hired_reason"] = _("不採用の理由は一覧から選んでください。")
    return errors


def _conditions_errors(*, conditions_differ: bool | None, difference: str) -> dict[str, str]:
    """`result_values`' errors on whether, and how, the conditions differ from the posting."""
    errors: dict[str, str] = {}
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
    return errors


def current_result(referral_id: int) -> SelectionResult | None:
    """The row no later row corrects. Call with the referral (or its disclosure) locked.

    Refuses: nothing.
    """
    return SelectionResult.objects.filter(
        referral_id=referral_id, corrected_by__isnull=True
    ).first()


def append_result(
    *,
    referral_id: int,
    values: dict[str, Any],
    route: str,
    given_by: str = "",
    member: EmployerMember | None = None,
    staff: StaffMember | None = None,
) -> tuple[SelectionResult, SelectionResult | None]:
    """Adds a row to the referral's one line of history, correcting the current row
    whoever recorded it; refuses a row that says the same as the current one. Returns the
    new row and the one it corrects. The caller holds the lock and writes the audit.

    Refuses:
        non-field:
            - "This is the same as the current record. To correct it, change the details."
    """
    current = current_result(referral_id)
    if current is not None and all(getattr(current, k) == v for k, v in values.items()):
        raise ValidationError(_("記録済みの内容と同じです。訂正する場合は内容を変更してください。"))
    recorded = SelectionResult.objects.create(
        referral_id=referral_id,
        corrects=current,
        route=route,
        given_by=given_by,
        recorded_by_member=member,
        recorded_by_staff=staff,
        recorded_at=timezone.now(),
        **values,
    )
    return recorded, current


@transaction.atomic
def selection_result_receive(
    *,
    referral: ReferralLetter,
    staff: StaffMember,
    route: str,
    given_by: str = "",
    result: str,
    start_date: datetime.date | None = None,
    not_hired_reason: str = "",
    conditions_differ: bool | None = None,
    conditions_difference: str = "",
) -> SelectionResult:
    """A clerk of the referral's office records a result received outside the my page.

    `route`: "paper" (the 選考結果通知 on the back of the letter, posted or brought),
    "fax" or "phone", with `given_by` the employer's person who gave it (free text, at most
    100 characters, required); or "seeker": the seeker said at the counter that they
    withdrew (辞退), which records 不採用 with the reason 応募者が辞退した and names nobody.
    The other fields as in `result_values`. Any staff member of the office may record it,
    at any time (the my page's window does not apply: the window's message sends employers
    here). Refused, changing nothing: another office's referral (PermissionDenied), a
    letter that is not issued (a draft, voided or retracted one reached no employer), one
    whose personal data has been erased by retention, one still in its hold (not yet seen
    by the employer, still recallable), an unknown route, a missing or
    superfluous giver, a seeker's report that is not a withdrawal, and a row that says the
    same as the current one. Audited as `selection_result.received` (ids, route, result;
    never the giver's name or the difference's text).

    Refuses:
        non-field:
            - "A selection result can only be recorded for an issued referral letter."
            - "This referral's personal data has been erased, so no selection result can be
              recorded."
            - "No selection result can be recorded before the employer can see the applicant (during
              the hold)."
            - "This is the same as the current record. To correct it, change the details."
        `conditions_differ`:
            - "Choose whether the hiring conditions differ from the posting."
        `conditions_difference`:
            - "Enter the details of the difference in %(max)d characters or fewer."
            - "If there is a difference, describe how the conditions differ from the posting."
            - "If there is no difference, leave the details of the difference empty."
        `given_by`:
            - "Enter the name of the establishment's person who gave the result."
            - "A report by the seeker in person names no one at the establishment."
            - "The person's name can be at most %(max)d characters."
        `not_hired_reason`:
            - "Choose a reason for not hiring only when the result is “Not hired”."
            - "Choose the reason for not hiring from the list."
        `result`:
            - "A report by the seeker in person can only be a withdrawal (not hired, the applicant
              withdrew)."
            - "Choose “Hired” or “Not hired” as the selection result."
        `route`:
            - "Choose how the result was received from the list."
        `start_date`:
            - "If the result is “Hired”, enter the planned start date."
            - "Enter a planned start date only when the result is “Hired”."
            - "Enter the planned start date as a date."
            - "Enter a planned start date within one year of the referral date (%(first)s)."
        PermissionDenied:
            - "You cannot change another office’s records."
            - "Only staff can do this."
    """
    _require_office(staff, referral.consultation.office_id)
    locked = (
        ReferralLetter.objects.select_for_update(of=("self",))
        .select_related("consultation")
        .get(pk=referral.pk)
    )
    _require_office(staff, locked.consultation.office_id)
    if locked.status != ReferralStatus.ISSUED or locked.issued_at is None:
        raise ValidationError(_("選考結果は、発行済みの紹介状にだけ記録できます。"))
    # The my page appends to the same line holding the referral's and then the
    # disclosure's lock: taking both in the same order makes the two wait for each other
    # instead of both correcting the same row (or deadlocking).
    disclosure = Disclosure.objects.select_for_update().filter(referral_id=locked.pk).first()
    phase = (
        lifecycle.disclosure_phase(disclosure, timezone.now()) if disclosure is not None else None
    )
    if phase in (Phase.ERASED, Phase.RETRACTED):
        raise ValidationError(_("この紹介の個人情報は消去済みのため、選考結果を記録できません。"))
    if phase is Phase.IN_HOLD:
        # Within the hold nobody at the employer has seen the applicant, and the letter can
        # still be recalled unseen (rule 7): a result then would outlive the recall.
        raise ValidationError(_("求人者に公開される前（保留中）は、選考結果を記録できません。"))
    giver = (given_by or "").strip()
    errors = _route_errors(
        route=route, giver=giver, result=result, not_hired_reason=not_hired_reason
    )
    try:
        values = result_values(
            referral_date=timezone.localdate(locked.issued_at),
            result=result,
            start_date=start_date,
            not_hired_reason=not_hired_reason,
            conditions_differ=conditions_differ,
            conditions_difference=conditions_difference,
        )
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, messages[0])
    if errors:
        raise ValidationError(errors)
    recorded, current = append_result(
        referral_id=locked.pk, values=values, route=route, given_by=giver, staff=staff
    )
    audit.record(
        "selection_result.received",
        actor=staff.user,
        target=recorded,
        detail={
            "referral_id": locked.pk,
            "disclosure_id": disclosure.pk if disclosure is not None else None,
            "route": route,
            "result": values["result"],
            "start_date": start_date.isoformat() if start_date else None,
            "not_hired_reason": values["not_hired_reason"],
            "conditions_differ": values["conditions_differ"],
            "corrects_id": current.pk if current is not None else None,
            "corrects_route": current.route if current is not None else None,
        },
    )
    return recorded


def _route_errors(*, route: str, giver: str, result: str, not_hired_reason: str) -> dict[str, str]:
    """`selection_result_receive`'s errors on the route: a known one, a giver named exactly
    when the route has one, and only a withdrawal from the seeker."""
    errors: dict[str, str] = {}
    if route not in STAFF_ROUTES:
        errors["route"] = _("受付の方法を一覧から選んでください。")
    elif route in ROUTES_WITH_GIVER:
        if not giver:
            errors["given_by"] = _("連絡してきた事業所の担当者の名前を入力してください。")
        elif len(giver) > GIVEN_BY_MAX_LENGTH:
            errors["given_by"] = _("担当者の名前は%(max)d文字以内で入力してください。") % {
                "max": GIVEN_BY_MAX_LENGTH
            }
    elif giver:
        errors["given_by"] = _("求職者本人からの申し出では、事業所の担当者は入力しません。")
    if route == ResultRoute.SEEKER and not (
        result == SelectionOutcome.NOT_HIRED
        and (not_hired_reason or "").strip() == NotHiredReason.APPLICANT_WITHDREW
    ):
        errors["result"] = _(
            "求職者本人からの申し出で記録できるのは辞退（不採用・応募者が辞退した）だけです。"
        )
    return errors
