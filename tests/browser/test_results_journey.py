"""Results by every route (issue 20), by keyboard alone: the employer records on the my
page, the clerk records the correction the employer phoned in, both see one history; after
the result window the my page says to phone, and the dashboard lists what is missing."""

import datetime
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from referrals import selectors, services
from tests import factories
from tests.browser.conftest import PHONE_WIDTH, Journey, log_in, new_page
from tests.factories import TEST_PASSWORD
from tests.referrals.helpers import issue_in_person

# RESULTS_SHOTS=/some/dir saves each page (desktop and 375 px) for a look by eye.
SHOTS = os.environ.get("RESULTS_SHOTS")


def shoot(journey: Journey, name: str) -> None:
    if not SHOTS:
        return
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    journey.page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)
    size = journey.page.viewport_size
    journey.page.set_viewport_size({"width": PHONE_WIDTH, "height": 740})
    journey.page.screenshot(path=f"{SHOTS}/{name}-phone.png", full_page=True)
    journey.page.set_viewport_size(size)


def in_language(browser, live_server, language):
    journey = Journey(
        new_page(browser, locale="ja-JP" if language == "ja" else "en-GB"), live_server.url
    )
    journey.page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )
    return journey


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_clerk_result_joins_the_employers_history(
    browser, live_server, no_hold, alice, bob, dave, seeker_a, posting_c, language
):
    referral = issue_in_person(seeker_a, alice, posting_c)
    applicant = referral.disclosure
    services.selection_result_record(
        disclosure=applicant,
        member=dave,
        result="hired",
        start_date=applicant.referral_date + datetime.timedelta(days=14),
        conditions_differ=False,
    )

    clerk = in_language(browser, live_server, language)
    log_in(clerk, side="counter", username="alice", password=TEST_PASSWORD)
    clerk.visit(f"/counter/referrals/{referral.pk}/")
    summary = clerk.page.locator("#results-heading ~ details summary")
    clerk.tab_to(summary)
    clerk.page.keyboard.press("Enter")  # opens the panel
    clerk.choose(clerk.page.locator("input[name=route][value=phone]"))
    clerk.type_into(clerk.page.locator("#id_given_by"), "人事課 佐藤")
    clerk.choose(clerk.page.locator("input[name=result][value=not_hired]"))
    clerk.tab_to(clerk.page.locator("#id_not_hired_reason"))
    clerk.page.locator("#id_not_hired_reason").select_option("applicant_withdrew")
    clerk.choose(clerk.page.locator("input[name=conditions_differ][value=no]"))
    clerk.press(clerk.page.locator("details form button[type=submit]"))
    rows = clerk.page.locator("#results-heading ~ .table-wrap tbody tr")
    assert rows.count() == 2
    assert rows.first.get_attribute("data-route") == "phone"
    assert "人事課 佐藤" in rows.first.inner_text()
    shoot(clerk, f"counter-results-{language}")
    current = selectors.current_selection_result(referral=referral)
    assert (current.route, current.recorded_by_staff) == ("phone", alice)
    clerk.page.context.close()

    # Another applicant, still without a result, before the posting's validity ends (a
    # posting past its validity takes no referral).
    other = issue_in_person(factories.JobSeekerFactory(office=seeker_a.office), alice, posting_c)
    # The validity ended long ago: the my page shows the history and the message, no button.
    posting_c.valid_until = timezone.localdate() - datetime.timedelta(days=200)
    posting_c.save(update_fields=["valid_until"])
    employer = in_language(browser, live_server, language)
    log_in(employer, side="mypage", username=dave.user.username, password=TEST_PASSWORD)
    employer.visit(f"/mypage/applicants/{applicant.public_id}/")
    text = employer.text()
    assert employer.page.locator("[data-result-window=closed]").count() == 1
    assert employer.page.locator(f"a[href$='/{applicant.public_id}/result/']").count() == 0
    assert "人事課 佐藤" in text
    shoot(employer, f"mypage-result-window-closed-{language}")
    employer.page.context.close()

    supervisor = in_language(browser, live_server, language)
    log_in(supervisor, side="counter", username="bob", password=TEST_PASSWORD)
    supervisor.visit("/counter/dashboard/")
    assert supervisor.page.locator(f"[data-referral='{referral.pk}']").count() == 0  # answered
    assert supervisor.page.locator(f"[data-referral='{other.pk}']").count() == 1
    shoot(supervisor, f"dashboard-without-result-{language}")
