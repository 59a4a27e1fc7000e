"""The counter's part of the demo, made through the services like any real one.

- Seeker-facing displays: one per clerk's desk in every office (第1窓口, 第2窓口, ...),
  registered by the office's first supervisor. Koriyama's desks get pairing codes that
  `seed_demo` prints, so a second browser window can be a desk's display; a code lasts
  DISPLAY_PAIRING_CODE_MINUTES and a new one is issued by the next `seed_demo` after it
  expires, or at any time by a supervisor on the counter's 求職者用画面 page.
- A little history on a few seekers of Koriyama: a letter issued at the counter (the seeker
  confirmed on the display; one wrong digit of the clerk's was caught on the way), a
  referral made by phone that waits for a supervisor, an in-person consultation still
  open, and the letter's code checked by the look-alike employer it was not for (a
  critical alert). `make run`'s workers then print, on the demo's short clock, the
  employer's arrival e-mail after the hold and the managers' escalation of the alert.
- A demo letter still in its hold takes the hold configured at this start (a restart with
  a shorter DISCLOSURE_HOLD_MINUTES shortens it), not the one of the first run.

`seed_demo` asks for it through hellowork.signals.demo_built and prints the lines returned.
"""

import contextlib
import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from hellowork import audit
from hellowork.models import EmployerMember, JobPosting, JobSeeker, Office, StaffMember, StaffRole
from referrals import display_credentials, services
from referrals.models import CounterDisplay, Disclosure, ReferralLetter

DEMO_OFFICE = "0704"  # Koriyama


def build_counter_demo(**kwargs: Any) -> list[str]:
    """The displays and the history; returns what seed_demo prints about the displays."""
    with transaction.atomic():
        fresh = _desk_displays()
        build_history()
        _hold_as_configured()
        return _pairing_codes(fresh) + _walkthrough()


def _walkthrough() -> list[str]:
    """Who to try it with: a walk-in seeker with no history yet and a posting to ask for, and
    what the seeker on the phone asked for (what the supervisor hears on calling back)."""
    seekers = list(JobSeeker.objects.filter(office__code=DEMO_OFFICE).order_by("number")[:4])
    postings = list(
        JobPosting.objects.filter(establishment__name="株式会社あさひ物流", status="open").order_by(
            "number"
        )
    )
    pending = ReferralLetter.objects.filter(status="pending_approval").select_related(
        "posting__establishment", "consultation__seeker"
    )
    if len(seekers) < 4 or len(postings) < 3:
        return []
    walk_in, posting = seekers[3], postings[2]
    lines = [
        "",
        "To try an in-person referral (as kor-clerk1 at 第1窓口): the seeker "
        f"{walk_in.number} {walk_in.name} ({walk_in.kana}), born {walk_in.birth_date:%Y-%m-%d}"
        f" (the seeker types it on the display), asks for posting {posting.number} "
        f"({posting.establishment.name}, {posting.title}).",
    ]
    for referral in pending[:1]:
        lines.append(
            f"The phone referral waiting for kor-sup1: called back on the registered number, "
            f"{referral.consultation.seeker.name} asks for posting {referral.posting.number} "
            f"({referral.posting.establishment.name})."
        )
    lines += [
        "",
        "E-mail is printed in this terminal, not sent. On this clock the demo applicant "
        "reaches 株式会社あさひ物流's my page "
        f"{settings.DISCLOSURE_HOLD_MINUTES} minutes after issue (DISCLOSURE_HOLD_MINUTES) "
        "and the worker e-mails its members; 株式会社朝日物流 checked that letter's code "
        "(a critical alert, e-mailed to Koriyama's supervisors and manager), and if nobody "
        f"decides it within {settings.CRITICAL_ALERT_ESCALATION_MINUTES} minutes "
        "(CRITICAL_ALERT_ESCALATION_MINUTES) the worker e-mails kor-mgr.",
    ]
    return lines


def _desk_displays() -> dict[int, str]:
    """One display per clerk in every office, once; returns the codes just issued."""
    fresh: dict[int, str] = {}
    for office in Office.objects.order_by("code"):
        if CounterDisplay.objects.filter(office=office).exists():
            continue
        supervisor = (
            StaffMember.objects.filter(office=office, role=StaffRole.SUPERVISOR)
            .order_by("user__username")
            .first()
        )
        clerks = StaffMember.objects.filter(office=office, role=StaffRole.CLERK).count()
        if supervisor is None:
            continue
        for desk in range(1, clerks + 1):
            display = services.display_pair(supervisor=supervisor, label=f"第{desk}窓口")
            fresh[display.pk] = display.pairing_code  # type: ignore[attr-defined]
    return fresh


def _pairing_codes(fresh: dict[int, str]) -> list[str]:
    """The demo office's desks' codes: those just issued, and new ones for desks whose code
    has run out (or was used)."""
    now = timezone.now()
    displays = CounterDisplay.objects.filter(
        office__code=DEMO_OFFICE, retired_at__isnull=True
    ).order_by("label")
    supervisor = (
        StaffMember.objects.filter(office__code=DEMO_OFFICE, role=StaffRole.SUPERVISOR)
        .order_by("user__username")
        .first()
    )
    if supervisor is None or not displays:
        return []
    lines = [
        "",
        f"Seeker-facing displays (求職者用画面): open {settings.SITE_URL}"
        f"{reverse('display_home')} in a second browser window (or a tablet) and type a desk's"
        " pairing code; open a consultation in person at that desk as its clerk.",
    ]
    for display in displays:
        expires = display.pairing_code_expires_at
        if display.pk in fresh and display.pairing_code_digest and expires:
            code = display_credentials.format_pairing_code(fresh[display.pk])
            lines.append(
                f"  {display.label}  pairing code {code}  (valid until "
                f"{timezone.localtime(expires):%H:%M})"
            )
            continue
        if display.pairing_code_digest and expires and expires > now:
            lines.append(
                f"  {display.label}  code printed earlier, valid until "
                f"{timezone.localtime(expires):%H:%M}"
            )
            continue
        renewed = services.display_pairing_renew(display=display, supervisor=supervisor)
        code = display_credentials.format_pairing_code(renewed.pairing_code)  # type: ignore[attr-defined]
        lines.append(
            f"  {display.label}  pairing code {code}  (valid until "
            f"{timezone.localtime(renewed.pairing_code_expires_at):%H:%M})"
        )
    lines.append(
        f"  New codes at any time: {supervisor.user.username} → 求職者用画面 "
        f"({settings.SITE_URL}{reverse('display_list')})."
    )
    return lines


def build_history() -> None:
    if ReferralLetter.objects.exists():
        return  # once: a second seed_demo changes nothing
    clerk1 = StaffMember.objects.get(user__username="kor-clerk1")
    clerk2 = StaffMember.objects.get(user__username="kor-clerk2")
    seekers = list(JobSeeker.objects.filter(office=clerk1.office).order_by("number")[:3])
    desk = CounterDisplay.objects.filter(office=clerk1.office, label="第1窓口").first()
    if len(seekers) < 3 or desk is None:
        return
    asahi = JobPosting.objects.filter(
        establishment__name="株式会社あさひ物流", status="open"
    ).order_by("number")
    asahi_logi = JobPosting.objects.filter(
        establishment__name="株式会社朝日物流", status="open"
    ).order_by("number")
    first, second = asahi[0], asahi[1]
    look_alike = asahi_logi[0]

    # Desk 1's display was paired (as its tablet would do with the printed code).
    renewed = services.display_pairing_renew(
        display=desk,
        supervisor=StaffMember.objects.get(user__username="kor-sup1"),
    )
    desk = services.display_pairing_redeem(
        code=renewed.pairing_code,  # type: ignore[attr-defined]
        ip="127.0.0.1",
    ).display

    # 1. At the counter: wants あさひ物流, declines the look-alike 朝日物流. The seeker
    #    confirms on the display; the clerk's one wrong digit is caught, then the letter is
    #    issued (the employer sees it after the hold).
    seeker = seekers[0]
    consultation = services.consultation_open(
        seeker=seeker, staff=clerk1, in_person=True, display=desk
    )
    services.interest_record(
        consultation=consultation, posting=first, decision="apply", staff=clerk1
    )
    services.interest_record(
        consultation=consultation, posting=look_alike, decision="declined", staff=clerk1
    )
    referral = services.referral_draft(consultation=consultation, posting=first, staff=clerk1)
    # The clerk phones the employer first (issue 20): still taking applicants; the
    # interview is arranged and printed on the letter.
    _call_employer(referral, clerk1, place="本社事務所 2階 応接室", person="総務課 採用担当 鈴木")
    services.display_show(referral=referral, staff=clerk1)
    services.display_seeker_confirm(
        display=desk, referral=referral, seeker_birth_date=seeker.birth_date
    )
    digits = first.number.replace("-", "")[-4:]
    # One wrong digit first: the caught mismatch the supervisors will find among the alerts.
    with contextlib.suppress(ValidationError):
        services.referral_confirm_in_session(
            referral=referral, staff=clerk1, posting_digits=f"{(int(digits) + 1) % 10_000:04d}"
        )
    services.referral_confirm_in_session(referral=referral, staff=clerk1, posting_digits=digits)
    services.consultation_close(consultation=consultation, staff=clerk1)

    # 2. By phone: the seeker asks for あさひ物流's other posting; it waits for approval
    #    (kor-sup1 calls the seeker back on the registered number).
    seeker = seekers[1]
    consultation = services.consultation_open(seeker=seeker, staff=clerk2, in_person=False)
    services.consultation_note_update(
        consultation=consultation,
        staff=clerk2,
        note=f"電話で応募の希望あり: 求人番号 {second.number}",
    )
    services.interest_record(
        consultation=consultation, posting=second, decision="apply", staff=clerk2
    )
    pending = services.referral_draft(consultation=consultation, posting=second, staff=clerk2)
    _call_employer(pending, clerk2, place="郡山物流センター 事務棟", person="物流部 佐藤")
    services.referral_submit(referral=pending, staff=clerk2)

    # 3. A consultation at desk 1, the seeker considering a posting (it closes by itself
    #    after CONSULTATION_IDLE_MINUTES without action).
    seeker = seekers[2]
    consultation = services.consultation_open(
        seeker=seeker, staff=clerk1, in_person=True, display=desk
    )
    services.interest_record(
        consultation=consultation, posting=asahi_logi[1], decision="considering", staff=clerk1
    )

    # 4. The seeker of 1 took the letter to the look-alike 朝日物流, which checked its code on
    #    the my page (rule 9): a critical alert at Koriyama, e-mailed to its supervisors now
    #    and to its manager if nobody decides it within CRITICAL_ALERT_ESCALATION_MINUTES.
    member = (
        EmployerMember.objects.filter(establishment=look_alike.establishment).order_by("pk").first()
    )
    code = ReferralLetter.objects.filter(pk=referral.pk).values_list("code", flat=True).first()
    if member is not None and code:
        services.code_check(member=member, code=code)


def _call_employer(
    referral: ReferralLetter, clerk: StaffMember, *, place: str, person: str
) -> None:
    """The call before issue (issue 20), as a clerk records it: reached, still taking
    applicants, an interview three days on at 10:00 (the demo's letter is full)."""
    services.employer_call_record(
        referral=referral,
        staff=clerk,
        reached=True,
        accepting=True,
        interview_date=timezone.localdate() + datetime.timedelta(days=3),
        interview_time=datetime.time(10, 0),
        interview_place=place,
        contact_person=person,
        documents="履歴書（写真貼付）、職務経歴書、紹介状",
        selection_method="面接（1回）、書類選考",
        note="電話で受付中を確認。面接日時は求職者の都合を聞いて調整済み。",
    )


def _hold_as_configured() -> None:
    """The demo letter, while still held, becomes visible DISCLOSURE_HOLD_MINUTES after its
    issue as configured now: a restart with a shorter hold (to see the applicant arrive
    sooner) would otherwise keep the hold of the run that made it."""
    now = timezone.now()
    hold = datetime.timedelta(minutes=settings.DISCLOSURE_HOLD_MINUTES)
    for disclosure in Disclosure.objects.filter(
        referral__drafted_by__user__username="kor-clerk1",
        referral__consultation__seeker__in=JobSeeker.objects.filter(
            office__code=DEMO_OFFICE
        ).order_by("number")[:1],
        visible_at__gt=now,
        notified_at__isnull=True,
        recalled_at__isnull=True,
    ):
        visible_at = disclosure.created_at + hold
        if visible_at == disclosure.visible_at:
            continue
        Disclosure.objects.filter(pk=disclosure.pk).update(visible_at=visible_at)
        audit.record(
            "disclosure.hold_changed",
            actor=None,
            target=disclosure,
            detail={
                "visible_at": visible_at.isoformat(),
                "hold_minutes": settings.DISCLOSURE_HOLD_MINUTES,
            },
        )
