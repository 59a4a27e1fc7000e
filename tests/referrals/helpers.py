"""Short paths through the services for tests that need a referral in some state."""

import datetime

from django.utils import timezone

from referrals import services
from referrals.models import CounterDisplay
from tests import factories

BIRTH = datetime.date(1990, 5, 17)


def desk_display(office) -> CounterDisplay:
    """The office's first active seeker-facing display, made (paired) if there is none."""
    display = (
        CounterDisplay.objects.filter(office=office, paired_at__isnull=False, retired_at=None)
        .order_by("pk")
        .first()
    )
    return display or factories.CounterDisplayFactory(office=office)


def consult(seeker, staff, *, in_person=True, apply=(), declined=(), display=None):
    """A consultation; in person at `display` (default: the office's desk display)."""
    if in_person and display is None:
        display = desk_display(staff.office)
    consultation = services.consultation_open(
        seeker=seeker, staff=staff, in_person=in_person, display=display if in_person else None
    )
    for posting in apply:
        services.interest_record(
            consultation=consultation, posting=posting, decision="apply", staff=staff
        )
    for posting in declined:
        services.interest_record(
            consultation=consultation, posting=posting, decision="declined", staff=staff
        )
    return consultation


def call_employer(referral, staff=None, **fields):
    """The clerk's call to the employer before issue (issue 20): reached, still taking
    applicants, an interview the day after tomorrow at ten; `fields` override."""
    values = {
        "reached": True,
        "accepting": True,
        "interview_date": timezone.localdate() + datetime.timedelta(days=2),
        "interview_time": datetime.time(10, 0),
        "interview_place": "本社 2階 会議室",
        "contact_person": "総務課 佐藤",
        "documents": "履歴書（写真貼付）、紹介状",
        "selection_method": "面接",
    }
    values.update(fields)
    return services.employer_call_record(
        referral=referral, staff=staff or referral.drafted_by, **values
    )


def called_draft(*, consultation, posting, staff):
    """A draft whose employer was called (reached, still taking applicants): what the
    clerk does before showing it to the seeker or submitting it."""
    referral = services.referral_draft(consultation=consultation, posting=posting, staff=staff)
    call_employer(referral, staff)
    return referral


def digits_of(posting) -> str:
    return posting.number.replace("-", "")[-4:]


def seeker_confirms(referral, staff, *, birth_date=None):
    """The clerk sends the read-back; the seeker confirms on the display with their own
    birth date (or `birth_date`). Returns the read-back."""
    referral.refresh_from_db()
    readback = services.display_show(referral=referral, staff=staff)
    services.display_seeker_confirm(
        display=readback.display,
        referral=referral,
        seeker_birth_date=birth_date or referral.consultation.seeker.birth_date,
    )
    return readback


def issue_in_person(seeker, staff, posting):
    consultation = consult(seeker, staff, apply=[posting])
    referral = called_draft(consultation=consultation, posting=posting, staff=staff)
    seeker_confirms(referral, staff)
    services.referral_confirm_in_session(
        referral=referral, staff=staff, posting_digits=digits_of(posting)
    )
    referral.refresh_from_db()
    return referral


def pending(seeker, staff, posting):
    consultation = consult(seeker, staff, in_person=False, apply=[posting])
    referral = called_draft(consultation=consultation, posting=posting, staff=staff)
    services.referral_submit(referral=referral, staff=staff)
    referral.refresh_from_db()
    return referral


def approve(referral, supervisor, *, source="callback"):
    """A supervisor approves, having heard the posting from the seeker."""
    services.referral_approve(
        referral=referral,
        supervisor=supervisor,
        stated_posting_number=referral.posting.number,
        source=source,
    )
    referral.refresh_from_db()
    return referral


def retract(referral, *, requester, supervisor, reason="別の事業所に誤って紹介したため"):
    """Requests and approves the retraction of a visible referral; the incident."""
    services.referral_retract(referral=referral, staff=requester, reason=reason)
    incident = services.retraction_approve(referral=referral, supervisor=supervisor)
    referral.refresh_from_db()
    return incident
