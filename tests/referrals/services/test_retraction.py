"""Rule 8: retraction after exposure. A clerk asks, another supervisor approves; the
snapshot loses its personal data, the employer sees a notice and confirms keeping no copy,
and an incident opens with employer_viewed and a timeline from the audit trail."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from hellowork.models import AuditEvent, StaffRole
from referrals import services
from referrals.models import (
    Disclosure,
    Incident,
    IncidentTask,
    MisdeliveryReport,
    ReferralLetter,
    RetractionRequest,
    SelectionResult,
)
from referrals.services import incidents
from referrals.timeline import referral_timeline
from tests import factories
from tests.conftest import client_for
from tests.referrals.helpers import called_draft, issue_in_person, retract

T0 = datetime.datetime(2026, 6, 9, 1, 0, tzinfo=datetime.UTC)  # 10:00 in Tokyo
MINUTE = datetime.timedelta(minutes=1)


@pytest.fixture
def wrong(no_hold, alice, seeker_a, posting_d):
    """seeker_a referred by mistake to establishment D (the Koriyama case), visible there."""
    with time_machine.travel(T0, tick=False):
        return issue_in_person(seeker_a, alice, posting_d)


def test_retraction_after_the_employer_viewed(wrong, alice, bob, erin, seeker_a):
    erin_client = client_for(erin.user)
    disclosure = wrong.disclosure
    # The employer sees the list at 10:05 and opens the applicant at 10:07 and its letter at 10:08.
    with time_machine.travel(T0 + 5 * MINUTE, tick=False):
        assert seeker_a.name in erin_client.get(reverse("mypage_home")).text
    url = reverse("mypage_applicant", kwargs={"public_id": disclosure.public_id})
    with time_machine.travel(T0 + 7 * MINUTE, tick=False):
        assert erin_client.get(url).status_code == 200
    with time_machine.travel(T0 + 8 * MINUTE, tick=False):
        letter = reverse("mypage_letter", kwargs={"public_id": disclosure.public_id})
        assert erin_client.get(letter).status_code == 200
        services.selection_result_record(
            disclosure=disclosure,
            member=erin,
            result="not_hired",
            conditions_differ=True,
            conditions_difference="山田さんは面接に来ませんでした",
        )
        services.misdelivery_report(
            disclosure=disclosure, member=erin, note="山田花子さんを知らない"
        )

    with time_machine.travel(T0 + 60 * MINUTE, tick=False):
        request = services.referral_retract(referral=wrong, staff=alice, reason="事業所の取り違え")
        assert request.status == "pending"
        # The employer's own report hid the applicant already (rule 11), pending the decision.
        home = erin_client.get(reverse("mypage_home")).text
        assert seeker_a.name not in home[home.index("<main") :]
    with time_machine.travel(T0 + 70 * MINUTE, tick=False):
        incident = services.retraction_approve(referral=wrong, supervisor=bob)

    disclosure.refresh_from_db()
    wrong.refresh_from_db()
    assert wrong.status == "retracted" and wrong.code  # the code stays reserved
    assert (disclosure.seeker_name, disclosure.seeker_kana, disclosure.seeker_age) == ("", "", None)
    assert disclosure.retracted_at == T0 + 70 * MINUTE
    assert disclosure.posting_number == "07040-87654321"  # posting, date and code are kept
    assert disclosure.referral_code == wrong.code
    (result,) = SelectionResult.objects.all()
    assert result.conditions_difference == "" and result.erased_at is not None
    # The retraction decided the employer's report, and its alert closed itself.
    report = MisdeliveryReport.objects.get()
    assert report.decision == "retracted" and report.decided_by == bob
    assert report.alert.resolved_at is not None and report.alert.settled_by == "retracted"
    report = MisdeliveryReport.objects.get()
    assert report.note == "" and report.erased_at is not None
    for row in Disclosure.objects.filter(pk=disclosure.pk).values():
        assert seeker_a.name not in str(row) and seeker_a.kana not in str(row)

    # The employer's my page: a notice with no personal data, and the applicant is gone.
    with time_machine.travel(T0 + 80 * MINUTE, tick=False):
        home = erin_client.get(reverse("mypage_home")).text
        assert "誤って送られた応募者の取り下げ" in home
        assert "07040-87654321" in home
        main = home[home.index("<main") :]  # not the header, which names the member (Faker)
        for private in [seeker_a.name, seeker_a.kana, "山田", "ヤマダ", wrong.code]:
            assert private not in main
        assert erin_client.get(url).status_code == 404
        ack = erin_client.post(
            reverse("mypage_notice_acknowledge", kwargs={"public_id": disclosure.public_id}),
            {"no_copy": "on"},
        )
        assert ack.status_code == 302
    incident.refresh_from_db()
    assert incident.employer_acknowledged_by == erin
    assert incident.employer_acknowledged_at == T0 + 80 * MINUTE

    assert incident.employer_viewed is True
    assert incident.referral == wrong and incident.opened_at == T0 + 70 * MINUTE
    timeline = referral_timeline(referral=wrong, incident=incident)
    views = [(entry.at, entry.actor) for entry in timeline if entry.kind == "view" and entry.actor]
    assert views == [
        (T0 + 5 * MINUTE, erin.user.name),  # the list
        (T0 + 7 * MINUTE, erin.user.name),  # the applicant
        (T0 + 8 * MINUTE, erin.user.name),  # its letter
    ]  # and not the list at T0 + 60: the report had hidden the applicant from it
    labels = [entry.label for entry in timeline]
    for expected in [
        "紹介状を作成",
        "確認（対面）",
        "紹介状を発行",
        "求人者マイページに表示開始",
        "求人者の応募者一覧に表示",
        "求人者が応募者を閲覧",
        "求人者が「心当たりがない」と報告",
        "アラート発生",
        "撤回を依頼",
        "撤回を承認",
        "インシデントを登録",
        "求人者が「控えなし」を確認",
    ]:
        assert expected in labels, expected
    assert (
        labels.index("撤回を依頼") < labels.index("撤回を承認") < labels.index("インシデントを登録")
    )
    confirmed = next(entry for entry in timeline if entry.label == "確認（対面）")
    assert alice.user.name in confirmed.actor and "求職者本人" in confirmed.detail


def test_the_view_times_are_exact(wrong, alice, bob, erin):
    erin_client = client_for(erin.user)
    url = reverse("mypage_applicant", kwargs={"public_id": wrong.disclosure.public_id})
    moments = [T0 + datetime.timedelta(minutes=3, seconds=17), T0 + datetime.timedelta(hours=5)]
    for moment in moments:
        with time_machine.travel(moment, tick=False):
            erin_client.get(url)
    with time_machine.travel(T0 + datetime.timedelta(days=1), tick=False):
        incident = retract(wrong, requester=alice, supervisor=bob)
    timeline = referral_timeline(referral=wrong, incident=incident)
    seen = [entry.at for entry in timeline if entry.label == "求人者が応募者を閲覧"]
    assert seen == moments
    assert all(
        entry.actor == erin.user.name for entry in timeline if entry.label == "求人者が応募者を閲覧"
    )


def test_before_any_view_employer_viewed_is_false(wrong, alice, bob, dave):
    # Another establishment's member looking at its own list does not count.
    client_for(dave.user).get(reverse("mypage_home"))
    incident = retract(wrong, requester=alice, supervisor=bob)
    assert incident.employer_viewed is False
    opened = AuditEvent.objects.get(action="incident.opened")
    assert opened.detail["employer_viewed"] is False
    assert opened.detail["employer_view_count"] == 0


def test_a_list_page_alone_counts_as_a_view(wrong, alice, bob, erin):
    client_for(erin.user).get(reverse("mypage_home"))
    assert retract(wrong, requester=alice, supervisor=bob).employer_viewed is True


def test_a_list_page_without_the_applicant_does_not_count(
    no_hold, alice, bob, erin, seeker_a, posting_d
):
    wrong = issue_in_person(seeker_a, alice, posting_d)
    # A list page of another applicant of the same establishment, filtered to its posting.
    other = factories.JobPostingFactory(establishment=posting_d.establishment)
    issue_in_person(factories.JobSeekerFactory(office=alice.office), alice, other)
    client_for(erin.user).get(reverse("mypage_home"), {"posting": other.number})
    assert retract(wrong, requester=alice, supervisor=bob).employer_viewed is False


def test_the_incident_has_its_tasks_with_deadlines(wrong, alice, bob, settings):
    settings.INCIDENT_TELL_SEEKER_DAYS = 2
    settings.INCIDENT_PRELIMINARY_REPORT_DAYS = 4
    with time_machine.travel(T0, tick=False):
        incident = retract(wrong, requester=alice, supervisor=bob)
    due = {task.kind: task.due_at for task in incident.tasks.all()}
    assert due == {
        "tell_seeker": T0 + datetime.timedelta(days=2),
        "apologise_establishment": T0 + datetime.timedelta(days=3),
        "report_preliminary": T0 + datetime.timedelta(days=4),
        "report_final": T0 + datetime.timedelta(days=30),
    }
    assert incident.office == alice.office and incident.opened_by == bob
    assert "氏名" in incident.data_items and incident.people_count == 1


def test_retraction_approval_is_one_transaction(wrong, alice, bob, monkeypatch):
    services.referral_retract(referral=wrong, staff=alice, reason="誤り")

    def broken(**kwargs):
        raise RuntimeError("the incident could not be opened")

    monkeypatch.setattr(services.retraction, "_incident_open", broken)
    with pytest.raises(RuntimeError):
        services.retraction_approve(referral=wrong, supervisor=bob)
    wrong.refresh_from_db()
    wrong.disclosure.refresh_from_db()
    assert wrong.status == "issued"
    assert wrong.disclosure.seeker_name and wrong.disclosure.retracted_at is None
    assert RetractionRequest.objects.get().status == "pending"
    assert not Incident.objects.exists()


# -- who may approve ----------------------------------------------------------------------


def test_the_requester_cannot_approve_their_own_retraction(wrong, bob, koriyama):
    services.referral_retract(referral=wrong, staff=bob, reason="誤り")
    with pytest.raises(PermissionDenied, match="自分が依頼した"):
        services.retraction_approve(referral=wrong, supervisor=bob)
    assert_nothing_retracted(wrong)


def test_a_clerk_cannot_approve(wrong, alice, bob, koriyama):
    services.referral_retract(referral=wrong, staff=bob, reason="誤り")
    other_clerk = factories.StaffMemberFactory(office=koriyama, role=StaffRole.CLERK)
    with pytest.raises(PermissionDenied, match="統括官または所長"):
        services.retraction_approve(referral=wrong, supervisor=other_clerk)
    assert_nothing_retracted(wrong)


def test_another_offices_supervisor_cannot_approve(wrong, alice, carol):
    services.referral_retract(referral=wrong, staff=alice, reason="誤り")
    with pytest.raises(PermissionDenied, match="別の安定所"):
        services.retraction_approve(referral=wrong, supervisor=carol)
    assert_nothing_retracted(wrong)


def test_the_maker_cannot_approve_although_someone_else_asked(
    no_hold, bob, seeker_a, posting_d, koriyama
):
    referral = issue_in_person(seeker_a, bob, posting_d)  # the supervisor made this one
    clerk = factories.StaffMemberFactory(office=koriyama)
    services.referral_retract(referral=referral, staff=clerk, reason="誤り")
    with pytest.raises(PermissionDenied, match="自分が作成・確認した"):
        services.retraction_approve(referral=referral, supervisor=bob)
    assert_nothing_retracted(referral)


def test_a_manager_may_approve(wrong, alice, koriyama):
    manager = factories.StaffMemberFactory(office=koriyama, role=StaffRole.MANAGER)
    assert retract(wrong, requester=alice, supervisor=manager).opened_by == manager


def test_another_office_cannot_even_ask(wrong, carol):
    with pytest.raises(PermissionDenied):
        services.referral_retract(referral=wrong, staff=carol, reason="誤り")
    assert not RetractionRequest.objects.exists()


def assert_nothing_retracted(referral):
    referral.refresh_from_db()
    assert referral.status == "issued"
    assert Disclosure.objects.get(referral=referral).seeker_name
    assert not Incident.objects.exists()
    assert not AuditEvent.objects.filter(action="referral.retracted").exists()


# -- what cannot be retracted ------------------------------------------------------------------


def test_within_the_hold_the_answer_is_to_void(alice, seeker_a, posting_d):
    referral = issue_in_person(seeker_a, alice, posting_d)  # the default 10-minute hold
    with pytest.raises(ValidationError, match="取り消せば"):
        services.referral_retract(referral=referral, staff=alice, reason="誤り")
    assert not RetractionRequest.objects.exists()


def test_a_letter_without_a_my_page_is_voided_not_retracted(alice, seeker_a, koriyama):
    posting = factories.JobPostingFactory(
        establishment__office=koriyama, establishment__has_mypage=False
    )
    referral = issue_in_person(seeker_a, alice, posting)
    with pytest.raises(ValidationError, match="送られていません"):
        services.referral_retract(referral=referral, staff=alice, reason="誤り")


@pytest.mark.parametrize("reason", ["", "   ", "あ" * 1001])
def test_a_retraction_needs_a_reason(wrong, alice, reason):
    with pytest.raises(ValidationError) as refused:
        services.referral_retract(referral=wrong, staff=alice, reason=reason)
    assert "reason" in refused.value.message_dict
    assert not RetractionRequest.objects.exists()


def test_one_request_at_a_time_and_one_retraction_for_ever(wrong, alice, bob, koriyama):
    services.referral_retract(referral=wrong, staff=alice, reason="誤り")
    with pytest.raises(ValidationError, match="既に依頼"):
        services.referral_retract(referral=wrong, staff=alice, reason="もう一度")
    services.retraction_approve(referral=wrong, supervisor=bob)
    with pytest.raises(ValidationError, match="撤回"):
        services.referral_retract(referral=wrong, staff=alice, reason="再度")
    with pytest.raises(ValidationError, match="承認待ちの撤回の依頼がありません"):
        services.retraction_approve(
            referral=wrong,
            supervisor=factories.StaffMemberFactory(office=koriyama, role=StaffRole.MANAGER),
        )
    assert Incident.objects.count() == 1
    # Voiding a retracted letter is refused too.
    with pytest.raises(ValidationError):
        services.referral_void(referral=wrong, staff=alice, reason="取消")


def test_a_rejected_request_leaves_the_applicant_visible(wrong, alice, bob, erin, seeker_a):
    services.referral_retract(referral=wrong, staff=alice, reason="誤りかもしれない")
    with pytest.raises(ValidationError):
        services.retraction_reject(referral=wrong, supervisor=bob, reason=" ")
    request = services.retraction_reject(
        referral=wrong, supervisor=bob, reason="求職者に確認したところ、正しい紹介だった"
    )
    assert request.status == "rejected" and request.decided_by == bob
    wrong.refresh_from_db()
    assert wrong.status == "issued"
    assert seeker_a.name in client_for(erin.user).get(reverse("mypage_home")).text
    assert not Incident.objects.exists()
    # A new request may follow.
    assert services.referral_retract(referral=wrong, staff=alice, reason="やはり誤り").pk


def test_the_requester_cannot_reject_either(wrong, alice, koriyama):
    services.referral_retract(referral=wrong, staff=alice, reason="誤り")
    with pytest.raises(PermissionDenied):
        services.retraction_reject(referral=wrong, supervisor=alice, reason="取り下げ")


# -- what the database itself refuses ----------------------------------------------------------


def test_the_database_refuses_a_retracted_disclosure_with_a_name(wrong):
    with pytest.raises(IntegrityError), transaction.atomic():
        Disclosure.objects.filter(pk=wrong.disclosure.pk).update(
            retracted_at=wrong.disclosure.visible_at
        )


def test_the_database_refuses_a_decision_by_the_requester(wrong, alice):
    request = services.referral_retract(referral=wrong, staff=alice, reason="誤り")
    with pytest.raises(IntegrityError), transaction.atomic():
        RetractionRequest.objects.filter(pk=request.pk).update(
            status="approved", decided_by=alice, decided_at=request.requested_at
        )


def test_the_database_refuses_two_open_requests(wrong, alice):
    request = services.referral_retract(referral=wrong, staff=alice, reason="誤り")
    with pytest.raises(IntegrityError), transaction.atomic():
        RetractionRequest.objects.create(
            referral=wrong, requested_by=alice, requested_at=request.requested_at, reason="二重"
        )


def test_the_database_refuses_a_half_done_task(wrong, alice, bob):
    incident = retract(wrong, requester=alice, supervisor=bob)
    task = incident.tasks.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        IncidentTask.objects.filter(pk=task.pk).update(done_at=incident.opened_at)


def test_the_employer_acknowledges_once_and_only_its_own(wrong, alice, bob, erin, dave):
    incident = retract(wrong, requester=alice, supervisor=bob)
    disclosure = Disclosure.objects.get(pk=wrong.disclosure.pk)
    with pytest.raises(PermissionDenied):
        incidents.retraction_acknowledge(disclosure=disclosure, member=dave)
    incidents.retraction_acknowledge(disclosure=disclosure, member=erin)
    with pytest.raises(ValidationError, match="確認済み"):
        incidents.retraction_acknowledge(disclosure=disclosure, member=erin)
    incident.refresh_from_db()
    assert incident.employer_acknowledged_by == erin
    event = AuditEvent.objects.get(action="incident.employer_acknowledged")
    assert event.actor == erin.user and event.detail == {
        "disclosure_id": disclosure.pk,
        "member_id": erin.pk,
    }


def test_a_visible_applicant_cannot_be_acknowledged(applicant_c, dave):
    with pytest.raises(ValidationError, match="撤回されていません"):
        incidents.retraction_acknowledge(disclosure=applicant_c, member=dave)


def test_the_audit_details_hold_no_names(wrong, alice, bob, erin, seeker_a):
    client_for(erin.user).get(reverse("mypage_home"))
    retract(wrong, requester=alice, supervisor=bob, reason="山田花子さんの事業所を取り違えた")
    for event in AuditEvent.objects.all():
        text = str(event.detail)
        assert seeker_a.name not in text and seeker_a.kana not in text and "山田" not in text


def test_the_retracted_code_answers_neutrally(wrong, alice, bob, erin):
    retract(wrong, requester=alice, supervisor=bob)
    answer = services.code_check(member=erin, code=wrong.code)
    assert answer.ok is False and answer.disclosure is None
    assert ReferralLetter.objects.filter(code=wrong.code).count() == 1


def test_the_timeline_reads_in_order(wrong, alice, bob, erin):
    client_for(erin.user).get(reverse("mypage_home"))
    incident = retract(wrong, requester=alice, supervisor=bob)
    labels = [entry.label for entry in referral_timeline(referral=wrong, incident=incident)]
    order = [
        "紹介状を作成",
        "求職者用画面に表示",
        "求職者が求職者用画面で確認",
        "確認（対面）",
        "紹介状を発行",
        "求人者マイページへの開示を作成",
        "求人者マイページに表示開始",
        "求人者の応募者一覧に表示",
        "撤回を依頼",
        "撤回を承認",
        "開示の個人情報を消去",
        "インシデントを登録",
    ]
    assert [label for label in labels if label in order] == order


def test_the_timeline_tells_how_an_approved_referral_was_confirmed(
    no_hold, alice, bob, koriyama, seeker_a, posting_d
):
    from tests.referrals.helpers import pending

    referral = pending(seeker_a, alice, posting_d)
    services.referral_approve(
        referral=referral,
        supervisor=bob,
        stated_posting_number=posting_d.number,
        source="callback",
    )
    manager = factories.StaffMemberFactory(office=koriyama, role=StaffRole.MANAGER)
    referral.refresh_from_db()
    incident = retract(referral, requester=alice, supervisor=manager)
    timeline = referral_timeline(referral=referral, incident=incident)
    submitted = next(entry for entry in timeline if entry.label == "統括官の承認に回す")
    assert "求職者が対面していない相談" in submitted.detail
    approved = next(entry for entry in timeline if entry.label == "確認（統括官の承認）")
    assert (approved.actor, approved.role) == (bob.user.name, "統括官")
    # Where the supervisor heard the seeker, never a claim that the statement was blind.
    assert "登録の電話番号に折り返して" in approved.detail and "見ずに" not in approved.detail


def test_the_timeline_names_the_display_and_the_seekers_own_answers(
    no_hold, alice, bob, koriyama, seeker_a, posting_d
):
    from tests.referrals.helpers import consult, seeker_confirms

    consultation = consult(seeker_a, alice, apply=[posting_d])
    referral = called_draft(consultation=consultation, posting=posting_d, staff=alice)
    readback = services.display_show(referral=referral, staff=alice)
    with pytest.raises(ValidationError):
        services.display_seeker_confirm(
            display=readback.display,
            referral=referral,
            seeker_birth_date=seeker_a.birth_date.replace(year=1991),
        )
    seeker_confirms(referral, alice)
    services.referral_confirm_in_session(referral=referral, staff=alice, posting_digits="4321")
    referral.refresh_from_db()
    incident = retract(referral, requester=alice, supervisor=bob)
    timeline = referral_timeline(referral=referral, incident=incident)
    label = consultation.display.label
    refused = next(e for e in timeline if e.label == "求職者用画面での確認が一致せず、止めた")
    assert label in refused.detail and "生年月日" in refused.detail
    assert refused.side == "seeker" and refused.kind == "alert"
    confirmed = next(e for e in timeline if e.label == "確認（対面）")
    assert label in confirmed.detail and "求職者本人" in confirmed.detail
    assert any(e.label == "求職者用画面が内容を表示" for e in timeline) is False  # no GET here
