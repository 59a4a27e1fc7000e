"""The printed letter from the demo (issue 20): every field on one A4 page, and, for an
establishment without a my page, the 選考結果通知 on the back (the second page). Chromium
prints it to PDF and the pages are counted; with SCREENSHOTS=1 (`make screenshots`) the
print view is saved for the README."""

import pytest
from django.core.management import call_command
from django.db.models import Q

from hellowork.demo import DEMO_PASSWORD
from hellowork.models import JobPosting, JobSeeker, StaffMember
from referrals.models import ReferralLetter
from tests.browser.conftest import Journey, log_in, new_page
from tests.browser.test_counter_journeys import pdf_pages
from tests.referrals.helpers import issue_in_person

# A4 at 96 dpi, less the 12 mm margins the print style sets: the width the letter prints at.
A4_PRINT_WIDTH = 703


@pytest.fixture
def demo(transactional_db, settings):
    settings.DISCLOSURE_HOLD_MINUTES = 2
    call_command("seed_demo", verbosity=0)


def printed(journey: Journey, referral: ReferralLetter, *, shoot: str = "") -> bytes:
    journey.visit(f"/counter/referrals/{referral.pk}/letter/")
    if shoot:
        viewport = journey.page.viewport_size
        journey.page.emulate_media(media="print")
        journey.page.set_viewport_size({"width": A4_PRINT_WIDTH, "height": 1000})
        journey.shoot(shoot)
        journey.page.emulate_media(media="null")  # no emulation: the PDF takes print
        journey.page.set_viewport_size(viewport)
    # As the browser's own print does: the print style, whatever the window's size.
    return journey.page.pdf(format="A4", prefer_css_page_size=True)


def test_the_demo_letter_prints_every_field_on_one_a4_page(browser, live_server, demo):
    journey = Journey(new_page(browser), live_server.url)
    log_in(journey, side="counter", username="kor-clerk1", password=DEMO_PASSWORD)
    referral = ReferralLetter.objects.get(status="issued")
    pdf = printed(journey, referral, shoot="counter-letter-print")
    letter = journey.page.locator("article.letter").inner_text()
    seeker, posting = referral.consultation.seeker, referral.posting
    establishment, call = posting.establishment, referral.calls.get()
    for shown in [
        "紹介状",
        "ハローワーク郡山",
        seeker.name,
        seeker.number,
        posting.number,
        posting.title,
        establishment.name,
        establishment.address,
        establishment.access,
        call.selection_method,
        call.interview_place,
        call.interview_time.strftime("%H:%M"),
        call.documents,
        call.contact_person,
        referral.code,
    ]:
        assert shown in letter, shown
    assert journey.page.locator(".letter__qr svg").count() == 1
    # あさひ物流 has a my page: the result goes there, and the letter is one page.
    assert pdf_pages(pdf) == 1


def test_a_letter_without_a_my_page_prints_its_result_form_on_the_back(browser, live_server, demo):
    clerk = StaffMember.objects.get(user__username="kor-clerk3")
    posting = JobPosting.objects.filter(
        establishment__office=clerk.office, establishment__has_mypage=False, status="open"
    ).first()
    seeker = (
        JobSeeker.objects.filter(office=clerk.office)
        .exclude(Q(consultations__isnull=False))
        .first()
    )
    referral = issue_in_person(seeker, clerk, posting)
    journey = Journey(new_page(browser), live_server.url)
    log_in(journey, side="counter", username="kor-clerk3", password=DEMO_PASSWORD)
    pdf = printed(journey, referral, shoot="counter-letter-back-print")
    back = journey.page.locator(".letter__back").inner_text()
    for shown in ["選考結果通知", "採用", "不採用", "応募者が辞退した", "相違", referral.code]:
        assert shown in back, shown
    # The front on one page, the 選考結果通知 on the second.
    assert pdf_pages(pdf) == 2
