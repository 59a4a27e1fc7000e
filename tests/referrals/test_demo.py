"""What `make run` shows: the demo's history, then its workers at work on the demo's clock."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from hellowork.models import AuditEvent, EmployerMember, StaffMember, StaffRole
from referrals.models import Alert, AlertKind, AlertSeverity, Disclosure

ASAHI = "株式会社あさひ物流"


@pytest.fixture
def demo_clock(settings):
    # What DJANGO_DEMO=1 (set by `make run`) makes of these (tests/hellowork/test_settings.py).
    settings.DISCLOSURE_HOLD_MINUTES = 2
    settings.CRITICAL_ALERT_ESCALATION_MINUTES = 3


@pytest.fixture
def seed(django_capture_on_commit_callbacks):
    """seed_demo as `make run` runs it: what waits for the commit happens."""

    def run():
        with django_capture_on_commit_callbacks(execute=True):
            call_command("seed_demo", verbosity=0)

    return run


def demo_disclosure():
    return Disclosure.objects.get(establishment__name=ASAHI)


def test_the_look_alike_checked_the_letter_and_the_supervisors_were_told(db, demo_clock, seed):
    seed()
    alert = Alert.objects.get(kind=AlertKind.CODE_MISMATCH)
    assert alert.severity == AlertSeverity.CRITICAL
    assert alert.office.code == "0704"
    assert alert.referral == demo_disclosure().referral
    deciders = StaffMember.objects.filter(
        office__code="0704", role__in=[StaffRole.SUPERVISOR, StaffRole.MANAGER]
    )
    told = {address for message in mail.outbox for address in message.to}
    assert told == {member.user.email for member in deciders}
    for message in mail.outbox:
        assert "重大なアラート" in message.subject
        assert "紹介コード照会の不一致" in message.body
        assert "心当たりがない" not in message.body  # said only of a report, which hides


def test_the_workers_send_the_arrival_and_the_escalation_on_the_demo_clock(db, demo_clock, seed):
    seed()
    disclosure = demo_disclosure()
    assert disclosure.visible_at == disclosure.created_at + datetime.timedelta(minutes=2)
    members = set(
        EmployerMember.objects.filter(establishment__name=ASAHI).values_list(
            "user__email", flat=True
        )
    )
    manager = StaffMember.objects.get(user__username="kor-mgr").user.email

    def round_after(minutes):
        mail.outbox.clear()
        at = disclosure.created_at + datetime.timedelta(minutes=minutes)
        with time_machine.travel(at, tick=False):
            call_command("notify_employers", verbosity=0)
            call_command("escalate_overdue", verbosity=0)
        return {address for message in mail.outbox for address in message.to}

    assert round_after(1) == set()  # still held, the alert still young
    assert round_after(2.5) == members  # the applicant arrives
    assert round_after(3.5) == {manager}  # nobody decided the alert: the managers are told
    assert "未解決のアラート" in mail.outbox[0].subject
    assert round_after(5) == set()  # each once


def test_a_restart_with_a_shorter_hold_shortens_the_held_demo_letter(db, settings, seed):
    settings.DISCLOSURE_HOLD_MINUTES = 10
    seed()
    disclosure = demo_disclosure()
    assert disclosure.visible_at == disclosure.created_at + datetime.timedelta(minutes=10)

    settings.DISCLOSURE_HOLD_MINUTES = 1
    with time_machine.travel(disclosure.created_at + datetime.timedelta(minutes=3)):
        seed()
        assert demo_disclosure().visible_at == disclosure.created_at + datetime.timedelta(minutes=1)
        event = AuditEvent.objects.get(action="disclosure.hold_changed")
        assert event.detail["hold_minutes"] == 1
        # The employer sees it now, and the next round of the worker tells its members.
        call_command("notify_employers", verbosity=0)
    assert demo_disclosure().notified_at is not None

    # Once visible, a later start changes nothing.
    settings.DISCLOSURE_HOLD_MINUTES = 10
    with time_machine.travel(disclosure.created_at + datetime.timedelta(minutes=4)):
        seed()
    assert demo_disclosure().visible_at == disclosure.created_at + datetime.timedelta(minutes=1)
    assert AuditEvent.objects.filter(action="disclosure.hold_changed").count() == 1


def test_the_demo_prints_its_clock_and_the_port_it_serves_on(db, settings, capsys):
    settings.DISCLOSURE_HOLD_MINUTES = 2
    settings.CRITICAL_ALERT_ESCALATION_MINUTES = 3
    settings.SITE_URL = "http://127.0.0.1:8001"
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "2 minutes after issue" in out
    assert "within 3 minutes" in out
    assert "http://127.0.0.1:8001/counter/login/" in out
    assert "http://127.0.0.1:8001/display/" in out
    assert "127.0.0.1:8000" not in out


def test_the_demo_letters_rest_on_calls_and_print_full(db, seed):
    """Issue 20: the demo's referrals were called first, so its letter is full."""
    from referrals.letters import letter_for_referral
    from referrals.models import ReferralLetter

    seed()
    referrals = list(ReferralLetter.objects.all())
    assert referrals
    for referral in referrals:
        call = referral.calls.get()
        assert call.reached and call.accepting and call.interview_place and call.contact_person
    letter = letter_for_referral(ReferralLetter.objects.get(status="issued"))
    for value in [
        letter.seeker_number,
        letter.establishment_address,
        letter.establishment_access,
        letter.selection_method,
        letter.interview_date,
        letter.interview_time,
        letter.interview_place,
        letter.documents,
        letter.contact_person,
    ]:
        assert value
