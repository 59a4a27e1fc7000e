"""The counter journeys that matter, in a real browser, by keyboard alone."""

import re

import pytest

from referrals.models import Alert, ReferralLetter
from tests.browser.conftest import Journey, log_in, new_page
from tests.factories import TEST_PASSWORD


@pytest.fixture
def clerk_journey(journey, alice):
    log_in(journey, side="counter", username="alice", password=TEST_PASSWORD)
    return journey


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def open_consultation(journey, seeker, *, in_person: bool) -> None:
    journey.type_into(journey.page.locator("#id_q"), seeker.kana.split()[0])
    journey.press(journey.button("検索"))
    journey.press(journey.link(seeker.number))
    journey.choose(journey.page.locator("#id_in_person_0" if in_person else "#id_in_person_1"))
    journey.press(journey.button("相談を始める"))


def record(journey, posting, decision_index: int) -> None:
    journey.type_into(journey.page.locator("#id_posting_number"), posting.number)
    journey.choose(journey.page.locator(f"#id_decision_{decision_index}"))
    journey.press(journey.button("記録する"))


def confirm(journey, digits: str, birth: str) -> None:
    journey.type_into(journey.page.locator("#id_posting_digits"), digits)
    journey.type_into(journey.page.locator("#id_seeker_birth_date"), birth)
    journey.press(journey.button("確認して紹介状を発行"))


def test_a_clerk_issues_a_letter_with_the_seeker_at_the_counter(
    clerk_journey, seeker_a, posting_c, posting_d
):
    journey = clerk_journey
    open_consultation(journey, seeker_a, in_person=True)
    record(journey, posting_c, 0)  # 応募する
    record(journey, posting_d, 1)  # 応募しない
    journey.shoot("counter-consultation")
    assert "応募しない求人には紹介状を作成できません" in journey.text()
    journey.press(journey.button("紹介状を作成"))

    page_text = journey.text()
    for shown in [seeker_a.name, "株式会社あさひ物流", "0704-100001-3", posting_c.number]:
        assert shown in page_text
    assert "1990" not in page_text  # the birth date is never on screen
    journey.shoot("counter-issuance")

    confirm(journey, "5679", "1990-05-17")  # one digit wrong
    assert "下4桁が一致しません" in journey.text()
    assert Alert.objects.filter(kind="caught_mismatch").count() == 1
    confirm(journey, "5678", "平成2年5月17日")
    referral = ReferralLetter.objects.get()
    assert referral.status == "issued"
    assert referral.code in journey.text()

    journey.press(journey.link("紹介状を印刷"))
    assert referral.code in journey.text()
    assert journey.page.locator(".letter__qr svg").count() == 1
    journey.shoot("counter-letter")
    # The letter prints on one A4 page.
    assert pdf_pages(journey.page.pdf(format="A4", prefer_css_page_size=True)) == 1


def test_a_referral_entered_without_the_seeker_is_approved_blind(
    browser, live_server, journey, alice, bob, seeker_a, posting_c, posting_d
):
    log_in(journey, side="counter", username="alice", password=TEST_PASSWORD)
    open_consultation(journey, seeker_a, in_person=False)
    record(journey, posting_c, 0)
    journey.press(journey.button("紹介状を作成"))
    assert "統括官の承認が必要です" in journey.text()
    journey.press(journey.button("統括官の承認に回す"))
    assert ReferralLetter.objects.get().status == "pending_approval"

    supervisor = Journey(new_page(browser), live_server.url)
    log_in(supervisor, side="counter", username="bob", password=TEST_PASSWORD)
    supervisor.press(supervisor.link("承認待ち"))
    supervisor.shoot("counter-approval-queue")
    supervisor.press(supervisor.link("確認する"))
    assert "承認して紹介状を発行" not in supervisor.text()
    supervisor.shoot("counter-approval-statement")
    supervisor.type_into(supervisor.page.locator("#id_stated_posting_number"), posting_d.number)
    supervisor.press(supervisor.button("照合する"))
    assert "一致しません" in supervisor.text()
    assert ReferralLetter.objects.get().status == "pending_approval"
    supervisor.type_into(
        supervisor.page.locator("#id_stated_posting_number"), "０７０４０－１２３４５６７８"
    )
    supervisor.press(supervisor.button("照合する"))
    assert "株式会社あさひ物流" in supervisor.text()
    supervisor.shoot("counter-approval-readback")
    supervisor.press(supervisor.button("承認して紹介状を発行"))
    referral = ReferralLetter.objects.get()
    assert referral.status == "issued"
    assert referral.code in supervisor.text()
    supervisor.page.context.close()


def test_the_koriyama_replay_is_stopped_at_the_screens(
    browser, live_server, journey, alice, bob, seeker_a, posting_c, posting_d
):
    log_in(journey, side="counter", username="alice", password=TEST_PASSWORD)
    open_consultation(journey, seeker_a, in_person=True)
    record(journey, posting_c, 0)
    record(journey, posting_d, 1)
    journey.press(journey.button("紹介状を作成"))
    confirm(journey, "5678", "19900517")
    first = ReferralLetter.objects.get()
    # The clerk voids the letter to tidy the records, within the hold: nothing reached C.
    journey.page.locator("details summary").first.focus()
    journey.page.keyboard.press("Enter")
    journey.type_into(journey.page.locator("#id_reason"), "相談記録を整理するため")
    journey.press(journey.button("取り消す"))
    first.refresh_from_db()
    assert first.status == "voided" and first.code in journey.text()
    assert first.disclosure.recalled_at is not None

    # The seeker leaves; the clerk closes the consultation.
    journey.press(journey.link("相談に戻る"))
    journey.press(journey.button("相談を終了する"))
    # Re-entering alone: the declined posting D offers no letter at all.
    journey.visit(f"/counter/consultations/{first.consultation_id}/")
    assert "応募しない求人には紹介状を作成できません" in journey.text()
    assert journey.page.locator("#id_posting_number").count() == 0  # no decisions after closing
    journey.press(journey.button("紹介状を作成"))  # C again
    assert "統括官の承認が必要です" in journey.text()
    journey.press(journey.button("統括官の承認に回す"))

    supervisor = Journey(new_page(browser), live_server.url)
    log_in(supervisor, side="counter", username="bob", password=TEST_PASSWORD)
    supervisor.visit("/counter/approvals/")
    supervisor.press(supervisor.link("確認する"))
    supervisor.type_into(supervisor.page.locator("#id_stated_posting_number"), posting_d.number)
    supervisor.press(supervisor.button("照合する"))
    assert "一致しません" in supervisor.text()
    supervisor.type_into(supervisor.page.locator("#id_stated_posting_number"), posting_c.number)
    supervisor.press(supervisor.button("照合する"))
    supervisor.press(supervisor.button("承認して紹介状を発行"))
    second = ReferralLetter.objects.exclude(pk=first.pk).get()
    assert second.status == "issued" and second.code != first.code
    assert not ReferralLetter.objects.filter(posting=posting_d).exists()
    supervisor.page.context.close()
