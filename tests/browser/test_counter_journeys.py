"""The counter journeys that matter, in a real browser: the clerk by keyboard alone, the
seeker on the desk's display by touch alone, every page checked with axe-core."""

import datetime
import re

import pytest
from django.utils import timezone

from referrals import display_credentials, services
from referrals.models import Alert, ReferralLetter
from tests import factories
from tests.browser.conftest import Journey, log_in, new_page
from tests.factories import TEST_PASSWORD


@pytest.fixture
def clerk_journey(journey, alice):
    log_in(journey, side="counter", username="alice", password=TEST_PASSWORD)
    return journey


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def open_consultation(
    journey, seeker, *, in_person: bool, query: str = "", shoot: str = ""
) -> None:
    """From the counter's top page: the search box has the focus, the first result takes it
    next, and 対面 at the desk's display is already chosen."""
    journey.type_into(journey.page.locator("#id_q"), query or seeker.kana.split()[0])
    journey.enter()
    if shoot:
        journey.shoot(shoot)
    journey.press(journey.page.get_by_role("link", name=seeker.name))
    if not in_person:
        journey.choose(journey.page.locator("#id_in_person_1"))
    journey.press(journey.button("相談を始める"))


def record(journey, posting, decision: str, *, query: str = "", shoot: str = "") -> None:
    """The posting looked up (its number by default) and the seeker's decision on it: the
    first result's 応募する has the focus."""
    journey.type_into(journey.page.locator("#id_posting_query"), query or posting.number)
    journey.enter()
    if shoot:
        journey.shoot(shoot)
    names = {"apply": "に応募する", "declined": "には応募しない", "considering": "は検討中"}
    journey.press(journey.button(f"{posting.number}{names[decision]}"))


def call_the_employer(journey, *, shoot: str = "") -> None:
    """Issue 20, by keyboard: the call form has the focus on its first answer; the clerk
    picks "reached, still taking applicants", types the interview's date and time (the
    place, method, documents and contact person as the employer said them), and Enter
    records it."""
    page = journey.page
    journey.choose(page.locator("#id_outcome_0"))
    day = timezone.localdate() + datetime.timedelta(days=3)
    journey.type_into(page.locator("#id_interview_date"), day.strftime("%Y%m%d"))
    journey.type_into(page.locator("#id_interview_time"), "10:00")
    journey.type_into(page.locator("#id_interview_place"), "本社 2階 会議室")
    journey.type_into(page.locator("#id_selection_method"), "面接")
    journey.type_into(page.locator("#id_documents"), "履歴書、紹介状")
    journey.type_into(page.locator("#id_contact_person"), "総務課 佐藤")
    if shoot:
        journey.shoot(shoot)
    journey.enter()
    assert "求人者への連絡を記録しました" in journey.text(), journey.page.locator(
        ".errorlist, .field--error, .notice"
    ).all_inner_texts()


class Display(Journey):
    """The seeker-facing display: a tablet used by touch alone (taps, never the keyboard)."""

    def tap_keys(self, digits: str) -> None:
        for digit in digits:
            self.page.locator(f"[data-keypad] [data-key='{digit}']").tap()

    def tap(self, name: str) -> None:
        self.page.get_by_role("button", name=name, exact=True).tap()


def paired_display(browser, base_url, supervisor) -> Display:
    """A supervisor registers the desk's display; its tablet types the code by touch."""
    registered = services.display_pair(supervisor=supervisor, label="第1窓口")
    page = new_page(browser, width=1024, height=768, has_touch=True)
    display = Display(page, base_url)
    display.visit("/display/")
    assert "ペアリング" in display.text()
    display.tap_keys(registered.pairing_code)
    with page.expect_navigation():
        display.tap("ペアリングする")
    display.check()
    assert "お待ちください" in display.text()
    assert page.context.cookies()[0]["name"] in (display_credentials.COOKIE_NAME, "csrftoken")
    return display


def seeker_answers(display: Display, birth: tuple[str, str, str], *, shoot: str = "") -> None:
    """The seeker reads the read-back, taps "apply", types the birth date on the keypad."""
    display.page.get_by_text("この求人に応募しますか").wait_for()
    display.check()
    if shoot:
        display.shoot(shoot)
    display.tap("この求人に応募する")
    year, month, day = birth
    display.tap_keys(year)  # the year field is full at 4 digits and moves on by itself
    display.tap_keys(month)
    if len(month) < 2:
        display.page.locator("[data-keypad] [data-key='next']").tap()
    display.tap_keys(day)
    with display.page.expect_navigation():
        display.tap("応募する（確認）")
    display.check()


def test_a_clerk_issues_a_letter_with_the_seeker_at_the_display(
    browser, live_server, clerk_journey, bob, seeker_a, posting_c, posting_d
):
    display = paired_display(browser, live_server.url, bob)
    journey = clerk_journey
    open_consultation(journey, seeker_a, in_person=True)  # the only display: already chosen
    assert "第1窓口" in journey.text()
    record(journey, posting_c, "apply", query="あさひ")  # the employer's kana, as said
    record(journey, posting_d, "declined")
    journey.shoot("counter-consultation")
    assert "応募しない求人には紹介状を作成できません" in journey.text()
    journey.press(journey.button("紹介状を作成"))

    page_text = journey.text()
    for shown in [seeker_a.name, "株式会社あさひ物流", "0704-100001-3", "07040-1234●●●●"]:
        assert shown in page_text
    assert "1990" not in page_text and posting_c.number not in page_text
    # Issue 20: the employer first; the display's button is not there yet.
    assert journey.page.get_by_role("button", name="求職者用画面に表示").count() == 0
    call_the_employer(journey, shoot="counter-employer-call")
    assert "本社 2階 会議室" in journey.text()
    journey.shoot("counter-issuance")
    assert display.text().count(seeker_a.name) == 0  # nothing until the clerk sends it

    journey.press(journey.button("求職者用画面に表示"))
    assert "求職者の操作を待っています" in journey.text()
    journey.shoot("counter-issuance-waiting")
    # A wrong birth date on the display is caught: the clerk's screen says so by itself.
    seeker_answers(display, ("1990", "5", "18"))
    assert "窓口の職員にお声がけください" in display.text()
    journey.page.get_by_text("生年月日が、登録と一致しませんでした").wait_for()
    assert Alert.objects.filter(kind="caught_mismatch").count() == 1
    journey.check()

    journey.press(journey.button("もう一度求職者用画面に表示"))
    seeker_answers(display, ("1990", "05", "17"), shoot="display-readback")
    assert "ありがとうございました" in display.text()
    display.shoot("display-thanks")
    assert seeker_a.name not in display.text()
    # The clerk's screen turns to the digits by itself, the field in focus.
    digits = journey.page.locator("#id_posting_digits")
    digits.wait_for()
    journey.check()
    journey.shoot("counter-issuance-digits")
    journey.type_into(digits, "5679")  # one digit wrong
    journey.press(journey.button("確認して紹介状を発行"))
    assert "下4桁が一致しません" in journey.text()
    assert Alert.objects.filter(kind="caught_mismatch").count() == 2
    journey.type_into(journey.page.locator("#id_posting_digits"), "5678")
    journey.press(journey.button("確認して紹介状を発行"))
    referral = ReferralLetter.objects.get()
    assert referral.status == "issued"
    assert referral.code in journey.text()
    assert referral.confirmation.display_answer.display.label == "第1窓口"

    journey.press(journey.link("紹介状を印刷"))
    letter = journey.text()
    for shown in [referral.code, seeker_a.number, "本社 2階 会議室", "10:00", "面接",
                  "履歴書、紹介状", "総務課 佐藤"]:  # fmt: skip
        assert shown in letter, shown
    assert journey.page.locator(".letter__qr svg").count() == 1
    journey.shoot("counter-letter")
    # The letter prints on one A4 page (its establishment has a my page: no back).
    assert pdf_pages(journey.page.pdf(format="A4", prefer_css_page_size=True)) == 1
    # The display cleared itself after the answer.
    display.page.get_by_text("お待ちください").wait_for()
    assert seeker_a.name not in display.text()
    display.page.context.close()


# The most Tab presses an in-person referral may take, from the counter's top page to the
# issued letter (issue 15: it was about 50 before each page put the focus on its next step).
MOST_TABS_PER_REFERRAL = 15


def test_an_in_person_referral_by_keyboard_needs_few_tab_presses(
    browser, live_server, clerk_journey, bob, seeker_a, posting_c, posting_d, record_property
):
    display = paired_display(browser, live_server.url, bob)
    journey = clerk_journey
    journey.visit("/counter/")
    journey.tabs = 0
    open_consultation(
        journey, seeker_a, in_person=True, query="やまだ", shoot="counter-seeker-search"
    )
    record(journey, posting_c, "apply", query="あさひ", shoot="counter-posting-search")
    journey.press(journey.button("紹介状を作成"))
    # Issue 20: the call's answer and the interview's date and time; the employer's place,
    # method, documents and contact person come from the office's last call about this
    # posting when there is one (not here: the clerk types them).
    call_the_employer(journey)
    journey.press(journey.button("求職者用画面に表示"))
    seeker_answers(display, ("1990", "05", "17"))
    digits = journey.page.locator("#id_posting_digits")
    digits.wait_for()
    journey.type_into(digits, "5678")
    journey.enter()  # Enter in the field issues
    assert ReferralLetter.objects.get().status == "issued"
    record_property("tab_presses_per_in_person_referral", journey.tabs)  # in --junitxml
    assert journey.tabs <= MOST_TABS_PER_REFERRAL, journey.tabs
    display.page.context.close()


def second_supervisor(browser, live_server, clerk) -> Journey:
    """Another supervisor of the clerk's office, signed in in a window of their own."""
    factories.StaffMemberFactory(
        office=clerk.office, role="supervisor", user__username="dan", user__name="伊藤 ダン"
    )
    journey = Journey(new_page(browser), live_server.url)
    log_in(journey, side="counter", username="dan", password=TEST_PASSWORD)
    return journey


def state(supervisor: Journey, posting, *, source_index: int, query: str) -> None:
    """Step 1 of the approval by keyboard: where it was heard, a search, the posting."""
    supervisor.choose(supervisor.page.locator(f"#id_source_{source_index}"))
    supervisor.type_into(supervisor.page.locator("#id_q"), query)
    supervisor.press(supervisor.button("探す"))
    supervisor.choose(
        supervisor.page.locator(f"input[name='stated_posting_number'][value='{posting.number}']")
    )
    supervisor.press(supervisor.button("この求人で照合する"))


def test_a_referral_entered_without_the_seeker_is_approved_on_the_seekers_word(
    browser, live_server, journey, alice, bob, seeker_a, posting_c, posting_d
):
    log_in(journey, side="counter", username="alice", password=TEST_PASSWORD)
    open_consultation(journey, seeker_a, in_person=False)
    record(journey, posting_c, "apply")
    journey.press(journey.button("紹介状を作成"))
    assert "統括官の承認が必要です" in journey.text()
    call_the_employer(journey)
    journey.press(journey.button("統括官の承認に回す"))
    assert ReferralLetter.objects.get().status == "pending_approval"

    supervisor = Journey(new_page(browser), live_server.url)
    log_in(supervisor, side="counter", username="bob", password=TEST_PASSWORD)
    supervisor.press(supervisor.link("承認待ち"))
    supervisor.shoot("counter-approval-queue")
    supervisor.press(supervisor.link("確認する"))
    statement = supervisor.text()
    assert "承認して紹介状を発行" not in statement
    assert "あさひ物流" not in statement and posting_c.number not in statement
    supervisor.shoot("counter-approval-statement")
    # The seeker on the phone says "Asahi Butsuryu": two look-alikes; the wrong one is caught.
    state(supervisor, posting_d, source_index=0, query="アサヒブツリュウ")
    assert "一致しません" in supervisor.text()
    assert ReferralLetter.objects.get().status == "pending_approval"
    # One wrong statement each: bob cannot walk the list; another supervisor calls back.
    supervisor.visit(f"/counter/approvals/{ReferralLetter.objects.get().pk}/")
    assert "一度一致しませんでした" in supervisor.text()
    supervisor.page.context.close()
    supervisor = second_supervisor(browser, live_server, alice)
    supervisor.press(supervisor.link("承認待ち"))
    supervisor.press(supervisor.link("確認する"))
    state(supervisor, posting_c, source_index=0, query="07040-1234")
    assert "株式会社あさひ物流" in supervisor.text()
    supervisor.shoot("counter-approval-readback")
    supervisor.press(supervisor.button("承認して紹介状を発行"))
    referral = ReferralLetter.objects.get()
    assert referral.status == "issued"
    assert referral.confirmation.source == "callback"
    assert referral.code in supervisor.text()
    supervisor.page.context.close()


def test_the_koriyama_replay_is_stopped_at_the_screens(
    browser, live_server, journey, alice, bob, seeker_a, posting_c, posting_d
):
    display = paired_display(browser, live_server.url, bob)
    log_in(journey, side="counter", username="alice", password=TEST_PASSWORD)
    open_consultation(journey, seeker_a, in_person=True)
    record(journey, posting_c, "apply")
    record(journey, posting_d, "declined")
    journey.press(journey.button("紹介状を作成"))
    call_the_employer(journey)
    journey.press(journey.button("求職者用画面に表示"))
    seeker_answers(display, ("1990", "05", "17"))
    journey.type_into(journey.page.locator("#id_posting_digits"), "5678")
    journey.press(journey.button("確認して紹介状を発行"))
    first = ReferralLetter.objects.get()
    assert first.status == "issued"
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
    assert journey.page.locator("#id_posting_query").count() == 0  # no decisions after closing
    journey.press(journey.button("紹介状を作成"))  # C again
    assert "統括官の承認が必要です" in journey.text()
    assert journey.page.get_by_role("button", name="求職者用画面に表示").count() == 0
    # The office's last call about C fills the employer's facts in: the clerk confirms
    # them on the phone and types only the answer and the new date.
    assert journey.page.locator("#id_contact_person").input_value() == "総務課 佐藤"
    call_the_employer(journey)
    journey.press(journey.button("統括官の承認に回す"))

    supervisor = Journey(new_page(browser), live_server.url)
    log_in(supervisor, side="counter", username="bob", password=TEST_PASSWORD)
    supervisor.visit("/counter/approvals/")
    supervisor.press(supervisor.link("確認する"))
    state(supervisor, posting_d, source_index=1, query=posting_d.number)
    assert "一致しません" in supervisor.text()
    supervisor.page.context.close()
    supervisor = second_supervisor(browser, live_server, alice)
    supervisor.visit("/counter/approvals/")
    supervisor.press(supervisor.link("確認する"))
    state(supervisor, posting_c, source_index=1, query=posting_c.number)
    supervisor.press(supervisor.button("承認して紹介状を発行"))
    second = ReferralLetter.objects.exclude(pk=first.pk).get()
    assert second.status == "issued" and second.code != first.code
    assert second.confirmation.source == "seeker_present"
    assert not ReferralLetter.objects.filter(posting=posting_d).exists()
    supervisor.page.context.close()
    display.page.context.close()
