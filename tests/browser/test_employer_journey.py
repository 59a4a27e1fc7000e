"""The employer's journey on the my page, on a desktop and on a phone, by keyboard alone."""

import datetime

import pytest
import time_machine

from referrals.models import SelectionResult
from tests.browser.conftest import Journey, log_in, new_page
from tests.factories import TEST_PASSWORD
from tests.referrals.helpers import issue_in_person


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (375, 740)], ids=["desktop", "phone"])
def test_an_employer_waits_out_the_hold_sees_the_applicant_and_records_a_result(
    browser, live_server, alice, dave, seeker_a, posting_c, width, height
):
    start = datetime.datetime.now(tz=datetime.UTC)
    with time_machine.travel(start, tick=True) as clock:
        referral = issue_in_person(seeker_a, alice, posting_c)
        journey = Journey(new_page(browser, width=width, height=height), live_server.url)
        log_in(journey, side="mypage", username=dave.user.username, password=TEST_PASSWORD)
        # Within the hold: nothing of the applicant yet.
        assert seeker_a.name not in journey.text()
        assert "紹介された応募者はまだいません" in journey.text()

        clock.shift(datetime.timedelta(minutes=11))
        journey.visit("/mypage/")
        assert seeker_a.name in journey.text()
        # Every column is on the screen, the code and the result too: on the phone the
        # applicant is a card, each value under its label; nothing scrolls sideways
        # (check() measures that on every page).
        row = journey.page.locator("table.applicants tbody tr").first
        for cell in [row.locator("th"), *row.locator("td").all()]:
            box = cell.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, cell.inner_text()
        assert referral.code in row.inner_text() and "未記録" in row.inner_text()
        if width < 600:
            name, code = row.locator("th").bounding_box(), row.locator("td.code").bounding_box()
            assert name["y"] < code["y"], "the name heads the card"
            label = row.locator("td.code").evaluate(
                "td => [td.dataset.label, getComputedStyle(td, '::before').content]"
            )
            assert label == ["紹介コード", '"紹介コード" / ""'], "each value is labelled"
        if width >= 600:  # the phone's: mypage-list-phone-ja/en, in both languages' screens
            journey.shoot("mypage-list-desktop")

        journey.press(journey.link(seeker_a.name))
        assert referral.code in journey.text()
        journey.press(journey.link("紹介状を表示・印刷"))
        assert referral.code in journey.text() and seeker_a.name in journey.text()
        journey.shoot(f"mypage-letter-{'phone' if width < 600 else 'desktop'}")
        journey.press(journey.link("応募者の詳細に戻る"))

        journey.press(journey.link("選考結果を記録する"))
        journey.choose(journey.page.locator("#id_result_0"))  # 採用
        start_date = (referral.disclosure.referral_date + datetime.timedelta(days=14)).isoformat()
        journey.tab_to(journey.page.locator("#id_start_date"))
        journey.page.locator("#id_start_date").fill(start_date)  # a date picker, typed whole
        journey.choose(journey.page.locator("#id_conditions_differ_1"))  # なし
        journey.press(journey.button("記録する"))
        result = SelectionResult.objects.get()
        assert result.result == "hired" and result.start_date.isoformat() == start_date
        assert "採用" in journey.text()
        journey.page.context.close()
