"""counter.views.letters: the referral's page, the seeker's confirmation, the printed letter,
voiding, and what the page says at each step."""

import datetime

import pytest
from django.urls import reverse

from hellowork.models import AuditEvent
from referrals import services
from referrals.models import (
    Alert,
    DisplayReadback,
    ReferralLetter,
)
from tests import factories
from tests.conftest import client_for
from tests.counter.views.helpers import call_on_screen
from tests.referrals.helpers import (
    call_employer,
    called_draft,
    consult,
    issue_in_person,
    pending,
    seeker_confirms,
)


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


def test_the_issuance_screen_and_the_confirm_take_a_fixed_number_of_queries(
    counter, consultation, posting_c, seeker_a, django_assert_num_queries
):
    """Issue 18: the screen and the confirm of the bench's mix. Every request: session,
    user, the second factor's device, staff member. The draft's screen: the letter with its
    joins, the seeker's caught mismatches today, the latest call, rule 13's check, the
    read-back, the `seeker.viewed` event, the protection banner; no results, retractions or
    incident (only an issued letter has them). The confirm: the letter again for the view,
    then in one transaction the locks (consultation, letter), the mismatches, the
    decision, rule 13, the call, the seeker's answer, the confirmation and its event, the
    consultation's activity, the code's uniqueness, the issue and its event, rule 13 once
    more where every path ends, the disclosure and its event."""
    counter.post(
        reverse("referral_draft", args=[consultation.pk]),
        {"seeker": seeker_a.pk, "posting": posting_c.pk},
    )
    referral = ReferralLetter.objects.get()
    call_on_screen(counter, referral, seeker_a)
    counter.post(reverse("referral_display_show", args=[referral.pk]), {"seeker": seeker_a.pk})
    services.display_seeker_confirm(
        display=consultation.display, referral=referral, seeker_birth_date=seeker_a.birth_date
    )
    page = reverse("referral_detail", args=[referral.pk])
    counter.get(page)  # the session's idle-timeout stamp, written at most once a minute
    with django_assert_num_queries(11):
        assert counter.get(page).status_code == 200
    with django_assert_num_queries(24):
        confirmed = counter.post(
            reverse("referral_confirm", args=[referral.pk]),
            {"seeker": seeker_a.pk, "posting_digits": "5678"},
        )
    assert confirmed.status_code == 302
    referral.refresh_from_db()
    assert referral.status == "issued"
    # Issued: its results, retractions and incident instead of the draft's mismatch count
    # and rule 13's check.
    with django_assert_num_queries(12):
        assert counter.get(page).status_code == 200
