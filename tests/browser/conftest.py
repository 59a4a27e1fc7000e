"""Browser journeys: Playwright drives Debian's Chromium against pytest-django's live_server.

Every interaction goes through the keyboard (Tab to the element, then type or press
Enter/Space), so a journey that passes is also a journey a keyboard-only user can make.
Every page a journey visits is checked with axe-core: no serious or critical violation; and
an English page, for Japanese outside the data marked `lang="ja"` (tests/language.py).

Without Chromium the journeys are skipped with a reason `make test` prints; with
REQUIRE_BROWSER=1 (set by `make ci`) a missing browser is a failure instead.
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from django.core import mail
from django.core.servers.basehttp import WSGIServer
from django.db import connection
from django.test.testcases import LiveServerThread
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from hellowork.models import User
from tests.language import CHROME_CHECK

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class SerialWSGIServer(WSGIServer):
    """The live server answering one request at a time. On SQLite the test database is in
    memory: one connection, shared by the live server's threads and the test, and two
    requests on it at once fail ("bad parameter or other API misuse"). The counter's page
    and the seeker's display each poll every 2 s, so a journey with both made that happen
    now and then. Django answers a server without threads with "Connection: close", so an
    open page does not hold it."""

    def __init__(self, *args, connections_override=None, **kwargs):
        super().__init__(*args, **kwargs)  # the server's own thread holds the overrides


if connection.vendor == "sqlite":
    LiveServerThread.server_class = SerialWSGIServer

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE_WIDTH = 375
# What scrolls sideways on the page as it is: the page itself (with the element reaching
# furthest past the right edge, the widest of those reaching as far: a CSS path, its width,
# its text), and any box inside it that scrolls sideways. An element a scrolling or
# clipping box contains cannot widen the page, and is left out.
SIDEWAYS = """() => {
  const root = document.documentElement, limit = root.clientWidth + 0.5;
  const clips = (el) => getComputedStyle(el).overflowX !== "visible";
  const clipped = (el) => {
    const position = getComputedStyle(el).position;
    if (position === "fixed") return false;
    // An absolutely placed box is contained by its positioned ancestor, not its parent.
    let up = position === "absolute" ? el.offsetParent : el.parentElement;
    if (position === "absolute" && up && clips(up)) return true;
    for (; up && up !== document.body; up = up.parentElement) if (clips(up)) return true;
    return false;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + [...el.classList].map((c) => "." + c).join("");
  const path = (el) => {
    const names = [];
    for (; el && el !== document.body; el = el.parentElement) names.unshift(name(el));
    return names.join(" > ");
  };
  const text = (el) => el.textContent.trim().replace(/\\s+/g, " ").slice(0, 40);
  const scrollers = [...document.body.querySelectorAll("*")]
    .filter((el) => ["auto", "scroll"].includes(getComputedStyle(el).overflowX)
      && el.scrollWidth > el.clientWidth + 1)
    .map((el) => `${path(el)} (${el.scrollWidth} px in ${el.clientWidth} px)`);
  if (root.scrollWidth <= root.clientWidth) return scrollers.length ? {scrollers} : null;
  let widest = null, right = limit, width = 0;
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.right <= limit) continue;
    const further = box.right > right + 0.5;
    const wider = Math.abs(box.right - right) <= 0.5 && box.width > width + 0.5;
    if ((further || wider) && !clipped(el)) {
      widest = el; right = box.right; width = box.width;
    }
  }
  return {
    scrollWidth: root.scrollWidth,
    widest: widest ? `${path(widest)} (${Math.round(width)} px: "${text(widest)}")` : "none found",
    scrollers,
  };
}"""
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

try:
    from playwright.sync_api import Page, sync_playwright
except ImportError:  # pragma: no cover - the dev extra installs it
    sync_playwright = None  # type: ignore[assignment]


def missing() -> str | None:
    if sync_playwright is None:
        return "Playwright is not installed (pip install -e '.[dev]')"
    if CHROMIUM is None:
        return "Chromium not found: `apt-get install chromium fonts-noto-cjk` runs the browser journeys"
    return None


def pytest_collection_modifyitems(config, items):
    reason = missing()
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            if reason and os.environ.get("REQUIRE_BROWSER") != "1":
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser():
    if reason := missing():
        pytest.fail(f"REQUIRE_BROWSER=1 and {reason}")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # between page actions are still synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


def new_page(browser, *, width=1280, height=900, locale="ja-JP", has_touch=False):
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale=locale, has_touch=has_touch
    )
    context.set_default_timeout(10_000)
    return context.new_page()


@pytest.fixture
def page(browser, live_server):
    page = new_page(browser)
    yield page
    page.context.close()


class Journey:
    """A keyboard-only walk through the site, checking accessibility on every page."""

    def __init__(self, page: "Page", base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.checked: set[str] = set()
        self.tabs = 0  # Tab presses so far: the counter's keyboard cost (issue 15)
        # Where a page's failures are noted instead of failing at once (a walk through
        # every page lists them all).
        self.failures: list[str] | None = None

    def visit(self, path: str) -> None:
        self.page.goto(self.base_url + path)
        self.check()

    def tab_to(self, locator, limit: int = 200) -> None:
        """Tab until the element has the focus (no Tab at all when the page gave it)."""
        target = locator.element_handle()
        for _ in range(limit):
            if self.page.evaluate("el => document.activeElement === el", target):
                return
            self.page.keyboard.press("Tab")
            self.tabs += 1
        raise AssertionError(f"not reachable with the Tab key: {locator}")

    def enter(self) -> None:
        """Enter where the focus is (a field submits its form), then check the new page."""
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")
        self.check()

    def type_into(self, locator, text: str) -> None:
        self.tab_to(locator)
        self.page.keyboard.type(text)

    def choose(self, locator) -> None:
        """A radio button, as a keyboard user picks one: Tab into its group, then the arrow
        keys (which move and select) until it is the one, then Space."""
        target = locator.element_handle()
        same_group = "(el, t) => el.type === 'radio' && el.name === t.name"
        for _ in range(200):
            if self.page.evaluate(f"t => ({same_group})(document.activeElement, t)", target):
                break
            self.page.keyboard.press("Tab")
            self.tabs += 1
        else:
            raise AssertionError(f"radio group not reachable with the Tab key: {locator}")
        for _ in range(20):
            if self.page.evaluate("t => document.activeElement === t", target):
                self.page.keyboard.press("Space")
                assert self.page.evaluate("t => t.checked", target)
                return
            self.page.keyboard.press("ArrowDown")
        raise AssertionError(f"not reachable with the arrow keys: {locator}")

    def press(self, locator) -> None:
        """A button or link: Tab to it, then Enter; then check the page it leads to."""
        self.tab_to(locator)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")
        self.check()

    def button(self, name: str):
        return self.page.get_by_role("button", name=name, exact=True)

    def link(self, name: str):
        return self.page.get_by_role("link", name=name, exact=True)

    def field(self, label: str):
        return self.page.get_by_label(label, exact=False).first

    def check(self) -> None:
        """axe-core on the page as it is now: no serious or critical violation."""
        self.page.evaluate(AXE)
        result = self.page.evaluate("async () => await axe.run(document)")
        serious = [
            f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(node["target"][0] for node in v["nodes"][:3])
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        self.fail_if(serious, f"{self.page.url}\n" + "\n".join(serious))
        # An English page: no Japanese in its chrome, only in data marked lang="ja".
        if self.page.locator("html").get_attribute("lang") == "en":
            japanese = self.page.evaluate(CHROME_CHECK)
            self.fail_if(
                japanese, f"Japanese on the English page {self.page.url}:\n" + "\n".join(japanese)
            )
        self.fits_a_phone()
        self.checked.add(self.page.url)

    def fits_a_phone(self) -> None:
        """The page as it is now, on a 375 px phone: nothing scrolls sideways. A wider
        window is narrowed for the measure and put back, so every page every journey
        visits is measured on a phone too."""
        viewport = self.page.viewport_size or {"width": PHONE_WIDTH, "height": 740}
        narrowed = viewport["width"] > PHONE_WIDTH
        if narrowed:
            self.page.set_viewport_size({"width": PHONE_WIDTH, "height": viewport["height"]})
        try:
            sideways = self.page.evaluate(SIDEWAYS)
        finally:
            if narrowed:
                self.page.set_viewport_size(viewport)
        if sideways is None:
            return
        where = f"{self.page.url} ({self.page.title()})"
        if "scrollWidth" in sideways:
            self.fail_if(
                True,
                f"{where} scrolls sideways at {PHONE_WIDTH} px: {sideways['scrollWidth']} px "
                f"wide; the element reaching furthest past the screen is {sideways['widest']}",
            )
        # The counter's wide tables may scroll inside a labelled, focusable region (axe
        # checks that); anywhere else a phone user is, nothing scrolls sideways at all.
        if "/counter/" not in self.page.url:
            self.fail_if(
                sideways["scrollers"],
                f"{where} has boxes that scroll sideways at {PHONE_WIDTH} px: "
                + "; ".join(sideways["scrollers"]),
            )

    def fail_if(self, failed: object, failure: str) -> None:
        if failed and self.failures is not None:
            self.failures.append(failure)
        else:
            assert not failed, failure

    def text(self) -> str:
        return self.page.locator("main").inner_text()

    def shoot(self, name: str) -> None:
        """Screenshots for the README, when asked for (`make screenshots`)."""
        if os.environ.get("SCREENSHOTS") == "1":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


@pytest.fixture
def journey(page, live_server):
    return Journey(page, live_server.url)


def log_in(journey: Journey, *, side: str, username: str, password: str) -> None:
    """Password, then the second factor as the person would type it: the authenticator's
    current code (staff, enrolling first if needed) or the code from the e-mail."""
    journey.visit(f"/{side}/login/")
    journey.type_into(journey.page.locator("#id_username"), username)
    journey.type_into(journey.page.locator("#id_password"), password)
    submit = journey.page.locator("main form button[type=submit]")
    journey.press(submit.first)  # the sign-in button, whatever the language
    user = User.objects.get(username=username.lower())
    if "/login/enroll/" in journey.page.url:
        code = current_totp(TOTPDevice.objects.get(user=user, confirmed=False))
        journey.type_into(journey.page.locator("#id_token"), code)
        journey.press(submit.first)
    elif "/counter/login/verify/" in journey.page.url:
        code = current_totp(TOTPDevice.objects.get(user=user, confirmed=True))
        journey.type_into(journey.page.locator("#id_token"), code)
        journey.press(submit.first)
    elif "/mypage/login/verify/" in journey.page.url:
        code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
        journey.type_into(journey.page.locator("#id_token"), code)
        journey.press(submit.first)
    assert "/login/" not in journey.page.url, journey.page.url


def current_totp(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
