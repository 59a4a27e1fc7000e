"""counter.views.seeker_display: the seeker-facing display's pages (/display/): what a paired
display shows and takes, what anyone else gets, bad input, query counts."""

import pytest
from django.test import Client
from django.urls import reverse

from hellowork.models import AuditEvent
from referrals import display_credentials, services
from referrals.models import Alert, CounterDisplay
from tests import factories
from tests.conftest import client_for
from tests.referrals.helpers import called_draft, consult


def display_client(display: CounterDisplay, secret: str = "test-secret") -> Client:  # noqa: S107
    client = Client()
    client.cookies[display_credentials.COOKIE_NAME] = display_credentials.sign(
        display_id=display.pk, secret=secret
    )
    return client


@pytest.fixture
def readback(alice, seeker_a, posting_c):
    consultation = consult(seeker_a, alice, apply=[posting_c])
    draft = called_draft(consultation=consultation, posting=posting_c, staff=alice)
    return services.display_show(referral=draft, staff=alice)


@pytest.fixture
def tablet(readback):
    return display_client(readback.display)


def test_pairing_from_the_browser_sets_a_long_lived_strict_cookie(bob):
    registered = services.display_pair(supervisor=bob, label="第1窓口")
    browser = Client()
    page = browser.get(reverse("display_home"))
    assert page.status_code == 200 and "ペアリングコード" in page.text
    response = browser.post(reverse("display_pair"), {"code": registered.pairing_code})
    assert response.status_code == 302
    cookie = response.cookies[display_credentials.COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/display/"
    assert int(cookie["max-age"]) >= 365 * 24 * 60 * 60
    screen = browser.get(reverse("display_home"))
    assert "お待ちください" in screen.text and "第1窓口" in screen.text
    assert "no-store" in screen["Cache-Control"]


@pytest.mark.parametrize(
    "code", ["", "1234", "abcdefgh", "1" * 40, "<script>", "１２３４－５６７８"]
)
def test_a_wrong_pairing_code_says_so_and_pairs_nothing(bob, code):
    services.display_pair(supervisor=bob, label="第1窓口")
    response = Client().post(reverse("display_pair"), {"code": code})
    assert response.status_code == 400
    assert "error-summary" in response.text
    assert display_credentials.COOKIE_NAME not in response.cookies
    assert not CounterDisplay.objects.filter(device_paired_at__isnull=False).exists()


def test_the_display_shows_nothing_until_the_clerk_sends_a_read_back(alice, seeker_a, koriyama):
    consultation = consult(seeker_a, alice)
    tablet = display_client(consultation.display)
    page = tablet.get(reverse("display_home")).text
    assert seeker_a.name not in page and "お待ちください" in page
    assert tablet.get(reverse("display_screen")).status_code == 204  # still nothing


def test_the_read_back_in_large_type_and_the_keypad(tablet, readback, seeker_a):
    page = tablet.get(reverse("display_home")).text
    for shown in [
        seeker_a.name,
        seeker_a.kana,
        "株式会社あさひ物流",
        "0704-100001-3",
        "07040-12345678",
        "倉庫内作業員",
        "求人者マイページに送られます",
        "この求人に応募する",
        "data-keypad",
    ]:
        assert shown in page, shown
    assert "1990" not in page  # the birth date is never shown
    # Asked again while the same read-back waits: 204, nothing changes under the fingers.
    same = tablet.get(reverse("display_screen"), {"showing": readback.pk})
    assert same.status_code == 204
    assert AuditEvent.objects.filter(action="display.readback_shown").count() == 1


@pytest.mark.parametrize("then", ["voided", "submitted"])
def test_a_letter_no_longer_a_draft_leaves_the_display(tablet, readback, alice, seeker_a, then):
    """The display says what confirming will do: once the letter is voided or sent for
    approval, nobody will confirm it there, and the screen clears (issue 14)."""
    if then == "voided":
        services.referral_void(referral=readback.referral, staff=alice, reason="取り違え")
    else:
        services.referral_submit(referral=readback.referral, staff=alice)
    page = tablet.get(reverse("display_home")).text
    assert seeker_a.name not in page and "求人者マイページに送られます" not in page
    assert "お待ちください" in page
    poll = tablet.get(reverse("display_screen"), {"showing": readback.pk})
    assert poll.status_code == 200 and seeker_a.name not in poll.text
    answer = tablet.post(
        reverse("display_answer"),
        {"readback": readback.pk, "answer": "apply", "year": "1990", "month": "5", "day": "17"},
    )
    assert answer["Location"].endswith("?answered=expired")
    readback.refresh_from_db()
    assert readback.answered_at is None


def test_the_seeker_confirms_with_the_keypad_in_any_era(tablet, readback, alice, seeker_a):
    response = tablet.post(
        reverse("display_answer"),
        {
            "readback": readback.pk,
            "answer": "apply",
            "era": "heisei",
            "year": "２",
            "month": "5",
            "day": "17",
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("?answered=confirmed")
    thanks = tablet.get(response["Location"]).text
    assert "ありがとうございました" in thanks and seeker_a.name not in thanks
    readback.refresh_from_db()
    assert readback.answer == "confirmed"
    services.referral_confirm_in_session(
        referral=readback.referral, staff=alice, posting_digits="5678"
    )


def test_a_wrong_birth_date_asks_for_the_clerk(tablet, readback):
    response = tablet.post(
        reverse("display_answer"),
        {"readback": readback.pk, "answer": "apply", "year": "1990", "month": "5", "day": "18"},
    )
    assert response["Location"].endswith("?answered=mismatch")
    page = tablet.get(response["Location"]).text
    assert "窓口の職員にお声がけください" in page and "1990" not in page
    assert Alert.objects.filter(kind="caught_mismatch").count() == 1


def test_not_this_job(tablet, readback):
    response = tablet.post(
        reverse("display_answer"), {"readback": readback.pk, "answer": "decline"}
    )
    assert response["Location"].endswith("?answered=declined")
    readback.refresh_from_db()
    assert readback.answer == "declined"


@pytest.mark.parametrize(
    "data",
    [
        {"answer": "apply", "year": "1990", "month": "2", "day": "30"},
        {"answer": "apply", "year": "", "month": "5", "day": "17"},
        {"answer": "apply", "year": "2999", "month": "1", "day": "1"},
        {"answer": "apply", "era": "showa", "year": "99", "month": "1", "day": "1"},
        {"answer": "apply", "year": "19９0x", "month": "5", "day": "17"},
        {"answer": "maybe", "year": "1990", "month": "5", "day": "17"},
    ],
)
def test_a_date_that_does_not_exist_is_asked_again_and_counts_nothing(tablet, readback, data):
    response = tablet.post(reverse("display_answer"), {"readback": readback.pk, **data})
    assert response.status_code == 400
    assert "error-summary" in response.text
    for name in ("year", "month", "day"):  # nothing typed is shown back
        assert f'name="{name}" value=' not in response.text
    readback.refresh_from_db()
    assert readback.answered_at is None
    assert not Alert.objects.exists()


def test_a_display_can_answer_only_its_own_read_back(readback, koriyama, seeker_a):
    other = display_client(factories.CounterDisplayFactory(office=koriyama))
    page = other.get(reverse("display_home")).text
    assert seeker_a.name not in page
    response = other.post(
        reverse("display_answer"),
        {"readback": readback.pk, "answer": "apply", "year": "1990", "month": "5", "day": "17"},
    )
    assert response["Location"].endswith("?answered=expired")
    readback.refresh_from_db()
    assert readback.answered_at is None


def test_a_retired_or_superseded_credential_sees_the_pairing_page(readback, bob, seeker_a):
    display = readback.display
    old = display_client(display)
    display.device_secret_digest = display_credentials.digest("new", purpose="device")
    display.save()
    for client in [old, Client()]:
        page = client.get(reverse("display_home")).text
        assert seeker_a.name not in page and "ペアリング" in page
        assert client.get(reverse("display_screen")).status_code == 403
        assert client.post(reverse("display_answer"), {"readback": readback.pk}).status_code == 403
    services.display_retire(display=display, supervisor=bob)
    assert "ペアリング" in display_client(display, "new").get(reverse("display_home")).text


def test_the_display_is_not_a_staff_session(tablet, readback):
    assert tablet.get(reverse("counter_home")).status_code == 302  # to the staff login


def test_a_browser_signed_in_to_the_counter_is_never_a_display(readback, alice, bob, seeker_a):
    """The clerk's own browser cannot be the seeker's screen, whatever cookie it holds."""
    clerk = client_for(alice.user)
    clerk.cookies[display_credentials.COOKIE_NAME] = display_credentials.sign(
        display_id=readback.display_id, secret="test-secret"
    )
    page = clerk.get(reverse("display_home"))
    assert page.status_code == 403 and seeker_a.name not in page.text
    assert "ログインしています" in page.text
    assert clerk.get(reverse("display_screen")).status_code == 403
    answer = clerk.post(
        reverse("display_answer"),
        {"readback": readback.pk, "answer": "apply", "year": "1990", "month": "5", "day": "17"},
    )
    assert answer.status_code == 403
    readback.refresh_from_db()
    assert readback.answered_at is None
    code = services.display_pair(supervisor=bob, label="第2窓口").pairing_code
    assert clerk.post(reverse("display_pair"), {"code": code}).status_code == 403
    assert not CounterDisplay.objects.get(label="第2窓口").has_device


def test_the_display_records_where_it_is_seen_from(tablet, readback):
    tablet.get(reverse("display_home"), REMOTE_ADDR="10.4.0.21")
    display = CounterDisplay.objects.get(pk=readback.display_id)
    assert display.last_seen_ip == "10.4.0.21"
    tablet.get(reverse("display_screen"), REMOTE_ADDR="10.9.9.9")  # a copied cookie elsewhere
    moved = AuditEvent.objects.get(action="display.address_changed")
    assert moved.detail == {"from": "10.4.0.21", "to": "10.9.9.9"}


def test_the_readback_waiting_page_and_the_poll_cost_a_fixed_number_of_queries(
    tablet, readback, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        assert tablet.get(reverse("display_screen"), {"showing": readback.pk}).status_code == 204


@pytest.mark.parametrize("readback_id", ["²", "٣", "9" * 5000, "-1", "1e3"])
def test_a_hostile_read_back_id_is_no_error(tablet, readback, readback_id):
    response = tablet.post(
        reverse("display_answer"),
        {"readback": readback_id, "answer": "apply", "year": "1990", "month": "5", "day": "17"},
    )
    assert response.status_code == 302 and response["Location"].endswith("?answered=expired")


def test_an_answer_records_where_the_display_was(tablet, readback):
    tablet.get(reverse("display_home"), REMOTE_ADDR="10.4.0.21")
    tablet.post(
        reverse("display_answer"),
        {"readback": readback.pk, "answer": "decline"},
        REMOTE_ADDR="10.99.0.1",
    )
    assert CounterDisplay.objects.get(pk=readback.display_id).last_seen_ip == "10.99.0.1"
    assert AuditEvent.objects.filter(action="display.address_changed").count() == 1


def test_switching_between_two_addresses_is_traced_once_a_day(tablet, readback):
    for n in range(10):
        tablet.get(reverse("display_screen"), REMOTE_ADDR=f"10.4.0.{21 + n % 2}")
    assert AuditEvent.objects.filter(action="display.address_changed").count() <= 2
