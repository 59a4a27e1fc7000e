"""Races of issue 5 that only a real database with row locks can show (PostgreSQL)."""

import datetime
import io

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection

from hellowork.models import StaffRole
from referrals import services
from referrals.models import Alert, Incident, RetractionRequest
from referrals.services import incidents
from tests import factories
from tests.concurrency.test_referrals import race
from tests.referrals.helpers import called_draft, issue_in_person

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def test_supervisors_approving_one_retraction_at_once_open_one_incident(
    no_hold, alice, seeker_a, posting_d, koriyama
):
    referral = issue_in_person(seeker_a, alice, posting_d)
    services.referral_retract(referral=referral, staff=alice, reason="誤り")
    supervisors = [
        factories.StaffMemberFactory(office=koriyama, role=StaffRole.SUPERVISOR) for _ in range(4)
    ]
    outcomes = race(
        [
            lambda s=s: services.retraction_approve(referral=referral, supervisor=s)
            for s in supervisors
        ]
    )
    assert outcomes.count("ok") == 1
    assert Incident.objects.count() == 1
    assert RetractionRequest.objects.get().status == "approved"


def test_clerks_asking_at_once_make_one_request(no_hold, alice, seeker_a, posting_d, koriyama):
    referral = issue_in_person(seeker_a, alice, posting_d)
    clerks = [factories.StaffMemberFactory(office=koriyama) for _ in range(4)]
    outcomes = race(
        [
            lambda c=c: services.referral_retract(referral=referral, staff=c, reason="誤り")
            for c in clerks
        ]
    )
    assert outcomes.count("ok") == 1
    assert RetractionRequest.objects.count() == 1


def test_workers_escalating_at_once_send_each_mail_once(
    applicant_c, erin, alice, koriyama, settings
):
    factories.StaffMemberFactory(
        office=koriyama, role=StaffRole.MANAGER, user__email="shocho@koriyama.example.jp"
    )
    settings.CODE_CHECK_LIMIT_PER_MEMBER = settings.CODE_CHECK_LIMIT_PER_ESTABLISHMENT = 50
    for _ in range(6):
        services.code_check(member=erin, code=applicant_c.referral_code)
    services.referral_retract(referral=applicant_c.referral, staff=alice, reason="誤り")
    later = Alert.objects.order_by("-created_at").first().created_at
    with time_machine.travel(
        later + datetime.timedelta(hours=settings.ALERT_ESCALATION_HOURS, minutes=1)
    ):
        outcomes = race([lambda: call_command("escalate_overdue", stdout=io.StringIO())] * 3)
    assert outcomes == ["ok"] * 3
    urgent = [m for m in mail.outbox if "至急" in m.subject]
    assert len(urgent) == 6  # rule 11's e-mail, unsent as no commit ran: once per alert
    assert len(mail.outbox) - len(urgent) == 7  # six alerts and the retraction, once each
    assert not Alert.objects.filter(escalated_at__isnull=True).exists()
    assert RetractionRequest.objects.get().escalated_at is not None


def test_alert_resolved_twice_at_once_keeps_one_note(applicant_c, erin, bob, koriyama):
    services.code_check(member=erin, code=applicant_c.referral_code)
    alert = Alert.objects.get()
    other = factories.StaffMemberFactory(office=koriyama, role=StaffRole.SUPERVISOR)
    outcomes = race(
        [
            lambda: incidents.alert_resolve(alert=alert, supervisor=bob, note="一人目"),
            lambda: incidents.alert_resolve(alert=alert, supervisor=other, note="二人目"),
        ]
    )
    assert outcomes.count("ok") == 1
    alert.refresh_from_db()
    assert alert.resolution_note in ("一人目", "二人目")


def test_a_self_inspection_and_a_caught_mismatch_of_the_same_clerk_at_once(
    alice, seeker_a, posting_c, monkeypatch
):
    """Rule 12's warning takes no row lock after the audit chain's (a deadlock with the
    check sheet, which locks the clerk's row first): both go through."""
    import threading
    import time

    from django.core.exceptions import ValidationError

    from referrals.models import SelfInspectionItem
    from tests.referrals.helpers import consult, seeker_confirms

    SelfInspectionItem.objects.create(text="読み上げた", active=True)
    answers = {item.pk: True for item in SelfInspectionItem.objects.filter(active=True)}
    consultation = consult(seeker_a, alice, apply=[posting_c])
    draft = called_draft(consultation=consultation, posting=posting_c, staff=alice)
    seeker_confirms(draft, alice)
    month = incidents.inspection_month
    marker = threading.local()

    def slowly(*args, **kwargs):  # the sheet holds alice's row while the desk goes on
        if getattr(marker, "sheet", False):
            time.sleep(0.6)
        return month(*args, **kwargs)

    monkeypatch.setattr(incidents, "inspection_month", slowly)

    def sheet():
        marker.sheet = True
        incidents.self_inspection_submit(staff=alice, answers=answers)

    def desk():
        time.sleep(0.2)
        services.referral_confirm_in_session(referral=draft, staff=alice, posting_digits="0000")

    sheet_outcome, desk_outcome = race([sheet, desk])  # a deadlock would leave None
    assert sheet_outcome == "ok" and isinstance(desk_outcome, ValidationError)
    assert Alert.objects.filter(kind="caught_mismatch").count() == 1
