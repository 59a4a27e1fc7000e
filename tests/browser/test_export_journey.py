"""The employer saves the applicant list as CSV, by keyboard alone, on a desktop and on a
phone: the panel opens, the encoding is chosen, the browser receives a file (no page), and
the file decodes to the applicant with a formula in the name made inert."""

import csv
import io

import pytest

from hellowork.models import AuditEvent
from tests import factories
from tests.browser.conftest import Journey, log_in, new_page
from tests.factories import TEST_PASSWORD
from tests.referrals.helpers import issue_in_person


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (375, 740)], ids=["desktop", "phone"])
def test_an_employer_downloads_the_list_in_cp932(
    browser, live_server, no_hold, alice, dave, koriyama, posting_c, width, height
):
    seeker = factories.JobSeekerFactory(office=koriyama, name='=HYPERLINK("x")', kana="イ タロウ")
    referral = issue_in_person(seeker, alice, posting_c)
    journey = Journey(new_page(browser, width=width, height=height), live_server.url)
    log_in(journey, side="mypage", username=dave.user.username, password=TEST_PASSWORD)
    summary = journey.page.locator("details.export summary")
    journey.tab_to(summary)
    journey.page.keyboard.press("Enter")  # opens the panel
    journey.check()  # the open panel: axe, and nothing sideways on a phone
    if width < 600:
        journey.shoot("mypage-export-phone-ja")
    journey.choose(journey.page.locator("#id_export_encoding_1"))  # Shift_JIS (CP932)
    journey.tab_to(journey.button("CSVをダウンロード"))
    with journey.page.expect_download() as download_info:
        journey.page.keyboard.press("Enter")
    download = download_info.value
    assert download.suggested_filename.startswith("applicants-0704-100001-3-")
    assert download.suggested_filename.endswith("-sjis.csv")
    content = download.path().read_bytes()
    rows = list(csv.reader(io.StringIO(content.decode("cp932"), newline="")))
    assert rows[1][1] == "'" + seeker.name
    assert rows[1][6] == referral.code
    assert AuditEvent.objects.get(action="disclosure.exported").detail["rows"] == 1
    assert "/mypage/" in journey.page.url  # still on the list: a download, not a page
    journey.page.context.close()
