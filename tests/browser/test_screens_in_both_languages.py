"""The main screens in Japanese and in English: each passes axe-core in both languages,
keeps the chosen language from page to page, and (with SCREENSHOTS=1, `make screenshots`)
is saved to docs/screenshots/ for the README."""

import pytest
from django.conf import settings

from referrals import display_credentials
from tests.browser.conftest import PHONE_WIDTH, Journey, log_in, new_page
from tests.factories import TEST_PASSWORD
from tests.world import screens_world


@pytest.fixture
def world(alice, bob, dave, seeker_a, posting_c, posting_d, koriyama):
    settings.DISCLOSURE_HOLD_MINUTES = 0
    return screens_world(
        alice=alice,
        bob=bob,
        dave=dave,
        seeker_a=seeker_a,
        posting_c=posting_c,
        posting_d=posting_d,
        koriyama=koriyama,
    )


def in_language(browser, live_server, language):
    journey = Journey(
        new_page(browser, locale="ja-JP" if language == "ja" else "en-GB"), live_server.url
    )
    journey.page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )
    return journey


@pytest.mark.parametrize("language", ["ja", "en"])
def test_the_main_screens(browser, live_server, world, language):
    issued, waiting = world["issued"], world["pending"]
    clerk = in_language(browser, live_server, language)
    clerk.visit("/counter/login/")
    clerk.shoot(f"staff-login-{language}")
    log_in(clerk, side="counter", username="alice", password=TEST_PASSWORD)
    assert clerk.page.locator("html").get_attribute("lang") == language
    for path, name in [
        ("/counter/", "counter-home"),
        (f"/counter/consultations/{world['consultation'].pk}/", "counter-consultation"),
        (f"/counter/referrals/{world['draft'].pk}/", "counter-issuance"),
        (f"/counter/referrals/{world['on_display'].pk}/", "counter-issuance-waiting"),
        (f"/counter/referrals/{world['confirmed'].pk}/", "counter-issuance-digits"),
        (f"/counter/referrals/{issued.pk}/", "counter-referral"),
        (f"/counter/referrals/{issued.pk}/letter/", "counter-letter"),
    ]:
        clerk.visit(path)
        assert clerk.page.locator("html").get_attribute("lang") == language  # kept across pages
        clerk.shoot(f"{name}-{language}")
    # The two searches (issue 15): a seeker by name, a posting by the employer's kana.
    clerk.visit("/counter/")
    clerk.type_into(clerk.page.locator("#id_q"), "やまだ")
    clerk.enter()
    clerk.shoot(f"counter-seeker-search-{language}")
    clerk.visit(f"/counter/consultations/{world['consultation'].pk}/")
    if clerk.page.locator("#id_posting_query").count():  # an open consultation
        clerk.type_into(clerk.page.locator("#id_posting_query"), "あさひ")
        clerk.enter()
        clerk.shoot(f"counter-posting-search-{language}")
    clerk.page.context.close()

    # The desk's display, as the seeker sees it (a tablet, by touch).
    display = Journey(
        new_page(
            browser,
            width=1024,
            height=768,
            has_touch=True,
            locale="ja-JP" if language == "ja" else "en-GB",
        ),
        live_server.url,
    )
    display.page.context.add_cookies(
        [
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url},
            {
                "name": display_credentials.COOKIE_NAME,
                "value": display_credentials.sign(
                    display_id=world["display"].pk, secret="test-secret"
                ),
                "url": live_server.url + "/display/",
            },
        ]
    )
    display.visit("/display/")
    assert "高橋 美咲" in display.text()
    display.shoot(f"display-readback-{language}")
    display.page.locator("[data-show-step='birth']").tap()
    display.check()
    display.shoot(f"display-birth-date-{language}")
    # On a 375 px phone the keypad and the buttons fit: nothing to scroll sideways.
    display.page.set_viewport_size({"width": 375, "height": 740})
    assert display.page.evaluate("document.documentElement.scrollWidth") <= 375
    if language == "ja":
        display.shoot("display-birth-date-phone")
    display.page.context.close()

    supervisor = in_language(browser, live_server, language)
    log_in(supervisor, side="counter", username="bob", password=TEST_PASSWORD)
    supervisor.visit("/counter/approvals/")
    supervisor.shoot(f"counter-approval-queue-{language}")
    supervisor.visit(f"/counter/approvals/{waiting.pk}/")
    supervisor.shoot(f"counter-approval-statement-{language}")
    supervisor.choose(supervisor.page.locator("#id_source_0"))
    supervisor.type_into(supervisor.page.locator("#id_q"), waiting.posting.number)
    supervisor.press(supervisor.page.locator("button[value=search]"))
    supervisor.shoot(f"counter-approval-search-{language}")
    supervisor.press(supervisor.page.locator("button[value=state]"))
    supervisor.shoot(f"counter-approval-readback-{language}")
    for path, name in [
        ("/counter/alerts/", "counter-alerts"),
        (f"/counter/alerts/{world['report_alert'].pk}/", "counter-alert-decision"),
        (f"/counter/incidents/{world['incident'].pk}/", "counter-incident"),
        (f"/counter/incidents/{world['incident'].pk}/report/", "counter-incident-report"),
        ("/counter/dashboard/", "counter-dashboard"),
        ("/counter/inspection/", "counter-inspection"),
        (f"/counter/seekers/{world['protected'].pk}/", "counter-seeker-protected"),
        (f"/counter/seekers/{world['protected'].pk}/protection/", "counter-protection"),
    ]:
        supervisor.visit(path)
        assert supervisor.page.locator("html").get_attribute("lang") == language
        supervisor.shoot(f"{name}-{language}")
    # The protection screen on a phone: nothing to scroll sideways.
    supervisor.page.set_viewport_size({"width": 375, "height": 740})
    assert supervisor.page.evaluate("document.documentElement.scrollWidth") <= 375
    if language == "ja":
        supervisor.shoot("counter-protection-phone")
    supervisor.page.context.close()

    employer = in_language(browser, live_server, language)
    log_in(employer, side="mypage", username="dave@asahi.example.jp", password=TEST_PASSWORD)
    public_id = issued.disclosure.public_id
    for path, name in [
        ("/mypage/", "mypage-list"),
        (f"/mypage/applicants/{public_id}/", "mypage-applicant"),
        (f"/mypage/applicants/{public_id}/result/", "mypage-result"),
        ("/mypage/code-check/", "mypage-code-check"),
        ("/mypage/notices/", "mypage-notices"),
        (f"/mypage/applicants/{world['reported'].public_id}/", "mypage-applicant-hidden"),
    ]:
        employer.visit(path)
        assert employer.page.locator("html").get_attribute("lang") == language
        employer.shoot(f"{name}-{language}")
    # The list on a 375 px phone: the applicants as cards.
    employer.page.set_viewport_size({"width": PHONE_WIDTH, "height": 740})
    employer.visit("/mypage/")
    employer.shoot(f"mypage-list-phone-{language}")
    employer.page.context.close()
