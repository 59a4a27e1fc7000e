"""The main screens in Japanese and in English: each passes axe-core in both languages,
keeps the chosen language from page to page, and (with SCREENSHOTS=1, `make screenshots`)
is saved to docs/screenshots/ for the README."""

import pytest
from django.conf import settings

from referrals import display_credentials, services
from tests import factories
from tests.browser.conftest import Journey, log_in, new_page
from tests.factories import TEST_PASSWORD
from tests.referrals.helpers import consult, issue_in_person, pending, seeker_confirms


@pytest.fixture
def world(alice, bob, dave, seeker_a, posting_c, posting_d, koriyama):
    settings.DISCLOSURE_HOLD_MINUTES = 0
    issued = issue_in_person(seeker_a, alice, posting_c)
    other = factories.JobSeekerFactory(office=koriyama, name="鈴木 一郎", kana="スズキ イチロウ")
    waiting = pending(other, alice, posting_d)
    draft_posting = factories.JobPostingFactory(
        establishment=posting_c.establishment, title="配車係"
    )
    consultation = consult(seeker_a, alice, apply=[draft_posting], declined=[posting_d])
    draft = services.referral_draft(consultation=consultation, posting=draft_posting, staff=alice)
    # A mistaken disclosure, retracted: an incident with its tasks, a notice for the employer.
    third = factories.JobSeekerFactory(office=koriyama, name="田中 次郎", kana="タナカ ジロウ")
    mistaken = issue_in_person(
        third, alice, factories.JobPostingFactory(establishment=posting_c.establishment)
    )
    services.referral_retract(referral=mistaken, staff=alice, reason="別の事業所の求人と取り違えた")
    incident = services.retraction_approve(referral=mistaken, supervisor=bob)
    # An applicant the employer reported (rule 11): hidden from it, a critical alert waiting.
    stranger = factories.JobSeekerFactory(office=koriyama, name="伊藤 四郎", kana="イトウ シロウ")
    reported = issue_in_person(
        stranger, alice, factories.JobPostingFactory(establishment=posting_c.establishment)
    ).disclosure
    report = services.misdelivery_report(
        disclosure=reported, member=dave, note="面接の予定を聞いていない方です"
    )
    # At the desk: a letter the seeker confirmed (the clerk's digits next), then one whose
    # read-back waits on the display.
    confirmed_posting = factories.JobPostingFactory(
        establishment=posting_c.establishment, title="フォークリフトオペレーター"
    )
    walk_in = factories.JobSeekerFactory(
        office=koriyama, name="佐々木 三郎", kana="ササキ サブロウ"
    )
    confirmed = services.referral_draft(
        consultation=consult(walk_in, alice, apply=[confirmed_posting]),
        posting=confirmed_posting,
        staff=alice,
    )
    seeker_confirms(confirmed, alice)
    waiting_posting = factories.JobPostingFactory(
        establishment=posting_c.establishment, title="配送ドライバー（中型）"
    )
    visitor = factories.JobSeekerFactory(office=koriyama, name="高橋 美咲", kana="タカハシ ミサキ")
    on_display = services.referral_draft(
        consultation=consult(visitor, alice, apply=[waiting_posting]),
        posting=waiting_posting,
        staff=alice,
    )
    readback = services.display_show(referral=on_display, staff=alice)
    return {
        "issued": issued,
        "pending": waiting,
        "consultation": consultation,
        "draft": draft,
        "incident": incident,
        "confirmed": confirmed,
        "on_display": on_display,
        "display": readback.display,
        "reported": reported,
        "report_alert": report.alert,
    }


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
    ]:
        supervisor.visit(path)
        assert supervisor.page.locator("html").get_attribute("lang") == language
        supervisor.shoot(f"{name}-{language}")
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
    employer.page.context.close()
