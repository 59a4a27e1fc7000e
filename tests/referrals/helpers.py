"""Short paths through the services for tests that need a referral in some state."""

import datetime

from referrals import services

BIRTH = datetime.date(1990, 5, 17)


def consult(seeker, staff, *, in_person=True, apply=(), declined=()):
    consultation = services.consultation_open(seeker=seeker, staff=staff, in_person=in_person)
    for posting in apply:
        services.interest_record(
            consultation=consultation, posting=posting, decision="apply", staff=staff
        )
    for posting in declined:
        services.interest_record(
            consultation=consultation, posting=posting, decision="declined", staff=staff
        )
    return consultation


def issue_in_person(seeker, staff, posting):
    consultation = consult(seeker, staff, apply=[posting])
    referral = services.referral_draft(consultation=consultation, posting=posting, staff=staff)
    services.referral_confirm_in_session(
        referral=referral,
        staff=staff,
        posting_digits=posting.number.replace("-", "")[-4:],
        seeker_birth_date=seeker.birth_date,
    )
    referral.refresh_from_db()
    return referral


def pending(seeker, staff, posting):
    consultation = consult(seeker, staff, in_person=False, apply=[posting])
    referral = services.referral_draft(consultation=consultation, posting=posting, staff=staff)
    services.referral_submit(referral=referral, staff=staff)
    referral.refresh_from_db()
    return referral


def retract(referral, *, requester, supervisor, reason="別の事業所に誤って紹介したため"):
    """Requests and approves the retraction of a visible referral; the incident."""
    services.referral_retract(referral=referral, staff=requester, reason=reason)
    incident = services.retraction_approve(referral=referral, supervisor=supervisor)
    referral.refresh_from_db()
    return incident
