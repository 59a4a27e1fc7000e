"""A little history for the demo, made through the services like any real one: a letter
issued at the counter (with one caught mismatch on the way), a referral made by phone that
waits for a supervisor, and a seeker's declined posting. Built once, on a few seekers of
Koriyama; `seed_demo` asks for it through hellowork.signals.demo_built."""

import contextlib
from typing import Any

from django.core.exceptions import ValidationError

from hellowork.models import JobPosting, JobSeeker, StaffMember
from referrals import services
from referrals.models import ReferralLetter


def build_history(**kwargs: Any) -> None:
    if ReferralLetter.objects.exists():
        return  # once: a second seed_demo changes nothing
    clerk1 = StaffMember.objects.get(user__username="kor-clerk1")
    clerk2 = StaffMember.objects.get(user__username="kor-clerk2")
    seekers = list(JobSeeker.objects.filter(office=clerk1.office).order_by("number")[:3])
    if len(seekers) < 3:
        return
    asahi = JobPosting.objects.filter(
        establishment__name="株式会社あさひ物流", status="open"
    ).order_by("number")
    asahi_logi = JobPosting.objects.filter(
        establishment__name="株式会社朝日物流", status="open"
    ).order_by("number")
    first, second = asahi[0], asahi[1]
    look_alike = asahi_logi[0]

    # 1. At the counter: wants あさひ物流, declines the look-alike 朝日物流; one wrong
    #    digit is caught, then the letter is issued (the employer sees it after the hold).
    seeker = seekers[0]
    consultation = services.consultation_open(seeker=seeker, staff=clerk1, in_person=True)
    services.interest_record(
        consultation=consultation, posting=first, decision="apply", staff=clerk1
    )
    services.interest_record(
        consultation=consultation, posting=look_alike, decision="declined", staff=clerk1
    )
    referral = services.referral_draft(consultation=consultation, posting=first, staff=clerk1)
    digits = first.number.replace("-", "")[-4:]
    # One wrong digit first: the caught mismatch the supervisors will find among the alerts.
    with contextlib.suppress(ValidationError):
        services.referral_confirm_in_session(
            referral=referral,
            staff=clerk1,
            posting_digits=f"{(int(digits) + 1) % 10_000:04d}",
            seeker_birth_date=seeker.birth_date,
        )
    services.referral_confirm_in_session(
        referral=referral, staff=clerk1, posting_digits=digits, seeker_birth_date=seeker.birth_date
    )
    services.consultation_close(consultation=consultation, staff=clerk1)

    # 2. By phone: the seeker asks for あさひ物流's other posting; it waits for approval.
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
    services.referral_submit(referral=pending, staff=clerk2)

    # 3. A consultation still open at the counter, the seeker considering a posting.
    seeker = seekers[2]
    consultation = services.consultation_open(seeker=seeker, staff=clerk1, in_person=True)
    services.interest_record(
        consultation=consultation, posting=asahi_logi[1], decision="considering", staff=clerk1
    )
