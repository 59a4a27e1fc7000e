"""counter.views.consultations: the consultation's page, recording postings, the issuance
screen, stale screens and merges."""

import pytest
from django.urls import reverse

from referrals import services
from referrals.models import (
    Consultation,
    DisplayReadback,
    PostingInterest,
    ReferralLetter,
)
from tests import factories
from tests.conftest import client_for
from tests.counter.views.helpers import call_on_screen
from tests.referrals.helpers import (
    call_employer,
    consult,
    issue_in_person,
    pending,
)


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


def test_no_counter_page_is_stored(counter, consultation):
    response = counter.get(reverse("consultation_detail", args=[consultation.pk]))
    assert "no-store" in response["Cache-Control"]


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
