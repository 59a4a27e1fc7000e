"""The seeker-facing display (窓口の求職者用画面, DESIGN.md rule 3): pairing a display to
its office, retiring it, the read-back a clerk sends to it, and the seeker's own answer
on it.

The display holds no user login: the services that act for it take the CounterDisplay
its signed device credential names (referrals.display_credentials), and audit with no
actor but the display's id.
"""

import datetime
import hashlib
import ipaddress
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hellowork import audit
from hellowork.models import AuditEvent, StaffMember
from referrals import display_credentials, lifecycle
from referrals.lifecycle import Action
from referrals.models import (
    CounterDisplay,
    DisplayPairingAttempt,
    DisplayReadback,
    ReadbackAnswer,
    ReferralLetter,
    ReferralStatus,
)
from referrals.services import registry
from referrals.services._shared import (
    _locked_referral_and_consultation,
    _require_office,
)
from referrals.services.counter import (
    _counter_refusal,
    _expire_if_due,
    _record_caught_mismatch,
    _require_still_wanted,
    _touch,
)

LABEL_MAX_LENGTH = 40
# Guessing pairing codes (10 digits, valid DISPLAY_PAIRING_CODE_MINUTES): failed tries per
# address within the window, then refused before looking. Failures from everywhere together
# past PAIRING_FAILURES_ALARM are logged and traced, not refused: a global refusal would let
# anyone stop every office from pairing (DECISIONS.md).
PAIRING_WINDOW = datetime.timedelta(minutes=15)
PAIRING_FAILURES_PER_ADDRESS = 5
PAIRING_FAILURES_ALARM = 50
logger = logging.getLogger(__name__)
# The display writes when it was last seen at most this often.
SEEN_EVERY = datetime.timedelta(minutes=1)


@dataclass(frozen=True)
class Pairing:
    """What a redeemed pairing code gives the display's browser: the display and the
    secret to sign into its credential (shown once, never stored)."""

    display: CounterDisplay
    secret: str


def guessing_source(ip: str) -> str:
    """Where guesses are counted from: an IPv4 address as it is, an IPv6 address by its /64
    (one subscriber's prefix hands out as many addresses as it likes).

    Refuses: nothing.
    """
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        prefix = ipaddress.ip_network(f"{address}/64", strict=False).network_address
        return prefix.exploded[:19]  # the first four groups, "2001:0db8:0000:0001"
    return ip


def _lock_source(source: str) -> None:
    if connection.vendor == "postgresql":
        key = int.from_bytes(hashlib.sha256(f"pairing:{source}".encode()).digest()[:8], "big")
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key - (1 << 63)])


def _require_supervisor(staff: StaffMember) -> None:
    if not staff.can_approve:
        raise PermissionDenied(_("求職者用画面の登録と使用停止は、統括官または所長が行います。"))


def _new_pairing_code(display: CounterDisplay, now: datetime.datetime) -> str:
    """Sets a fresh one-time code on the display (saved by the caller); returns it."""
    while True:
        code = display_credentials.new_pairing_code()
        digest = display_credentials.digest(code, purpose="pairing")
        if not CounterDisplay.objects.filter(pairing_code_digest=digest).exists():
            break
    display.pairing_code_digest = digest
    display.pairing_code_expires_at = now + datetime.timedelta(
        minutes=settings.DISPLAY_PAIRING_CODE_MINUTES
    )
    return code


def display_pair(*, supervisor: StaffMember, label: str) -> CounterDisplay:
    """Registers a seeker-facing display and pairs it to the supervisor's office (rule 3;
    active from now, `paired_at`), and returns it with `pairing_code` (10 digits, a string)
    set on the instance: the one-time code to type into the display's browser at /display/
    within DISPLAY_PAIRING_CODE_MINUTES, which gives that browser the credential. Only the
    code's digest is stored. Refused: a clerk (PermissionDenied); an empty or too long label,
    or one already used by an active display of the office (ValidationError).

    Refuses:
        `label`:
            - "Enter the desk name (e.g. Desk 1)."
            - "Enter a desk name of %(max)d characters or fewer."
            - "A seeker’s display with this name already exists. Choose another name."
        PermissionDenied:
            - "Only a supervisor or a manager can register and retire seeker’s displays."
            - "You cannot change another office’s records."
            - "Only staff can do this."
    """
    _require_office(supervisor, supervisor.office_id)
    _require_supervisor(supervisor)
    label = (label or "").strip()
    if not label:
        raise ValidationError({"label": _("窓口の名前を入力してください（例: 第1窓口）。")})
    if len(label) > LABEL_MAX_LENGTH:
        raise ValidationError(
            {"label": _("窓口の名前は%(max)d文字以内にしてください。") % {"max": LABEL_MAX_LENGTH}}
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            display = CounterDisplay(
                office_id=supervisor.office_id,
                label=label,
                created_at=now,
                created_by=supervisor,
                paired_at=now,
            )
            code = _new_pairing_code(display, now)
            display.save()
            audit.record(
                "display.registered",
                actor=supervisor.user,
                target=display,
                detail={"office_id": supervisor.office_id},
            )
    except IntegrityError:
        raise ValidationError(
            {"label": _("この名前の求職者用画面は既にあります。別の名前にしてください。")}
        ) from None
    display.pairing_code = code  # type: ignore[attr-defined]
    return display


@transaction.atomic
def display_pairing_renew(*, display: CounterDisplay, supervisor: StaffMember) -> CounterDisplay:
    """A new one-time pairing code for a display of the supervisor's office, e.g. for a
    replaced tablet. The browser paired now keeps working until the new code is typed
    somewhere; then only that browser works. Returns the display with `pairing_code`.
    Refused for a retired display.

    Refuses:
        non-field:
            - "A retired seeker’s display cannot be paired."
        PermissionDenied:
            - "Only a supervisor or a manager can register and retire seeker’s displays."
            - "You cannot change another office’s records."
            - "Only staff can do this."
    """
    display = CounterDisplay.objects.select_for_update().get(pk=display.pk)
    _require_office(supervisor, display.office_id)
    _require_supervisor(supervisor)
    if display.retired_at is not None:
        raise ValidationError(_("使用停止した求職者用画面はペアリングできません。"))
    code = _new_pairing_code(display, timezone.now())
    display.save(update_fields=["pairing_code_digest", "pairing_code_expires_at"])
    audit.record("display.pairing_code_issued", actor=supervisor.user, target=display)
    display.pairing_code = code  # type: ignore[attr-defined]
    return display


def display_pairing_redeem(*, code: str, ip: str) -> Pairing:
    """The display's browser types the pairing code (full-width digits and separators
    allowed). On success the display is paired: a new device secret replaces any earlier
    one (the previous browser's credential stops working) and the code is used up.

    Refused with ValidationError, and counted (committed first): a wrong, used or expired
    code. Refused before looking: PAIRING_FAILURES_PER_ADDRESS failures from this address
    within PAIRING_WINDOW. The PAIRING_FAILURES_ALARM-th failure from everywhere within the
    window is logged as a warning and traced (`display.pairing_guessing`).

    Refuses:
        non-field:
            - "Too many wrong pairing codes in a row, so none are accepted for a while. Wait about
              15 minutes, or ask a supervisor to issue a new code."
        `code`:
            - "The pairing code is wrong or has expired. Enter the 10-digit number shown on the
              supervisor’s screen."
    """
    now = timezone.now()
    since = now - PAIRING_WINDOW
    source = guessing_source(ip)
    typed = display_credentials.normalize_pairing_code(code)
    digest = display_credentials.digest(typed, purpose="pairing")
    with transaction.atomic():
        # Counted and written under one lock per source: parallel tries queue, so a burst
        # from one address cannot all pass the count before any is written. A refusal here
        # writes nothing, so raising inside the transaction loses nothing.
        _lock_source(source)
        failures = DisplayPairingAttempt.objects.filter(at__gte=since, display__isnull=True)
        if failures.filter(ip=source).count() >= PAIRING_FAILURES_PER_ADDRESS:
            raise ValidationError(
                _(
                    "ペアリングコードの入力に続けて失敗したため、しばらく受け付けません。"
                    "15分ほど待つか、統括官に新しいコードを発行してもらってください。"
                )
            )
        display = (
            CounterDisplay.objects.select_for_update()
            .filter(
                pairing_code_digest=digest,
                pairing_code_expires_at__gt=now,
                retired_at__isnull=True,
            )
            .first()
            if len(typed) == display_credentials.PAIRING_CODE_DIGITS
            else None
        )
        DisplayPairingAttempt.objects.create(at=now, ip=source, display=display)
        if display is None:
            audit.record("display.pairing_failed", actor=None)
            if failures.count() % PAIRING_FAILURES_ALARM == 0:  # every 50th in the window
                logger.warning(
                    "%d failed display pairing codes in %s: someone may be guessing",
                    PAIRING_FAILURES_ALARM,
                    PAIRING_WINDOW,
                )
                audit.record(
                    "display.pairing_guessing",
                    actor=None,
                    detail={"failures": PAIRING_FAILURES_ALARM, "minutes": 15},
                )
        else:
            secret = display_credentials.new_device_secret()
            display.device_secret_digest = display_credentials.digest(secret, purpose="device")
            display.device_paired_at = now
            display.last_seen_at = now
            display.paired_ip = display.last_seen_ip = ip
            display.pairing_code_digest = ""
            display.pairing_code_expires_at = None
            display.save(
                update_fields=[
                    "device_secret_digest",
                    "device_paired_at",
                    "last_seen_at",
                    "paired_ip",
                    "last_seen_ip",
                    "pairing_code_digest",
                    "pairing_code_expires_at",
                ]
            )
            audit.record("display.paired", actor=None, target=display)
    if display is None:
        raise ValidationError(
            {
                "code": _(
                    "ペアリングコードが違うか、期限が切れています。統括官の画面に表示された"
                    "10桁の数字を入力してください。"
                )
            }
        )
    return Pairing(display=display, secret=secret)


@transaction.atomic
def display_retire(*, display: CounterDisplay, supervisor: StaffMember) -> CounterDisplay:
    """Takes a display out of use (lost, stolen, replaced): its credential opens nothing
    from now on, a read-back waiting on it is taken off, and no consultation can be opened
    at it or issue through it. Kept, never deleted: consultations and confirmations point
    at it.

    Refuses:
        non-field:
            - "This seeker’s display has already been retired."
        PermissionDenied:
            - "Only a supervisor or a manager can register and retire seeker’s displays."
            - "You cannot change another office’s records."
            - "Only staff can do this."
    """
    display = CounterDisplay.objects.select_for_update().get(pk=display.pk)
    _require_office(supervisor, display.office_id)
    _require_supervisor(supervisor)
    if display.retired_at is not None:
        raise ValidationError(_("この求職者用画面は既に使用停止されています。"))
    now = timezone.now()
    display.retired_at = now
    display.retired_by = supervisor
    display.pairing_code_digest = ""
    display.pairing_code_expires_at = None
    display.save(
        update_fields=["retired_at", "retired_by", "pairing_code_digest", "pairing_code_expires_at"]
    )
    DisplayReadback.objects.filter(
        display=display, answered_at__isnull=True, cleared_at__isnull=True
    ).update(cleared_at=now)
    audit.record("display.retired", actor=supervisor.user, target=display)
    return display


def display_seen(*, display: CounterDisplay, ip: str) -> None:
    """The display asked for its screen or answered: when and from where it was last seen,
    for the supervisors' list of displays, written at most once a minute. An address it has
    not been seen from today is traced once (`display.address_changed`): a copied credential
    used elsewhere shows there, and a tablet that switches between two addresses does not
    write a row per request.

    Refuses: nothing.
    """
    now = timezone.now()
    if display.last_seen_ip and display.last_seen_ip != ip:
        today_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        with transaction.atomic():
            updated = CounterDisplay.objects.filter(
                pk=display.pk, last_seen_ip=display.last_seen_ip
            ).update(last_seen_at=now, last_seen_ip=ip)
            already = AuditEvent.objects.filter(
                action="display.address_changed",
                target_type=CounterDisplay._meta.label_lower,
                target_id=str(display.pk),
                at__gte=today_start,
                detail__to=ip,
            ).exists()
            if updated and not already and ip != display.paired_ip:
                audit.record(
                    "display.address_changed",
                    actor=None,
                    target=display,
                    detail={"from": display.last_seen_ip, "to": ip},
                )
        return
    CounterDisplay.objects.filter(pk=display.pk).exclude(last_seen_at__gt=now - SEEN_EVERY).update(
        last_seen_at=now, last_seen_ip=ip
    )


# -- the read-back and the seeker's answer ------------------------------------------------


def display_show(*, referral: ReferralLetter, staff: StaffMember) -> DisplayReadback:
    """Rule 3: puts the referral's read-back on its consultation's display, replacing any
    read-back still waiting there. The display shows it for DisplayReadback.READBACK_SECONDS
    at most. Refused: another office's referral (PermissionDenied); a referral not in draft,
    one that needs approval (rules 3b, 4, 5), a seeker who no longer wants the posting, a
    retired display (ValidationError). A consultation past its time closes now and stays
    closed although the call is refused.

    Refuses:
        non-field:
            - "This consultation’s seeker’s display has been retired. Send the referral for
              supervisor approval."
            - "The job seeker’s decision on this posting is not “Apply”. Check the decision again."
            - the posting's own refusal, `JobPosting.refusal_on` (closed, or past its validity)
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
            - "This referral cannot be confirmed at the counter (%(reasons)s). Send it for
              supervisor approval."
            - "This referral letter is “%(status)s”, so it cannot be shown on the seeker’s display."
        PermissionDenied:
            - "You cannot change another office’s records."
            - "Only staff can do this."
    """
    with transaction.atomic():
        referral = _locked_referral_and_consultation(referral)
        consultation = referral.consultation
        _require_office(staff, consultation.office)
        lifecycle.require_transition(referral, Action.SHOW)
        now = timezone.now()
        _expire_if_due(consultation, now)
        refusal = _counter_refusal(referral, now)
        if refusal is None:
            _require_still_wanted(referral)
            display_id = consultation.display_id or 0  # an open in-person one always has one
            display = CounterDisplay.objects.select_for_update().filter(pk=display_id).first()
            if display is None or not display.is_active:
                raise ValidationError(
                    _(
                        "この相談の求職者用画面は使用停止されています。統括官の承認に回してください。"
                    )
                )
            replaced = list(
                DisplayReadback.objects.filter(
                    display=display, answered_at__isnull=True, cleared_at__isnull=True
                ).values_list("pk", flat=True)
            )
            DisplayReadback.objects.filter(pk__in=replaced).update(cleared_at=now)
            readback = DisplayReadback.objects.create(
                display=display, referral=referral, sent_by=staff, sent_at=now
            )
            _touch(consultation, now)
            audit.record(
                "display.readback_sent",
                actor=staff.user,
                target=readback,
                detail={
                    "referral_id": referral.pk,
                    "display_id": display.pk,
                    "replaced_ids": replaced,
                },
            )
            return readback
    raise refusal  # committed above: a consultation that closed by itself stays closed


@transaction.atomic
def display_readback_shown(*, readback: DisplayReadback) -> None:
    """Rule 10: the display drew the read-back, with the seeker's name, for the first
    time. Later redraws (the display asks every few seconds) add nothing.

    Refuses: nothing.
    """
    updated = DisplayReadback.objects.filter(pk=readback.pk, shown_at__isnull=True).update(
        shown_at=timezone.now()
    )
    if updated:
        audit.record(
            "display.readback_shown",
            actor=None,
            target=readback,
            detail={
                "display_id": readback.display_id,
                "referral_id": readback.referral_id,
                "seeker_id": readback.referral.consultation.seeker_id,
            },
        )


def _answer(
    *,
    display: CounterDisplay,
    referral: ReferralLetter,
    matched: bool,
    answer: str,
    fields: list[str],
) -> DisplayReadback:
    """The seeker's answer to the read-back waiting on `display` for `referral`. A mismatch
    (`matched` False) is a caught mismatch, committed before the refusal is raised."""
    if not display.is_active:
        raise PermissionDenied(_("この画面は使用できません。"))
    refusal: ValidationError | None = None
    with transaction.atomic():
        referral = _locked_referral_and_consultation(referral)
        consultation = referral.consultation
        now = timezone.now()
        since = now - datetime.timedelta(seconds=DisplayReadback.READBACK_SECONDS)
        readback = (
            DisplayReadback.objects.select_for_update()
            .filter(
                display=display,
                referral=referral,
                answered_at__isnull=True,
                cleared_at__isnull=True,
                sent_at__gte=since,
            )
            .first()
        )
        if (
            readback is None
            or consultation.display_id != display.pk
            or referral.status != ReferralStatus.DRAFT
        ):
            raise ValidationError(_("この確認の表示は終わりました。窓口の職員にお声がけください。"))
        _expire_if_due(consultation, now)
        if (
            _counter_refusal(referral, now) is not None
            or registry.rule13_refusal(referral) is not None
        ):
            readback.cleared_at = now
            readback.save(update_fields=["cleared_at"])
            refusal = ValidationError(
                _("この確認の表示は終わりました。窓口の職員にお声がけください。")
            )
        else:
            readback.answered_at = now
            readback.answer = answer
            readback.save(update_fields=["answered_at", "answer"])
            _touch(consultation, now)
            if matched:
                audit.record(
                    "referral.seeker_confirmed",
                    actor=None,
                    target=referral,
                    detail={"display_id": display.pk, "readback_id": readback.pk},
                )
                return readback
            _record_caught_mismatch(
                referral=referral,
                actor=None,
                action="referral.display_refused",
                fields=fields,
                detail={"display_id": display.pk, "readback_id": readback.pk},
            )
            refusal = ValidationError(
                {
                    fields[0]: _(
                        "生年月日が登録と一致しませんでした。窓口の職員にお声がけください。"
                    )
                    if answer == ReadbackAnswer.BIRTH_DATE_MISMATCH
                    else _("「違う」を受け付けました。窓口の職員にお声がけください。")
                }
            )
    raise refusal


def display_seeker_confirm(
    *, display: CounterDisplay, referral: ReferralLetter, seeker_birth_date: datetime.date
) -> DisplayReadback:
    """Rule 3: the seeker, on the display, pressed "apply to this job" and typed their own
    birth date (`seeker_birth_date`, a date; never shown on either screen, never stored).
    A match answers the read-back as confirmed: for DisplayReadback.SEEKER_ANSWER_MINUTES
    the clerk may then issue with the posting digits. A mismatch is a caught mismatch
    (committed, then refused). Refused: a display that is not active (PermissionDenied);
    no read-back of this referral waiting on this display, or one past READBACK_SECONDS,
    or a referral that can no longer be confirmed at the counter (ValidationError).

    Refuses:
        non-field:
            - "This check has ended. Please speak to a member of staff at the desk."
            - "This posting was moved to another establishment after the referral letter was
              drafted. Void this letter, check with the job seeker, and draft it again."
            - "This job seeker is protected and cannot be referred to this establishment, whoever
              tries. Ask a supervisor for details."
            - "This referral cannot be confirmed at the counter (%(reasons)s). Send it for
              supervisor approval."
        `seeker_birth_date`:
            - "Enter the date of birth."
            - "The date of birth does not match our records. Please speak to a member of staff at
              the desk." (a mismatch, recorded first); "We have noted “Not this job”. Please speak
              to a member of staff at the desk." (the seeker said it is not their job)
        PermissionDenied:
            - "This screen cannot be used."
    """
    if not isinstance(seeker_birth_date, datetime.date):
        raise ValidationError({"seeker_birth_date": _("生年月日を入力してください。")})
    registered = (
        ReferralLetter.objects.filter(pk=referral.pk)
        .values_list("consultation__seeker__birth_date", flat=True)
        .first()
    )
    matched = registered is not None and registered == seeker_birth_date
    return _answer(
        display=display,
        referral=referral,
        matched=matched,
        answer=ReadbackAnswer.CONFIRMED if matched else ReadbackAnswer.BIRTH_DATE_MISMATCH,
        fields=["seeker_birth_date"],
    )


def display_seeker_decline(*, display: CounterDisplay, referral: ReferralLetter) -> None:
    """The seeker, on the display, said this is not the job they want: the read-back is
    answered as declined, and it is a caught mismatch like a wrong birth date (rule 3):
    always refused, after the record is committed.

    Refuses:
        non-field:
            - "This check has ended. Please speak to a member of staff at the desk."
            - "This posting was moved to another establishment after the referral letter was
              drafted. Void this letter, check with the job seeker, and draft it again."
            - "This job seeker is protected and cannot be referred to this establishment, whoever
              tries. Ask a supervisor for details."
            - "This referral cannot be confirmed at the counter (%(reasons)s). Send it for
              supervisor approval."
        `seeker_declined`:
            - "The date of birth does not match our records. Please speak to a member of staff at
              the desk." (a mismatch, recorded first); "We have noted “Not this job”. Please speak
              to a member of staff at the desk." (the seeker said it is not their job)
        PermissionDenied:
            - "This screen cannot be used."
    """
    _answer(
        display=display,
        referral=referral,
        matched=False,
        answer=ReadbackAnswer.DECLINED,
        fields=["seeker_declined"],
    )
