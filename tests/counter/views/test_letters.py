"""The counter screens: each step through the browser's eyes, bad input, stale screens."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from hellowork.models import AuditEvent
from referrals import services
from referrals.models import (
    Alert,
    ApprovalStatement,
    Consultation,
    DisplayReadback,
    PostingInterest,
    ReferralLetter,
)
from referrals.timeline import referral_timeline
from tests import factories
from tests.conftest import client_for
from tests.referrals.helpers import (
    call_employer,
    called_draft,
    consult,
    desk_display,
    issue_in_person,
    pending,
    seeker_confirms,
)


@pytest.fixture
def consultation(alice, seeker_a, posting_c, posting_d):
    return consult(seeker_a, alice, apply=[posting_c], declined=[posting_d])


def test_search_by_number_and_by_kana(counter, seeker_a):
    for query in ["０７０４０－００００１２３４", "やまだ", "ヤマダハナコ", "ﾔﾏﾀﾞ"]:
        response = counter.post(reverse("seeker_search"), {"q": query})
        assert response.status_code == 200
        assert seeker_a.name in response.text, query
    assert AuditEvent.objects.filter(action="seeker.searched").count() == 4


def test_the_searched_name_never_goes_into_the_url(counter):
    page = counter.get(reverse("counter_home")).text
    assert 'method="post" action="/counter/seekers/"' in page
    assert counter.get(reverse("seeker_search"), {"q": "ヤマダ"}).context["search"] is None


def test_search_finds_nothing_politely(counter, seeker_a):
    response = counter.post(reverse("seeker_search"), {"q": "ワタナベ"})
    assert "該当する求職者はいません" in response.text
    assert response.context["search"].seekers == []


def test_opening_a_consultation_in_person_at_a_display(counter, seeker_a, koriyama):
    desk, other_desk = desk_display(koriyama), factories.CounterDisplayFactory(office=koriyama)
    page = counter.get(reverse("seeker_detail", args=[seeker_a.pk])).text
    assert desk.label in page and other_desk.label in page
    response = counter.post(
        reverse("consultation_open", args=[seeker_a.pk]),
        {"seeker": seeker_a.pk, "in_person": "1", "display": other_desk.pk},
    )
    consultation = Consultation.objects.get()
    assert response.url == reverse("consultation_detail", args=[consultation.pk])
    assert consultation.in_person is True and consultation.display == other_desk
    # The desk is remembered for the session: the next seeker's form has it chosen.
    other = factories.JobSeekerFactory(office=koriyama)
    form = counter.get(reverse("seeker_detail", args=[other.pk])).context["form"]
    assert (form.initial["in_person"], form.initial["display"]) == ("1", other_desk.pk)


def test_in_person_needs_an_active_display_of_the_office(counter, seeker_a, koriyama, fukushima):
    retired = factories.CounterDisplayFactory(office=koriyama)
    retired.retired_at, retired.retired_by = timezone.now(), retired.created_by
    retired.save()
    elsewhere = factories.CounterDisplayFactory(office=fukushima)
    # Without any display the page says what to do instead: not in person, then approval.
    page = counter.get(reverse("seeker_detail", args=[seeker_a.pk])).text
    assert "使用できる求職者用画面がありません" in page
    for display in ["", retired.pk, elsewhere.pk, "abc"]:
        response = counter.post(
            reverse("consultation_open", args=[seeker_a.pk]),
            {"seeker": seeker_a.pk, "in_person": "1", "display": display},
        )
        assert response.status_code == 400, display
        assert "求職者用画面" in response.text
    assert not Consultation.objects.exists()
    not_in_person = counter.post(
        reverse("consultation_open", args=[seeker_a.pk]),
        {"seeker": seeker_a.pk, "in_person": "0", "display": ""},
    )
    assert not_in_person.status_code == 302
    assert Consultation.objects.get().display is None


def test_opening_needs_a_mode(counter, seeker_a):
    response = counter.post(
        reverse("consultation_open", args=[seeker_a.pk]), {"seeker": seeker_a.pk}
    )
    assert response.status_code == 400
    assert not Consultation.objects.exists()


def test_a_posting_is_recorded_by_typing_its_number(counter, consultation, seeker_a, koriyama):
    posting = factories.JobPostingFactory(number="07040-11112222", establishment__office=koriyama)
    response = counter.post(
        reverse("interest_record", args=[consultation.pk]),
        {"seeker": seeker_a.pk, "posting_number": "07040ー11112222", "decision": "considering"},
    )
    assert response.status_code == 302
    assert (
        PostingInterest.objects.get(consultation=consultation, posting=posting).decision
        == "considering"
    )


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("07040-1111222", "登録されていません"),
        ("0704-11112222", "07010-12345678"),
        ("abc", "07010-12345678"),
        ("", "必須"),
    ],
)
def test_a_bad_posting_number_is_a_clear_error_and_changes_nothing(
    counter, consultation, seeker_a, number, message
):
    before = PostingInterest.objects.count()
    response = counter.post(
        reverse("interest_record", args=[consultation.pk]),
        {"seeker": seeker_a.pk, "posting_number": number, "decision": "apply"},
    )
    assert response.status_code == 400
    assert message in response.text
    assert PostingInterest.objects.count() == before


def call_on_screen(counter, referral, seeker, **fields):
    """The clerk records the call to the employer on the issuance screen (issue 20)."""
    data = {
        "seeker": seeker.pk,
        "outcome": "accepting",
        "interview_date": (timezone.localdate() + datetime.timedelta(days=2)).isoformat(),
        "interview_time": "10:00",
        "interview_place": "本社 2階 会議室",
        "contact_person": "総務課 佐藤",
        "documents": "履歴書",
        "selection_method": "面接",
        **fields,
    }
    response = counter.post(reverse("referral_call", args=[referral.pk]), data)
    assert response.status_code == 302, response.text
    return response


def test_the_issuance_screen_reads_back_and_never_shows_the_birth_date(
    counter, consultation, posting_c, seeker_a
):
    response = counter.post(
        reverse("referral_draft", args=[consultation.pk]),
        {"seeker": seeker_a.pk, "posting": posting_c.pk},
    )
    page = counter.get(response.url).text
    # Issue 20: the employer is called first; the display's button comes after.
    assert "求人者への連絡がまだです" in page and 'name="outcome"' in page
    assert "求職者用画面に表示" not in page
    call_on_screen(counter, ReferralLetter.objects.get(), seeker_a)
    page = counter.get(response.url).text
    for shown in [
        seeker_a.name,
        seeker_a.kana,
        "株式会社あさひ物流",
        "0704-100001-3",
        "07040-1234●●●●",  # the last four digits come from the paper posting
        "倉庫内作業員",
        "求職者用画面に表示",
        "本社 2階 会議室",
        "総務課 佐藤",
    ]:
        assert shown in page
    assert "求人者マイページに送られます" in page
    for hidden in ["1990", "05-17", "5月17日", "平成2年", "07040-12345678", "5678"]:
        assert hidden not in page
    # The digits field appears only after the seeker confirmed on the display.
    assert 'name="posting_digits"' not in page


def test_the_issuance_screen_says_when_nothing_is_sent(counter, alice, seeker_a, koriyama):
    posting = factories.JobPostingFactory(
        establishment__has_mypage=False, establishment__office=koriyama
    )
    consultation = consult(seeker_a, alice, apply=[posting])
    response = counter.post(
        reverse("referral_draft", args=[consultation.pk]),
        {"seeker": seeker_a.pk, "posting": posting.pk},
    )
    assert "求人者には何も送られず" in counter.get(response.url).text


def test_a_declined_posting_offers_no_draft_and_refuses_one(
    counter, consultation, seeker_a, posting_d
):
    page = counter.get(reverse("consultation_detail", args=[consultation.pk])).text
    assert "応募しない求人には紹介状を作成できません" in page
    response = counter.post(
        reverse("referral_draft", args=[consultation.pk]),
        {"seeker": seeker_a.pk, "posting": posting_d.pk},
    )
    assert response.status_code == 400
    assert "応募しない" in response.text
    assert not ReferralLetter.objects.exists()


def test_confirming_at_the_counter(counter, consultation, posting_c, seeker_a):
    draft = counter.post(
        reverse("referral_draft", args=[consultation.pk]),
        {"seeker": seeker_a.pk, "posting": posting_c.pk},
    ).url
    referral = ReferralLetter.objects.get()
    call_on_screen(counter, referral, seeker_a)
    # Digits before the seeker's answer: refused, and not a mismatch.
    early = counter.post(
        reverse("referral_confirm", args=[referral.pk]),
        {"seeker": seeker_a.pk, "posting_digits": "5678"},
    )
    assert early.status_code == 400 and "求職者本人の確認がまだです" in early.text
    assert not Alert.objects.exists()
    shown = counter.post(
        reverse("referral_display_show", args=[referral.pk]), {"seeker": seeker_a.pk}
    )
    assert shown.url == draft
    waiting = counter.get(draft).text
    assert "求職者の操作を待っています" in waiting and 'hx-trigger="every 2s"' in waiting
    readback = DisplayReadback.objects.get()
    status_url = reverse("referral_display_status", args=[referral.pk])
    assert counter.get(status_url, {"showing": readback.pk}).status_code == 204
    services.display_seeker_confirm(
        display=consultation.display, referral=referral, seeker_birth_date=seeker_a.birth_date
    )
    # The waiting screen asks for its panel and gets the digits field.
    status = counter.get(status_url, {"showing": readback.pk})
    assert status.status_code == 200 and 'name="posting_digits"' in status.text
    wrong = counter.post(
        reverse("referral_confirm", args=[referral.pk]),
        {"seeker": seeker_a.pk, "posting_digits": "5679"},
    )
    assert wrong.status_code == 400 and "下4桁が一致しません" in wrong.text
    assert Alert.objects.filter(kind="caught_mismatch").count() == 1
    right = counter.post(
        reverse("referral_confirm", args=[referral.pk]),
        {"seeker": seeker_a.pk, "posting_digits": "５６７８"},
    )
    assert right.url == draft
    referral.refresh_from_db()
    assert referral.status == "issued"
    assert referral.code in counter.get(draft).text


@pytest.mark.parametrize(
    "data", [{"posting_digits": ""}, {"posting_digits": "56"}, {"posting_digits": "５６７８９"}]
)
def test_malformed_re_entries_change_nothing(
    counter, alice, consultation, posting_c, seeker_a, data
):
    counter.post(
        reverse("referral_draft", args=[consultation.pk]),
        {"seeker": seeker_a.pk, "posting": posting_c.pk},
    )
    referral = ReferralLetter.objects.get()
    call_employer(referral, alice)
    seeker_confirms(referral, alice)
    response = counter.post(
        reverse("referral_confirm", args=[referral.pk]), {"seeker": seeker_a.pk, **data}
    )
    assert response.status_code == 400
    referral.refresh_from_db()
    assert referral.status == "draft"
    assert not Alert.objects.exists()


def test_a_stale_screen_cannot_act_on_another_seeker(
    counter, consultation, posting_c, seeker_a, koriyama
):
    other = factories.JobSeekerFactory(office=koriyama)
    counter.post(
        reverse("referral_draft", args=[consultation.pk]),
        {"seeker": seeker_a.pk, "posting": posting_c.pk},
    )
    referral = ReferralLetter.objects.get()
    call_employer(referral)
    posts = [
        ("referral_confirm", {"posting_digits": "5678"}),
        ("referral_display_show", {}),
        ("referral_submit", {}),
        ("referral_void", {"reason": "x"}),
        ("referral_call", {"outcome": "accepting"}),
    ]
    for name, data in posts:
        response = counter.post(reverse(name, args=[referral.pk]), {"seeker": other.pk, **data})
        assert response.status_code == 400
        assert "別の求職者" in response.text
    for name, data in [
        ("interest_record", {"posting_number": posting_c.number, "decision": "declined"}),
        ("consultation_close", {}),
        ("note_update", {"note": "x"}),
    ]:
        response = counter.post(reverse(name, args=[consultation.pk]), {"seeker": other.pk, **data})
        assert response.status_code == 400
        assert "別の求職者" in response.text
    referral.refresh_from_db()
    consultation.refresh_from_db()
    assert referral.status == "draft" and not DisplayReadback.objects.exists()
    assert referral.calls.count() == 1
    assert consultation.closed_at is None and consultation.note == ""
    assert PostingInterest.objects.get(posting=posting_c).decision == "apply"


def test_submit_then_the_supervisor_hears_it_from_the_seeker(
    alice, bob, seeker_a, posting_c, posting_d
):
    consultation = consult(seeker_a, alice, in_person=False, apply=[posting_c])
    services.consultation_note_update(
        consultation=consultation, staff=alice, note="電話: あさひ物流の倉庫内作業を希望"
    )
    referral = called_draft(consultation=consultation, posting=posting_c, staff=alice)
    services.referral_submit(referral=referral, staff=alice)
    seeker_a.phone, seeker_a.email = "090-1234-5678", "hanako@example.jp"
    seeker_a.save()
    supervisor = client_for(bob.user)
    queue = supervisor.get(reverse("approval_queue")).text
    assert seeker_a.name in queue
    url = reverse("approval_detail", args=[referral.pk])
    statement = supervisor.get(url).text
    assert "承認 1/2" in statement and "承認して紹介状を発行" not in statement
    # The registered contact points to call back; nothing the clerk recorded about the choice.
    assert "090-1234-5678" in statement and "hanako@example.jp" in statement
    for clerks_record in ["あさひ物流", "朝日物流", posting_c.number, "倉庫内作業", "電話:"]:
        assert clerks_record not in statement, clerks_record
    # Nothing is listed before the supervisor types; the search finds postings by kana.
    found = supervisor.post(
        url, {"seeker": seeker_a.pk, "action": "search", "q": "あさひぶつりゅう"}
    )
    assert found.status_code == 200
    assert posting_c.number in found.text and posting_d.number in found.text  # the same kana
    # A statement needs where it was heard.
    no_source = supervisor.post(
        url,
        {"seeker": seeker_a.pk, "action": "state", "stated_posting_number": posting_c.number},
    )
    assert no_source.status_code == 400 and "どこで聞いた" in no_source.text
    assert not ApprovalStatement.objects.exists()
    wrong = supervisor.post(
        url,
        {
            "seeker": seeker_a.pk,
            "action": "state",
            "source": "callback",
            "stated_posting_number": posting_d.number,
        },
    )
    assert wrong.status_code == 400 and "一致しません" in wrong.text
    # One wrong statement each: bob may not try the next posting of the list.
    again = supervisor.get(url)
    assert "一度一致しませんでした" in again.text and 'value="state"' not in again.text
    other = factories.StaffMemberFactory(office=alice.office, role="supervisor")
    supervisor = client_for(other.user)
    right = supervisor.post(
        url,
        {
            "seeker": seeker_a.pk,
            "action": "state",
            "source": "callback",
            "stated_posting_number": "０７０４０－１２３４５６７８",
        },
    )
    assert right.status_code == 200 and "承認して紹介状を発行" in right.text
    assert "株式会社あさひ物流" in right.text
    statement = ApprovalStatement.objects.get(matched=True)
    done = supervisor.post(
        reverse("approval_approve", args=[referral.pk]),
        {"seeker": seeker_a.pk, "statement": statement.pk},
    )
    assert done.url == reverse("approval_queue")
    referral.refresh_from_db()
    assert referral.status == "issued"
    assert referral.confirmation.source == "callback"


def test_the_approve_step_needs_the_supervisors_own_fresh_statement(
    alice, bob, seeker_a, posting_c, posting_d, koriyama
):
    referral = pending(seeker_a, alice, posting_c)
    other = factories.StaffMemberFactory(office=koriyama, role="supervisor")
    with time_machine.travel(timezone.now() - datetime.timedelta(minutes=11), tick=False):
        old = services.approval_statement_check(
            referral=referral,
            supervisor=bob,
            stated_posting_number=posting_c.number,
            source="callback",
        )
    others = services.approval_statement_check(
        referral=referral,
        supervisor=other,
        stated_posting_number=posting_c.number,
        source="written",
    )
    supervisor = client_for(bob.user)
    for statement in ["", "999999", old.pk, others.pk]:
        response = supervisor.post(
            reverse("approval_approve", args=[referral.pk]),
            {"seeker": seeker_a.pk, "statement": statement},
        )
        assert response.status_code == 400, statement
        assert "承認 1/2" in response.text
    # The first wave's form (a number, no statement) is refused the same way.
    tampered = supervisor.post(
        reverse("approval_approve", args=[referral.pk]),
        {"seeker": seeker_a.pk, "stated_posting_number": posting_c.number, "source": "callback"},
    )
    assert tampered.status_code == 400
    referral.refresh_from_db()
    assert referral.status == "pending_approval"


def test_reject_needs_a_reason(alice, bob, seeker_a, posting_c):
    referral = pending(seeker_a, alice, posting_c)
    supervisor = client_for(bob.user)
    assert (
        supervisor.post(
            reverse("approval_reject", args=[referral.pk]), {"seeker": seeker_a.pk, "reason": ""}
        ).status_code
        == 400
    )
    supervisor.post(
        reverse("approval_reject", args=[referral.pk]), {"seeker": seeker_a.pk, "reason": "要確認"}
    )
    referral.refresh_from_db()
    assert referral.status == "draft" and referral.rejection_reason == "要確認"
    assert (
        "要確認" in client_for(alice.user).get(reverse("referral_detail", args=[referral.pk])).text
    )


def test_the_maker_sees_no_approve_link_for_their_own_referral(bob, seeker_a, posting_c):
    referral = pending(seeker_a, bob, posting_c)
    supervisor = client_for(bob.user)
    assert "自分の作成" in supervisor.get(reverse("approval_queue")).text
    response = supervisor.post(
        reverse("approval_detail", args=[referral.pk]),
        {
            "seeker": seeker_a.pk,
            "action": "state",
            "source": "seeker_present",
            "stated_posting_number": posting_c.number,
        },
    )
    assert response.status_code == 403


def test_the_printed_letter(counter, alice, seeker_a, posting_c):
    referral = issue_in_person(seeker_a, alice, posting_c)
    page = counter.get(reverse("referral_letter", args=[referral.pk])).text
    for shown in [
        referral.code,
        seeker_a.name,
        "株式会社あさひ物流",
        "07040-12345678",
        "ハローワーク郡山",
        "令和",
        "<svg",
    ]:
        assert shown in page
    assert "取消済み" not in page
    counter.post(
        reverse("referral_void", args=[referral.pk]), {"seeker": seeker_a.pk, "reason": "辞退"}
    )
    assert "取消済み" in counter.get(reverse("referral_letter", args=[referral.pk])).text


def test_a_draft_has_no_letter(counter, consultation, posting_c, seeker_a):
    counter.post(
        reverse("referral_draft", args=[consultation.pk]),
        {"seeker": seeker_a.pk, "posting": posting_c.pk},
    )
    referral = ReferralLetter.objects.get()
    assert counter.get(reverse("referral_letter", args=[referral.pk])).status_code == 404


def test_void_keeps_the_code_and_says_so(counter, alice, seeker_a, posting_c):
    referral = issue_in_person(seeker_a, alice, posting_c)
    response = counter.post(
        reverse("referral_void", args=[referral.pk]), {"seeker": seeker_a.pk, "reason": ""}
    )
    assert response.status_code == 400
    counter.post(
        reverse("referral_void", args=[referral.pk]), {"seeker": seeker_a.pk, "reason": "辞退"}
    )
    page = counter.get(reverse("referral_detail", args=[referral.pk])).text
    assert referral.code in page and "表示前に取り消しました" in page


def test_merging_two_consultations(counter, alice, seeker_a, posting_c):
    issued = issue_in_person(seeker_a, alice, posting_c)
    twin = Consultation.objects.create(
        seeker=seeker_a,
        staff=alice,
        office=alice.office,
        in_person=True,
        display=issued.consultation.display,
        opened_at=issued.created_at,
        last_activity_at=issued.created_at,
    )
    page = counter.get(reverse("consultation_detail", args=[twin.pk])).text
    assert "この相談に統合" in page
    counter.post(
        reverse("consultation_merge", args=[twin.pk]),
        {"seeker": seeker_a.pk, "source": issued.consultation_id},
    )
    issued.refresh_from_db()
    assert issued.consultation == twin and issued.status == "issued"
    # The merged-away consultation's address leads to the one it was merged into.
    response = counter.get(reverse("consultation_detail", args=[issued.consultation_id]))
    assert response.status_code == 200


def test_staff_views_of_personal_data_are_traced(counter, alice, seeker_a, posting_c):
    referral = issue_in_person(seeker_a, alice, posting_c)
    before = AuditEvent.objects.filter(action="seeker.viewed").count()
    for url in [
        reverse("seeker_detail", args=[seeker_a.pk]),
        reverse("consultation_detail", args=[referral.consultation_id]),
        reverse("referral_detail", args=[referral.pk]),
        reverse("referral_letter", args=[referral.pk]),
    ]:
        counter.get(url)
    events = AuditEvent.objects.filter(action="seeker.viewed").order_by("id")[before:]
    assert [event.detail["screen"] for event in events] == [
        "seeker",
        "consultation",
        "referral",
        "letter",
    ]
    assert all(event.actor == alice.user and event.ip == "127.0.0.1" for event in events)


def test_no_counter_page_is_stored(counter, consultation):
    response = counter.get(reverse("consultation_detail", args=[consultation.pk]))
    assert "no-store" in response["Cache-Control"]


def test_after_a_refusal_the_typed_values_are_cleared(counter, consultation, posting_c, seeker_a):
    counter.post(
        reverse("referral_draft", args=[consultation.pk]),
        {"seeker": seeker_a.pk, "posting": posting_c.pk},
    )
    referral = ReferralLetter.objects.get()
    call_employer(referral, consultation.staff)
    seeker_confirms(referral, consultation.staff)
    response = counter.post(
        reverse("referral_confirm", args=[referral.pk]),
        {"seeker": seeker_a.pk, "posting_digits": "9876"},
    )
    assert response.status_code == 400
    assert "9876" not in response.text


def test_the_employers_result_and_its_correction_show_on_the_counter(
    counter, alice, dave, seeker_a, posting_c, settings
):
    settings.DISCLOSURE_HOLD_MINUTES = 0

    referral = issue_in_person(seeker_a, alice, posting_c)
    page = counter.get(reverse("referral_detail", args=[referral.pk])).text
    assert "まだ記録されていません" in page
    services.selection_result_record(
        disclosure=referral.disclosure,
        member=dave,
        result="not_hired",
        not_hired_reason="",
        conditions_differ=False,
    )
    services.selection_result_record(
        disclosure=referral.disclosure,
        member=dave,
        result="hired",
        start_date=referral.disclosure.referral_date,
        conditions_differ=True,
        conditions_difference="勤務時間が9時からではなく8時から",
    )
    page = counter.get(reverse("referral_detail", args=[referral.pk])).text
    assert "採用" in page and "不採用" in page and "（訂正前）" in page
    assert "勤務時間が9時からではなく8時から" in page


# -- rule 4: the statement comes from the seeker, not from the clerk's record ---------------


def test_a_supervisor_who_read_the_clerks_record_cannot_state_it(alice, bob, seeker_a, posting_c):
    referral = pending(seeker_a, alice, posting_c)
    supervisor = client_for(bob.user)
    url = reverse("consultation_detail", args=[referral.consultation_id])
    # Asked first: the page would show the clerk's record.
    guard = supervisor.get(url)
    assert "承認待ちの紹介状があります" in guard.text and posting_c.number not in guard.text
    assert not AuditEvent.objects.filter(action="seeker.viewed", actor=bob.user).exists()
    # A link cannot open it for them (a GET with anything): only their own POST from the guard.
    assert "それでも開く" in supervisor.get(url, {"record": "1"}).text
    opened = supervisor.post(reverse("consultation_open_record", args=[referral.consultation_id]))
    assert opened.url == url
    page = supervisor.get(url)
    assert posting_c.number in page.text  # the clerk's record: the posting recorded
    # The queue and the statement screen say so before anything is typed.
    queue = supervisor.get(reverse("approval_queue")).text
    assert "職員の記録を見たため照合不可" in queue
    statement = supervisor.get(reverse("approval_detail", args=[referral.pk]))
    assert "職員の記録" in statement.text and 'value="state"' not in statement.text
    refused = supervisor.post(
        reverse("approval_detail", args=[referral.pk]),
        {
            "seeker": seeker_a.pk,
            "action": "state",
            "source": "callback",
            "stated_posting_number": posting_c.number,
        },
    )
    assert refused.status_code == 403 and "別の統括官に依頼してください" in refused.text
    with pytest.raises(PermissionDenied, match="職員の記録"):
        services.approval_statement_check(
            referral=referral,
            supervisor=bob,
            stated_posting_number=posting_c.number,
            source="callback",
        )
    with pytest.raises(PermissionDenied):
        services.referral_approve(
            referral=referral,
            supervisor=bob,
            stated_posting_number=posting_c.number,
            source="callback",
        )
    # Sending it back needs no statement: still allowed.
    services.referral_reject(referral=referral, supervisor=bob, reason="要確認")


def test_the_letters_page_sends_a_possible_checker_to_the_approval(alice, bob, seeker_a, posting_c):
    referral = pending(seeker_a, alice, posting_c)
    response = client_for(bob.user).get(reverse("referral_detail", args=[referral.pk]))
    assert response.url == reverse("approval_detail", args=[referral.pk])
    # Nothing was read: bob may still state it.
    services.approval_statement_check(
        referral=referral, supervisor=bob, stated_posting_number=posting_c.number, source="written"
    )
    # The clerk who made it still sees the letter's page.
    assert (
        client_for(alice.user).get(reverse("referral_detail", args=[referral.pk])).status_code
        == 200
    )


def test_whoever_held_the_consultation_cannot_check_it(bob, seeker_a, posting_c, koriyama):
    clerk = factories.StaffMemberFactory(office=koriyama)
    consultation = consult(seeker_a, bob, in_person=False, apply=[posting_c])
    referral = called_draft(consultation=consultation, posting=posting_c, staff=clerk)
    services.referral_submit(referral=referral, staff=clerk)
    with pytest.raises(PermissionDenied, match="自分が作成・記録"):
        services.referral_approve(
            referral=referral,
            supervisor=bob,
            stated_posting_number=posting_c.number,
            source="callback",
        )


def test_alerts_name_no_posting_while_its_check_is_pending(alice, bob, seeker_a, posting_c):
    referral = pending(seeker_a, alice, posting_c)
    services.referral_void(referral=referral, staff=alice, reason="取り違え")
    posting_d = factories.JobPostingFactory(establishment__office=referral.consultation.office)
    services.interest_record(
        consultation=referral.consultation, posting=posting_d, decision="apply", staff=alice
    )
    again = called_draft(consultation=referral.consultation, posting=posting_d, staff=alice)
    services.referral_submit(referral=again, staff=alice)
    alert = Alert.objects.get(kind="retract_reorder")
    supervisor = client_for(bob.user)
    for url in [reverse("alert_list"), reverse("alert_detail", args=[alert.pk])]:
        page = supervisor.get(url).text
        assert posting_d.number not in page and posting_d.establishment.name not in page


def test_a_statement_made_before_a_send_back_does_not_approve_the_resubmission(
    alice, bob, seeker_a, posting_c
):
    referral = pending(seeker_a, alice, posting_c)
    statement = services.approval_statement_check(
        referral=referral, supervisor=bob, stated_posting_number=posting_c.number, source="callback"
    )
    services.referral_reject(referral=referral, supervisor=bob, reason="要確認")
    services.referral_submit(referral=referral, staff=alice)
    response = client_for(bob.user).post(
        reverse("approval_approve", args=[referral.pk]),
        {"seeker": seeker_a.pk, "statement": statement.pk},
    )
    assert response.status_code == 400
    referral.refresh_from_db()
    assert referral.status == "pending_approval"


def test_the_issued_letters_page_says_what_was_done_not_what_confirming_will_do(
    counter, alice, seeker_a, posting_c
):
    referral = issue_in_person(seeker_a, alice, posting_c)
    page = counter.get(reverse("referral_detail", args=[referral.pk])).text
    assert "確認すると" not in page and referral.code in page


def test_any_page_of_the_same_choice_bars_the_reader(alice, bob, seeker_a, posting_c, koriyama):
    """Not only the letter's own pages: an earlier letter of the seeker for the same posting,
    or an earlier consultation where the seeker's "apply" to it was recorded."""
    earlier = consult(seeker_a, alice, in_person=False, apply=[posting_c])
    voided = called_draft(consultation=earlier, posting=posting_c, staff=alice)
    services.referral_void(referral=voided, staff=alice, reason="作り直し")
    services.consultation_close(consultation=earlier, staff=alice)
    referral = pending(seeker_a, alice, posting_c)  # a new consultation, the same choice
    supervisor = client_for(bob.user)
    supervisor.post(reverse("referral_open_record", args=[voided.pk]))
    supervisor.get(reverse("referral_detail", args=[voided.pk]))  # voided: no guard needed
    assert "職員の記録" in services.checker_refusal(bob, referral)
    other = factories.StaffMemberFactory(office=koriyama, role="supervisor")
    client_for(other.user).get(reverse("consultation_detail", args=[earlier.pk]))
    assert "職員の記録" in services.checker_refusal(other, referral)
    fresh = factories.StaffMemberFactory(office=koriyama, role="manager")
    assert services.checker_refusal(fresh, referral) == ""


def test_a_merge_does_not_wash_out_what_was_read(alice, bob, seeker_a, posting_c):
    referral = pending(seeker_a, alice, posting_c)
    supervisor = client_for(bob.user)
    supervisor.post(reverse("consultation_open_record", args=[referral.consultation_id]))
    supervisor.get(reverse("consultation_detail", args=[referral.consultation_id]))
    colleague = factories.StaffMemberFactory(office=alice.office)
    older = consult(seeker_a, colleague, in_person=False)
    services.consultation_merge(source=referral.consultation, target=older, staff=bob)
    referral.refresh_from_db()
    assert referral.consultation == older
    assert "職員の記録" in services.checker_refusal(bob, referral)


def test_a_draft_that_will_need_approval_is_guarded_too(alice, bob, seeker_a, posting_c):
    consultation = consult(seeker_a, alice, in_person=False, apply=[posting_c])
    draft = called_draft(consultation=consultation, posting=posting_c, staff=alice)
    supervisor = client_for(bob.user)
    for url in [
        reverse("referral_detail", args=[draft.pk]),
        reverse("consultation_detail", args=[consultation.pk]),
    ]:
        guard = supervisor.get(url)
        assert "統括官の承認が必要になる紹介状があります" in guard.text
        assert posting_c.number not in guard.text
    services.referral_submit(referral=draft, staff=alice)
    assert services.checker_refusal(bob, draft) == ""


def test_alerts_hide_a_posting_another_letter_of_the_seeker_waits_on(
    alice, bob, seeker_a, posting_c
):
    consultation = consult(seeker_a, alice, apply=[posting_c])
    first = called_draft(consultation=consultation, posting=posting_c, staff=alice)
    seeker_confirms(first, alice)
    for _ in range(3):  # locked: a critical alert naming the letter
        with pytest.raises(ValidationError):
            services.referral_confirm_in_session(referral=first, staff=alice, posting_digits="0000")
    # The clerk's own void does not close the alert about the letter (rule 12).
    services.referral_void(referral=first, staff=alice, reason="作り直し")
    called_draft(consultation=consultation, posting=posting_c, staff=alice)
    page = client_for(bob.user).get(reverse("alert_list")).text
    assert Alert.objects.get(kind="referral_locked", referral=first).resolved_at is None
    assert posting_c.number not in page and "確認（承認）が済むまで表示しません" in page


# -- words that match the state (issue 14) ----------------------------------------------------


def test_a_letter_waiting_for_approval_says_what_approval_will_do(alice, bob, seeker_a, posting_c):
    referral = pending(seeker_a, alice, posting_c)
    page = client_for(alice.user).get(reverse("referral_detail", args=[referral.pk])).text
    assert "承認されると" in page and "求人者マイページに送られます" in page
    assert "確認すると" not in page  # nobody confirms it at the counter any more
    readback = client_for(bob.user).post(
        reverse("approval_detail", args=[referral.pk]),
        {
            "seeker": seeker_a.pk,
            "action": "state",
            "source": "callback",
            "stated_posting_number": posting_c.number,
        },
    )
    assert readback.status_code == 200 and "承認して紹介状を発行" in readback.text
    assert "承認されると" in readback.text and "確認すると" not in readback.text


def test_voiding_a_draft_speaks_of_no_code(counter, consultation, posting_c, seeker_a):
    counter.post(
        reverse("referral_draft", args=[consultation.pk]),
        {"seeker": seeker_a.pk, "posting": posting_c.pk},
    )
    referral = ReferralLetter.objects.get()
    draft_page = counter.get(reverse("referral_detail", args=[referral.pk])).text
    assert "発行前のため紹介コードはまだなく" in draft_page
    assert "取り消しても紹介コードは消えません" not in draft_page
    voided = counter.post(
        reverse("referral_void", args=[referral.pk]),
        {"seeker": seeker_a.pk, "reason": "取り違え"},
        follow=True,
    )
    referral.refresh_from_db()
    assert referral.status == "voided" and referral.code is None
    assert "紹介状の作成を取り消しました" in voided.text
    for untrue in ["紹介コードは残ります", "紹介コードは消えません", "確認すると", "None"]:
        assert untrue not in voided.text, untrue
    assert (
        "発行前に取り消しました（紹介コードはなく、求人者には何も送られていません）" in voided.text
    )


def test_voiding_an_issued_letter_still_says_its_code_stays(counter, alice, seeker_a, posting_c):
    referral = issue_in_person(seeker_a, alice, posting_c)
    page = counter.get(reverse("referral_detail", args=[referral.pk])).text
    assert "取り消しても紹介コードは消えません" in page
    assert "発行前のため紹介コードはまだなく" not in page
    voided = counter.post(
        reverse("referral_void", args=[referral.pk]),
        {"seeker": seeker_a.pk, "reason": "辞退"},
        follow=True,
    )
    assert "紹介状を取り消しました。紹介コードは残ります。" in voided.text
    assert "紹介状の作成を取り消しました" not in voided.text
    assert "発行前に取り消しました" not in voided.text


def test_the_timeline_says_whether_a_voided_letter_had_a_code(alice, seeker_a, posting_c):
    consultation = consult(seeker_a, alice, apply=[posting_c])
    draft = called_draft(consultation=consultation, posting=posting_c, staff=alice)
    services.referral_void(referral=draft, staff=alice, reason="作り直し")
    (entry,) = [e for e in referral_timeline(referral=draft) if e.label == "紹介状を取消"]
    assert "紹介コードなし" in entry.detail and "None" not in entry.detail
    issued = issue_in_person(seeker_a, alice, posting_c)
    services.referral_void(referral=issued, staff=alice, reason="辞退")
    (entry,) = [e for e in referral_timeline(referral=issued) if e.label == "紹介状を取消"]
    assert issued.code in entry.detail and "紹介コードなし" not in entry.detail


def test_a_quarantined_applicant_is_not_said_to_be_shown(applicant_c, alice, dave):
    services.misdelivery_report(disclosure=applicant_c, member=dave, note="")
    page = (
        client_for(alice.user).get(reverse("referral_detail", args=[applicant_c.referral_id])).text
    )
    assert "から非表示" in page and "から表示中" not in page


def test_an_erased_applicant_is_not_said_to_be_shown(applicant_c, alice):
    services.personal_data_erase(before=applicant_c.created_at + datetime.timedelta(seconds=1))
    page = (
        client_for(alice.user).get(reverse("referral_detail", args=[applicant_c.referral_id])).text
    )
    assert "保存期間を過ぎて表示を終え" in page and "から表示中" not in page


# -- one count of letters (issue 14) ------------------------------------------------------------


def test_the_counter_counts_a_consultations_letters_one_way(
    counter, alice, seeker_a, posting_c, posting_d
):
    issued = issue_in_person(seeker_a, alice, posting_c)
    first = issued.consultation
    services.interest_record(consultation=first, posting=posting_d, decision="apply", staff=alice)
    draft = called_draft(consultation=first, posting=posting_d, staff=alice)
    services.referral_void(referral=draft, staff=alice, reason="取り違え")
    second = consult(seeker_a, alice, in_person=False)
    home = counter.get(reverse("counter_home"))
    (on_home,) = [c for c in home.context["consultations"] if c.pk == first.pk]
    other_page = counter.get(reverse("consultation_detail", args=[second.pk]))
    (as_candidate,) = other_page.context["merge_candidates"]
    assert as_candidate.pk == first.pk
    # One letter issued, one voided: both screens say 1, under the same label.
    assert on_home.referral_count == as_candidate.referral_count == 1
    assert "紹介状（取消を除く）" in home.text and "紹介状（取消を除く）" in other_page.text


def test_the_dashboard_says_what_its_issue_counts_include(bob, koriyama):
    supervisor = client_for(bob.user)
    for url in [reverse("dashboard"), reverse("quarterly_report")]:
        assert "撤回したものも含みます" in supervisor.get(url).text, url
    manager = factories.StaffMemberFactory(office=koriyama, role="manager")
    bureau = client_for(manager.user).get(reverse("dashboard_bureau")).text
    assert "撤回したものも含みます" in bureau


# -- a refused approval is said on the counter's page (issue 14) ---------------------------------


def assert_refused_on_the_page(response, reason):
    assert response.status_code == 403
    assert reason in response.text
    assert f'href="{reverse("approval_queue")}"' in response.text  # a way back
    assert "窓口トップ" in response.text  # the counter's layout
    assert "このページは表示できません" not in response.text  # not the bare 403 page


def test_the_maker_cannot_send_back_their_own_letter_and_is_told_why(bob, seeker_a, posting_c):
    referral = pending(seeker_a, bob, posting_c)
    supervisor = client_for(bob.user)
    page = supervisor.get(reverse("approval_detail", args=[referral.pk])).text
    assert "自分が作成・記録した紹介は承認できません" in page
    assert "理由を付けて差し戻す" not in page  # no button that would only be refused
    refused = supervisor.post(
        reverse("approval_reject", args=[referral.pk]), {"seeker": seeker_a.pk, "reason": "要確認"}
    )
    assert_refused_on_the_page(refused, "自分が作成・記録した紹介は承認できません")
    referral.refresh_from_db()
    assert referral.status == "pending_approval" and referral.rejection_reason == ""
    assert not AuditEvent.objects.filter(action="referral.rejected").exists()


def test_a_supervisor_who_read_the_record_after_stating_is_told_why_on_approve(
    alice, bob, seeker_a, posting_c
):
    referral = pending(seeker_a, alice, posting_c)
    statement = services.approval_statement_check(
        referral=referral, supervisor=bob, stated_posting_number=posting_c.number, source="callback"
    )
    supervisor = client_for(bob.user)
    supervisor.post(reverse("referral_open_record", args=[referral.pk]))
    supervisor.get(reverse("referral_detail", args=[referral.pk]))  # the clerk's record
    refused = supervisor.post(
        reverse("approval_approve", args=[referral.pk]),
        {"seeker": seeker_a.pk, "statement": statement.pk},
    )
    assert_refused_on_the_page(refused, "職員の記録")
    referral.refresh_from_db()
    assert referral.status == "pending_approval" and referral.code is None
    assert not AuditEvent.objects.filter(action="referral.approved").exists()
    # Sending it back needs no statement: still offered, and allowed.
    assert "理由を付けて差し戻す" in refused.text
