"""DESIGN.md section 1: the failures seen elsewhere, each impossible here, caught before an
employer sees anything, or in front of a supervisor within minutes."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse

from hellowork.models import StaffRole
from referrals import selectors, services
from referrals.letters import letter_for_disclosure
from referrals.models import Alert, Disclosure, IncidentTask, RetractionRequest
from tests import factories
from tests.conftest import client_for
from tests.referrals.helpers import called_draft, consult, issue_in_person, retract

T0 = datetime.datetime(2026, 6, 9, 1, 0, tzinfo=datetime.UTC)


# -- a posting filed under a similarly named company: match on 事業所番号, never on name --------


def test_similar_and_identical_names_are_told_apart_by_number(
    no_hold, alice, seeker_a, establishment_c, establishment_d, posting_c, dave, erin, koriyama
):
    twin = factories.EstablishmentFactory(
        number="0704-100003-0",
        name=establishment_c.name,
        kana=establishment_c.kana,
        office=koriyama,
    )
    twin_member = factories.EmployerMemberFactory(establishment=twin)
    assert establishment_c.kana == establishment_d.kana  # あさひ物流 and 朝日物流 sound alike
    # The clerk types C's posting number; nothing is looked up by name.
    found = selectors.posting_by_number(number=posting_c.number)
    assert found.establishment.number == "0704-100001-3"
    disclosure = issue_in_person(seeker_a, alice, found).disclosure
    assert disclosure.establishment_id == establishment_c.pk
    assert list(selectors.disclosures_visible_to(establishment=establishment_c)) == [disclosure]
    for other in (establishment_d, twin):
        assert list(selectors.disclosures_visible_to(establishment=other)) == []
    for member in (erin, twin_member):
        page = client_for(member.user).get(reverse("mypage_home")).text
        # The page's body: the header names the member, whose made-up name can be the
        # seeker's (Faker's 山田 花子 made this test fail once).
        body = page.split('<main id="main"', 1)[1]
        assert seeker_a.name not in body
        assert str(disclosure.public_id) not in page
    # The twin with the very same name checking C's code gets the neutral answer.
    answer = services.code_check(member=twin_member, code=disclosure.referral_code)
    assert answer.ok is False and answer.disclosure is None


def test_the_issuance_screen_reads_back_the_number_with_the_name(
    alice, seeker_a, posting_d, establishment_d
):
    consultation = consult(seeker_a, alice, apply=[posting_d])
    referral = called_draft(consultation=consultation, posting=posting_d, staff=alice)
    page = client_for(alice.user).get(reverse("referral_detail", args=[referral.pk])).text
    assert "株式会社朝日物流" in page and "0704-100002-1" in page


# -- a letter printed from the previous seeker's screen: every form is bound to one seeker --------


@pytest.fixture
def two_open(no_hold, alice, bob, seeker_a, posting_d, koriyama):
    """An incident and a pending retraction of seeker_a; another seeker at the counter now."""
    incident = retract(issue_in_person(seeker_a, alice, posting_d), requester=alice, supervisor=bob)
    other_posting = factories.JobPostingFactory(establishment=posting_d.establishment)
    waiting = issue_in_person(seeker_a, alice, other_posting)
    request = services.referral_retract(referral=waiting, staff=alice, reason="誤り")
    return incident, request, waiting, factories.JobSeekerFactory(office=koriyama)


def test_a_stale_screen_is_refused_on_every_new_form(two_open, alice, bob):
    incident, request, waiting, next_seeker = two_open
    task = incident.tasks.get(kind="tell_seeker")
    prefix = f"task-{task.pk}-"
    posts = [
        (
            alice,
            reverse("referral_retract", args=[waiting.pk]),
            {"seeker": next_seeker.pk, "reason": "x"},
        ),
        (bob, reverse("retraction_approve", args=[request.pk]), {"seeker": next_seeker.pk}),
        (
            bob,
            reverse("retraction_reject", args=[request.pk]),
            {"seeker": next_seeker.pk, "reason": "x"},
        ),
        (
            bob,
            reverse("incident_task_done", args=[incident.pk, task.pk]),
            {
                prefix + "seeker": next_seeker.pk,
                prefix + "method": "phone",
                prefix + "done_on": "2026-06-09",
            },
        ),
        (
            bob,
            reverse("incident_report", args=[incident.pk]),
            {"seeker": next_seeker.pk, "people_count": "1", "cause": "x"},
        ),
        (bob, reverse("incident_close", args=[incident.pk]), {"seeker": next_seeker.pk}),
    ]
    for staff, url, data in posts:
        response = client_for(staff.user).post(url, data)
        assert response.status_code == 400, url
        assert "別の求職者のために開かれたもの" in response.text, url
    request.refresh_from_db()
    incident.refresh_from_db()
    task.refresh_from_db()
    assert request.status == "pending" and RetractionRequest.objects.count() == 2
    assert task.done_at is None and incident.cause == "" and incident.closed_at is None


# -- an attachment built for one employer sent to six others: checked against the recipient -------


def test_a_letter_for_one_employer_is_refused_for_another(applicant_c, establishment_d, dave, erin):
    applicant = selectors.applicant_for_member(member=dave).get(pk=applicant_c.pk)
    assert letter_for_disclosure(applicant, dave.establishment).seeker_name
    with pytest.raises(PermissionDenied):
        letter_for_disclosure(applicant, establishment_d)
    url = reverse("mypage_letter", kwargs={"public_id": applicant_c.public_id})
    assert client_for(erin.user).get(url).status_code == 404


def test_a_retracted_applicant_letter_cannot_be_built(applicant_c, alice, bob, dave):
    applicant = selectors.applicant_for_member(member=dave).get(pk=applicant_c.pk)
    retract(applicant_c.referral, requester=alice, supervisor=bob)
    applicant.refresh_from_db()
    with pytest.raises(PermissionDenied):
        letter_for_disclosure(applicant, dave.establishment)


def test_arrival_mail_goes_only_to_the_members_of_the_establishment_shown(
    alice, seeker_a, posting_c, dave, erin, establishment_c
):
    colleague = factories.EmployerMemberFactory(establishment=establishment_c)
    with time_machine.travel(T0, tick=False):
        disclosure = issue_in_person(seeker_a, alice, posting_c).disclosure
    with time_machine.travel(T0 + datetime.timedelta(minutes=10), tick=False):
        services.employer_notifications_send()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([dave.user.email, colleague.user.email])
    assert erin.user.email not in [m.to[0] for m in mail.outbox]
    # The check itself refuses a recipient of another establishment.
    assert services.checked_members(disclosure=disclosure, members=[dave]) == [dave]
    with pytest.raises(PermissionDenied):
        services.checked_members(disclosure=disclosure, members=[dave, erin])


# -- swapped sessions and the back button: no shared state, no-store on every page -----------------


def test_interleaved_employers_each_see_only_their_own(
    no_hold, alice, seeker_a, posting_c, posting_d, dave, erin, koriyama
):
    issue_in_person(seeker_a, alice, posting_c)
    other = factories.JobSeekerFactory(office=koriyama)
    issue_in_person(other, alice, posting_d)
    dave_client, erin_client = client_for(dave.user), client_for(erin.user)
    for _ in range(3):
        mine = dave_client.get(reverse("mypage_home"))
        theirs = erin_client.get(reverse("mypage_home"))
        assert seeker_a.name in mine.text and other.name not in mine.text
        assert other.name in theirs.text and seeker_a.name not in theirs.text
        assert "no-store" in mine["Cache-Control"] and "no-store" in theirs["Cache-Control"]


def test_every_page_with_personal_data_is_no_store(two_open, alice, bob, erin, koriyama):
    incident, request, waiting, _next = two_open
    manager = factories.StaffMemberFactory(office=koriyama, role=StaffRole.MANAGER)
    counter_pages = [
        reverse("counter_home"),
        reverse("seeker_search") + "?q=ヤマダ",
        reverse("seeker_detail", args=[waiting.consultation.seeker_id]),
        reverse("consultation_detail", args=[waiting.consultation_id]),
        reverse("referral_detail", args=[waiting.pk]),
        reverse("referral_letter", args=[waiting.pk]),
        reverse("approval_queue"),
        reverse("retraction_detail", args=[request.pk]),
        reverse("alert_list"),
        reverse("incident_list"),
        reverse("incident_detail", args=[incident.pk]),
        reverse("incident_report", args=[incident.pk]),
        reverse("incident_report_print", args=[incident.pk]),
        reverse("dashboard"),
        reverse("dashboard_bureau"),
        reverse("quarterly_report"),
        reverse("self_inspection"),
    ]
    client = client_for(manager.user)
    for url in counter_pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
    employer = client_for(erin.user)
    applicant = Disclosure.objects.get(referral=waiting)
    for url in [
        reverse("mypage_home"),
        reverse("mypage_notices"),
        reverse("mypage_applicant", kwargs={"public_id": applicant.public_id}),
        reverse("mypage_letter", kwargs={"public_id": applicant.public_id}),
    ]:
        response = employer.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
    # Refusals too: a 404 and a 403 must not be cached either.
    for response in [
        client.get("/counter/incidents/999999/"),
        employer.get(reverse("counter_home")),
    ]:
        assert response.status_code in (403, 404)
        assert "no-store" in response["Cache-Control"]


# -- the misdirected fax left unreported for three weeks: deadlines escalate by themselves --------


def test_an_unreported_incident_escalates_by_itself(
    no_hold, alice, bob, erin, seeker_a, posting_d, koriyama, settings
):
    manager = factories.StaffMemberFactory(
        office=koriyama, role=StaffRole.MANAGER, user__email="shocho@koriyama.example.jp"
    )
    settings.ALERT_ESCALATION_HOURS = 24
    settings.INCIDENT_PRELIMINARY_REPORT_DAYS = 3
    with time_machine.travel(T0, tick=False):
        disclosure = issue_in_person(seeker_a, alice, posting_d).disclosure
        # The employer reports it; the office thinks it "did no harm" and does nothing.
        services.misdelivery_report(disclosure=disclosure, member=erin, note="")
    with time_machine.travel(T0 + datetime.timedelta(hours=25), tick=False):
        call_command("escalate_overdue")
    # Rule 11: the supervisors' "urgent" e-mail (sent late here, as no commit ran) is
    # apart from the managers' escalation.
    urgent = [m for m in mail.outbox if "至急" in m.subject]
    (alert_mail,) = [m for m in mail.outbox if m not in urgent]
    assert alert_mail.to == [manager.user.email] and "誤送付の申告" in alert_mail.body
    # Retracted at last, but nobody reports to the bureau.
    with time_machine.travel(T0 + datetime.timedelta(days=2), tick=False):
        incident = retract(disclosure.referral, requester=alice, supervisor=bob)
    three_weeks = T0 + datetime.timedelta(days=21)
    with time_machine.travel(three_weeks, tick=False):
        call_command("escalate_overdue")
        call_command("escalate_overdue")
        page = client_for(bob.user).get(reverse("dashboard")).text
    escalated = IncidentTask.objects.filter(incident=incident, escalated_at__isnull=False)
    assert {task.kind for task in escalated} == {
        "tell_seeker",
        "apologise_establishment",
        "report_preliminary",
    }
    # the alert once, each overdue task once
    assert len(mail.outbox) - len(urgent) == 1 + 3
    assert "労働局への報告（速報）" in page and 'class="is-overdue"' in page
    assert Alert.objects.get().escalated_at is not None
    for message in mail.outbox:
        assert seeker_a.name not in message.body and seeker_a.kana not in message.body
