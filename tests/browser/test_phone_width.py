"""Every page on a 375 px phone, in Japanese and in English: none scrolls sideways.

`Journey.check` measures each page at 375 px (see conftest), so every page the other
journeys pass through is measured on a phone too; this walk adds the pages they do not
reach (logins, the manager's and the supervisor's screens, errors) and fails naming every
page that scrolls sideways, and the element that reaches furthest past the screen. It also
fails when a page template was not rendered on the way: a new page joins the walk or the
walk says so.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.test.signals import template_rendered
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from hellowork import services as registry_services
from hellowork.models import StaffRole
from referrals import display_credentials, services
from referrals.models import Alert
from tests import factories
from tests.browser.conftest import PHONE_WIDTH, Journey, log_in, new_page
from tests.factories import TEST_PASSWORD
from tests.referrals.helpers import issue_in_person
from tests.world import screens_world

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# Templates that are no page of their own: the bases every page extends, the parts pages
# include, the e-mails.
NOT_PAGES = {"base.html", "counter/base.html", "employer_portal/base.html"}
NOT_PAGES |= {"counter/display/base.html", "hellowork/login_form.html"}


@pytest.fixture
def world(settings, alice, bob, dave, seeker_a, posting_c, posting_d, koriyama):
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


def page_templates() -> set[str]:
    names = {
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if not path.name.startswith("_")
    }
    return {
        name
        for name in names - NOT_PAGES
        # The Django admin is Django's, for the administrator at a PC (docs/DECISIONS.md).
        if not name.startswith(("includes/", "hellowork/email/", "referrals/email/", "admin/"))
    }


class Walk:
    """Journeys on a phone that note every page which scrolls sideways instead of stopping
    at the first, and every template the server rendered meanwhile."""

    def __init__(self, browser, live_server, language: str) -> None:
        self.browser, self.base_url, self.language = browser, live_server.url, language
        self.failures: list[str] = []
        self.rendered: set[str] = set()
        template_rendered.connect(self._rendered)

    def _rendered(self, sender, template, context, **kwargs) -> None:
        if template.name:
            self.rendered.add(template.name)

    def close(self) -> None:
        template_rendered.disconnect(self._rendered)

    def journey(self, cookies=()) -> Journey:
        page = new_page(
            self.browser,
            width=PHONE_WIDTH,
            height=740,
            locale="ja-JP" if self.language == "ja" else "en-GB",
        )
        page.context.add_cookies(
            [
                {
                    "name": settings.LANGUAGE_COOKIE_NAME,
                    "value": self.language,
                    "url": self.base_url,
                },
                *cookies,
            ]
        )
        journey = Journey(page, self.base_url)
        journey.failures = self.failures
        return journey

    def measure(self, journey: Journey, path: str | None = None) -> None:
        """The page as it is (or at `path`): axe-core, and its width on the phone."""
        if path is not None:
            journey.page.goto(self.base_url + path)
        journey.check()


@pytest.mark.parametrize("language", ["ja", "en"])
def test_no_page_scrolls_sideways_on_a_phone(
    browser, live_server, world, alice, dave, koriyama, language
):
    issued = world["issued"]
    newcomer = factories.StaffMemberFactory(office=koriyama, user__username="newcomer")
    factories.StaffMemberFactory(office=koriyama, role=StaffRole.MANAGER, user__username="manager")
    # A retraction waiting for a supervisor.
    seeker = factories.JobSeekerFactory(office=koriyama, name="渡辺 五郎", kana="ワタナベ ゴロウ")
    waiting_retraction = services.referral_retract(
        referral=issue_in_person(
            seeker, alice, factories.JobPostingFactory(establishment=issued.posting.establishment)
        ),
        staff=alice,
        reason="別の求人と取り違えた",
    )
    invited = factories.EmployerMemberFactory(
        establishment=issued.posting.establishment, is_primary=False
    )
    invitation = registry_services.employer_member_add(
        by=dave, email="invited@asahi.example.jp", name="招待 花子"
    )
    walk = Walk(browser, live_server, language)
    try:
        # Before signing in: the front page, the logins, a second factor being set up.
        anonymous = walk.journey()
        for path in ["/", "/counter/login/", "/mypage/login/", "/mypage/login/forgot/"]:
            walk.measure(anonymous, path)
        token = default_token_generator.make_token(invited.user)
        uid = urlsafe_base64_encode(force_bytes(invited.user.pk))
        walk.measure(anonymous, f"/mypage/password/set/{uid}/{token}/")
        walk.measure(anonymous, "/display/")  # a desk not yet paired
        anonymous.page.context.close()

        enrolling = walk.journey()
        log_in(enrolling, side="counter", username="newcomer", password=TEST_PASSWORD)
        enrolling.page.context.close()
        assert newcomer.user.totpdevice_set.filter(confirmed=True).exists()

        # The second factor's page of someone who set it up before (its code was just used:
        # the page is enough).
        returning = walk.journey()
        returning.visit("/counter/login/")
        returning.type_into(returning.page.locator("#id_username"), "newcomer")
        returning.type_into(returning.page.locator("#id_password"), TEST_PASSWORD)
        returning.press(returning.page.locator("main form button[type=submit]"))
        assert "/counter/login/verify/" in returning.page.url
        returning.page.context.close()

        clerk = walk.journey()
        log_in(clerk, side="counter", username="alice", password=TEST_PASSWORD)
        for path in [
            "/counter/",
            "/counter/seekers/",
            f"/counter/seekers/{issued.consultation.seeker_id}/",
            f"/counter/consultations/{world['consultation'].pk}/",
            f"/counter/referrals/{world['draft'].pk}/",
            f"/counter/referrals/{world['on_display'].pk}/",
            f"/counter/referrals/{world['confirmed'].pk}/",
            f"/counter/referrals/{issued.pk}/",
            f"/counter/referrals/{issued.pk}/letter/",
            "/counter/referrals/999999999/",  # not found
            "/counter/approvals/",  # for supervisors only
            "/display/",  # a desk's display is no place for a signed-in clerk
        ]:
            walk.measure(clerk, path)
        clerk.page.goto(live_server.url + "/counter/seekers/")
        clerk.type_into(clerk.page.locator("#id_q"), issued.consultation.seeker.kana)
        clerk.tab_to(clerk.page.locator("main form button[type=submit]").first)
        with clerk.page.expect_navigation():
            clerk.page.keyboard.press("Enter")
        walk.measure(clerk)  # the search's results
        clerk.page.context.close()

        supervisor = walk.journey()
        log_in(supervisor, side="counter", username="bob", password=TEST_PASSWORD)
        waiting = world["pending"]
        for path in [
            "/counter/approvals/",
            # The guard before the clerk's record of a letter the supervisor may state.
            f"/counter/consultations/{waiting.consultation_id}/",
            f"/counter/approvals/{waiting.pk}/",
            f"/counter/retractions/{waiting_retraction.pk}/",
            "/counter/alerts/",
            f"/counter/alerts/{world['report_alert'].pk}/",
            "/counter/incidents/",
            f"/counter/incidents/{world['incident'].pk}/",
            f"/counter/incidents/{world['incident'].pk}/report/",
            f"/counter/incidents/{world['incident'].pk}/report/print/",
            "/counter/dashboard/",
            "/counter/dashboard/quarterly/",
            "/counter/inspection/",
            "/counter/displays/",
            # Rule 13: the supervisor's protection screen of a seeker.
            f"/counter/seekers/{waiting.consultation.seeker_id}/protection/",
        ]:
            walk.measure(supervisor, path)
        supervisor.page.goto(f"{live_server.url}/counter/approvals/{waiting.pk}/")
        supervisor.choose(supervisor.page.locator("#id_source_0"))
        supervisor.type_into(supervisor.page.locator("#id_q"), waiting.posting.number)
        supervisor.press(supervisor.page.locator("button[value=search]"))
        walk.measure(supervisor)  # the posting found
        supervisor.press(supervisor.page.locator("button[value=state]"))
        walk.measure(supervisor)  # the read-back
        supervisor.page.goto(live_server.url + "/counter/displays/")
        supervisor.tab_to(supervisor.page.locator("form[action$='/pairing-code/'] button").first)
        with supervisor.page.expect_navigation():
            supervisor.page.keyboard.press("Enter")
        walk.measure(supervisor)  # a pairing code
        supervisor.page.context.close()

        manager = walk.journey()
        log_in(manager, side="counter", username="manager", password=TEST_PASSWORD)
        walk.measure(manager, "/counter/dashboard/bureau/")
        manager.page.context.close()

        desk = walk.journey(
            cookies=[
                {
                    "name": display_credentials.COOKIE_NAME,
                    "value": display_credentials.sign(
                        display_id=world["display"].pk, secret="test-secret"
                    ),
                    "url": live_server.url + "/display/",
                }
            ]
        )
        walk.measure(desk, "/display/")
        desk.page.context.close()

        # The registry import in the admin (issue 16): the admin's own pages are Django's.
        factories.UserFactory(username="root", name="Root", is_staff=True, is_superuser=True)
        administrator = walk.journey()
        log_in(administrator, side="counter", username="root", password=TEST_PASSWORD)
        walk.measure(administrator, "/admin/hellowork/jobseeker/import/")
        administrator.page.context.close()

        employer = walk.journey()
        log_in(employer, side="mypage", username="dave@asahi.example.jp", password=TEST_PASSWORD)
        public_id = issued.disclosure.public_id
        for path in [
            "/mypage/",
            f"/mypage/applicants/{public_id}/",
            f"/mypage/applicants/{public_id}/letter/",
            f"/mypage/applicants/{public_id}/result/",
            f"/mypage/applicants/{public_id}/misdelivery/",
            f"/mypage/applicants/{world['reported'].public_id}/",
            "/mypage/code-check/",
            "/mypage/notices/",
            "/mypage/members/",
            f"/mypage/members/{invited.pk}/remove/",
            f"/mypage/members/invitations/{invitation.pk}/cancel/",
        ]:
            walk.measure(employer, path)
        employer.page.context.close()
    finally:
        walk.close()

    missed = sorted(page_templates() - walk.rendered)
    if missed:
        walk.failures.append(f"pages this walk never measured on a phone: {missed}")
    assert not walk.failures, "\n".join(dict.fromkeys(walk.failures))


# The text of each cell on its lines: how many lines each short cell of the alerts table
# takes (visually hidden text left out).
CELL_LINES = """(table) => [...table.querySelectorAll("tbody tr")].map((row) =>
  [...row.cells].map((cell) => {
    const tops = new Set();
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent.trim() || node.parentElement.closest(".visually-hidden")) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const box of range.getClientRects()) tops.add(Math.round(box.top));
    }
    return tops.size;
  }))"""


def test_the_alerts_table_keeps_short_words_on_one_line(browser, live_server, bob, koriyama):
    """Long alert texts beside them once squeezed "開く" and "未確認" to a character a line
    at 1280 px."""
    clerk = factories.StaffMemberFactory(office=koriyama, user__username="clerk2")
    now = timezone.now()
    Alert.objects.create(
        office=koriyama,
        kind="referral_locked",
        severity="warning",
        created_at=now,
        detail={"caught_mismatches": 3},
    )
    Alert.objects.create(
        office=koriyama,
        kind="clerk_mismatches",
        severity="warning",
        created_at=now,
        staff=clerk,
        detail={"caught_mismatches": 4, "seekers": 2},
    )
    journey = Journey(new_page(browser, width=1280), live_server.url)
    log_in(journey, side="counter", username="bob", password=TEST_PASSWORD)
    for language in ["ja", "en"]:
        journey.page.context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
        )
        journey.visit("/counter/alerts/")
        assert journey.page.locator("html").get_attribute("lang") == language
        table = journey.page.locator("main table").first.element_handle()
        lines = journey.page.evaluate(CELL_LINES, table)
        # Severity, the time, the state and the button: one line each.
        short = [[row[0], row[1], row[4], row[5]] for row in lines]
        assert short == [[1, 1, 1, 1]] * len(lines), (language, lines)
    journey.page.context.close()
