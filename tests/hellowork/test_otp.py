"""The second factor, the lockout, idle counter sessions and the auth trail."""

import datetime
import re

import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from hellowork.models import AuditEvent
from tests.conftest import client_for
from tests.factories import TEST_PASSWORD

WRONG = "IDまたはパスワードが違います。"


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def password_step(client, side, username, password=TEST_PASSWORD):
    url = reverse("staff_login" if side == "counter" else "employer_login")
    return client.post(url, {"username": username, "password": password})


def test_a_clerk_without_an_authenticator_enrolls_one_at_first_login(client, alice):
    response = password_step(client, "counter", "alice")
    assert response.url == reverse("staff_otp")
    assert client.get(reverse("counter_home")).url == reverse("staff_otp")  # not yet in
    response = client.get(reverse("staff_otp"))
    assert response.url == reverse("staff_otp_enroll")
    page = client.get(reverse("staff_otp_enroll"))
    assert "<svg" in page.text
    device = TOTPDevice.objects.get(user=alice.user, confirmed=False)
    bad = client.post(
        reverse("staff_otp_enroll"),
        {"token": "000000" if code_for(device) != "000000" else "111111"},
    )
    assert bad.status_code == 400 and "確認コードが違う" in bad.text
    throttled = client.post(reverse("staff_otp_enroll"), {"token": code_for(device)})
    assert "少し待って" in throttled.text  # each failure makes the next attempt wait
    with time_machine.travel(datetime.timedelta(seconds=5)):
        done = client.post(reverse("staff_otp_enroll"), {"token": code_for(device)})
    assert done.url == reverse("counter_home")
    assert client.get(reverse("counter_home")).status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"auth.login", "auth.otp_enrolled", "auth.otp_verified", "auth.otp_failed"} <= actions


def test_a_supervisor_with_an_authenticator_types_its_code(client, bob):
    device = TOTPDevice.objects.create(user=bob.user, name="authenticator", confirmed=True)
    password_step(client, "counter", "bob")
    assert client.post(reverse("staff_otp"), {"token": "12345"}).status_code == 400  # not 6 digits
    response = client.post(reverse("staff_otp"), {"token": code_for(device)})
    assert response.url == reverse("counter_home")


def test_clerks_may_be_exempted_but_supervisors_never(client, alice, bob, settings):
    settings.CLERK_OTP_REQUIRED = False
    assert password_step(client, "counter", "alice").url == reverse("counter_home")
    client.logout()
    assert password_step(client, "counter", "bob").url == reverse("staff_otp")


def test_the_staff_session_ends_when_the_browser_closes(client, alice, settings):
    settings.CLERK_OTP_REQUIRED = False
    password_step(client, "counter", "alice")
    assert client.session.get_expire_at_browser_close()


def test_an_idle_counter_session_ends(alice, settings):
    settings.COUNTER_IDLE_MINUTES = 15
    client = client_for(alice.user)
    start = datetime.datetime(2026, 6, 9, 1, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as clock:
        assert client.get(reverse("counter_home")).status_code == 200
        clock.shift(datetime.timedelta(minutes=14))
        assert client.get(reverse("counter_home")).status_code == 200
        clock.shift(datetime.timedelta(minutes=16))
        response = client.get(reverse("counter_home"))
    assert response.status_code == 302 and response.url.startswith(reverse("staff_login"))
    assert "_auth_user_id" not in client.session


def employer_code(client) -> str:
    client.get(reverse("employer_otp"))
    (message,) = mail.outbox
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def test_an_employer_types_the_code_sent_by_e_mail(client, dave):
    assert password_step(client, "mypage", "dave@asahi.example.jp").url == reverse("employer_otp")
    code = employer_code(client)
    message = mail.outbox[0]
    assert message.to == ["dave@asahi.example.jp"]
    for private in ["株式会社あさひ物流", dave.user.name]:
        assert private not in message.subject + message.body
    assert (
        client.post(
            reverse("employer_otp"), {"token": "999999" if code != "999999" else "111111"}
        ).status_code
        == 400
    )
    with time_machine.travel(datetime.timedelta(seconds=5)):
        response = client.post(reverse("employer_otp"), {"token": code})
    assert response.url == reverse("mypage_home")
    assert client.get(reverse("mypage_home")).status_code == 200


def test_trust_this_browser_skips_the_code_for_30_days(client, dave):
    password_step(client, "mypage", "dave@asahi.example.jp")
    code = employer_code(client)
    client.post(reverse("employer_otp"), {"token": code, "trust": "on"})
    client.post(reverse("logout"))
    mail.outbox.clear()
    password_step(client, "mypage", "dave@asahi.example.jp")
    assert client.get(reverse("employer_otp")).url == reverse("mypage_home")
    assert mail.outbox == []
    # A new password revokes every trusted browser.
    client.post(reverse("logout"))
    dave.user.set_password("another long password 2026")
    dave.user.save()
    password_step(client, "mypage", "dave@asahi.example.jp", "another long password 2026")
    assert client.get(reverse("employer_otp")).status_code == 200
    assert len(mail.outbox) == 1


def test_an_untrusted_login_after_30_days_asks_again(client, dave):
    start = datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as clock:
        password_step(client, "mypage", "dave@asahi.example.jp")
        client.post(reverse("employer_otp"), {"token": employer_code(client), "trust": "on"})
        client.post(reverse("logout"))
        clock.shift(datetime.timedelta(days=31))
        password_step(client, "mypage", "dave@asahi.example.jp")
        assert client.get(reverse("employer_otp")).status_code == 200


def test_repeated_failures_lock_the_account_with_the_same_message(client, alice, settings):
    settings.CLERK_OTP_REQUIRED = False
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert WRONG in password_step(client, "counter", "alice", "wrong password").text
    locked = password_step(client, "counter", "alice")  # the right password, now refused
    assert locked.status_code == 200 and WRONG in locked.text
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.locked_out").exists()
    with time_machine.travel(datetime.timedelta(minutes=20)):
        assert password_step(client, "counter", "alice").status_code == 302


def test_failed_logins_are_traced_without_the_username(client, dave):
    password_step(client, "mypage", "dave@asahi.example.jp", "wrong")
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert "dave" not in str(event.detail) and event.detail["side"] == "mypage"


def test_refused_authorisations_are_traced(dave):
    client_for(dave.user).get(reverse("counter_home"))
    event = AuditEvent.objects.get(action="access.denied")
    assert event.actor == dave.user and event.detail["path"] == "/counter/"


def test_the_admin_needs_the_second_factor(client, db):
    from tests.factories import UserFactory

    admin = UserFactory(username="root", kind="staff", is_staff=True, is_superuser=True)
    assert client.get("/admin/login/").url.startswith(reverse("staff_login"))
    assert password_step(client, "counter", "root").url == reverse("staff_otp")
    assert client.get("/admin/").status_code == 302  # logged in, not verified
    assert client_for(admin).get("/admin/").status_code == 200


@pytest.mark.parametrize("side", ["counter", "mypage"])
def test_the_verification_step_refuses_anonymous_users(client, side):
    name = "staff_otp" if side == "counter" else "employer_otp"
    assert client.get(reverse(name)).status_code == 302


def test_an_absurdly_long_username_is_a_failed_login_not_an_error(client, db):
    # Found by the fuzz test on PostgreSQL: the lockout log's column is 255 characters.
    response = password_step(client, "counter", "x" * 300, "wrong")
    assert response.status_code == 200 and WRONG in response.text


# -- the session key changes at every privilege change (issue 17) ---------------------


def session_key(client) -> str:
    return client.cookies[django_settings.SESSION_COOKIE_NAME].value


def assert_rotated(client, before: str, home: str) -> None:
    """The key captured between password and code is no session any more; the new one is."""
    after = session_key(client)
    assert after != before
    assert not SessionStore(session_key=before).exists(before)
    stolen = Client()
    stolen.cookies[django_settings.SESSION_COOKIE_NAME] = before
    assert stolen.get(reverse(home)).status_code == 302  # to the login page
    assert client.get(reverse(home)).status_code == 200


def test_the_password_step_starts_a_new_session(client, bob):
    client.get(reverse("staff_login"))
    client.session.save()
    anonymous = session_key(client)
    password_step(client, "counter", "bob")
    assert session_key(client) != anonymous


def test_the_staff_code_rotates_the_session_key(client, bob):
    device = TOTPDevice.objects.create(user=bob.user, name="authenticator", confirmed=True)
    password_step(client, "counter", "bob")
    before = session_key(client)
    client.post(reverse("staff_otp"), {"token": code_for(device)})
    assert_rotated(client, before, "counter_home")


def test_enrolling_an_authenticator_rotates_the_session_key(client, alice):
    password_step(client, "counter", "alice")
    client.get(reverse("staff_otp_enroll"))
    device = TOTPDevice.objects.get(user=alice.user, confirmed=False)
    before = session_key(client)
    client.post(reverse("staff_otp_enroll"), {"token": code_for(device)})
    assert_rotated(client, before, "counter_home")


def test_the_employer_code_rotates_the_session_key(client, dave):
    password_step(client, "mypage", "dave@asahi.example.jp")
    code = employer_code(client)
    before = session_key(client)
    client.post(reverse("employer_otp"), {"token": code})
    assert_rotated(client, before, "mypage_home")


def test_a_trusted_browser_rotates_the_session_key_too(client, dave):
    password_step(client, "mypage", "dave@asahi.example.jp")
    client.post(reverse("employer_otp"), {"token": employer_code(client), "trust": "on"})
    client.post(reverse("logout"))
    password_step(client, "mypage", "dave@asahi.example.jp")
    before = session_key(client)
    client.get(reverse("employer_otp"))
    assert_rotated(client, before, "mypage_home")


# -- throttles per address across usernames, and per username per address (issue 17) ---

STRANGER = "203.0.113.7"
OFFICE = "198.51.100.20"


def login_from(address, side, username, password=TEST_PASSWORD):
    return password_step(Client(REMOTE_ADDR=address), side, username, password)


def test_one_address_spraying_many_usernames_is_stopped(alice, bob, settings):
    settings.CLERK_OTP_REQUIRED = False
    victims = [f"victim{n}" for n in range(settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS)]
    for username in victims:  # one guess each: no username reaches its own limit
        assert WRONG in login_from(STRANGER, "counter", username, "Winter2026!").text
    # The address is now slowed for every username, even with a right password...
    refused = login_from(STRANGER, "counter", "alice")
    assert refused.status_code == 200 and WRONG in refused.text
    # ...and only that address: the office signs in as usual.
    assert login_from(OFFICE, "counter", "alice").status_code == 302
    with time_machine.travel(datetime.timedelta(minutes=20)):
        assert login_from(STRANGER, "counter", "alice").status_code == 302


def test_a_stranger_cannot_lock_a_supervisor_out_from_elsewhere(bob, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT * 3):
        login_from(STRANGER, "counter", "bob", "wrong password")
    assert WRONG in login_from(STRANGER, "counter", "bob").text  # locked for the stranger
    assert login_from(OFFICE, "counter", "bob").url == reverse("staff_otp")  # not for bob


def test_many_addresses_together_still_lock_a_username(bob, settings):
    settings.LOGIN_FAILURE_LIMIT_PER_USERNAME = 12
    addresses = [f"203.0.113.{n}" for n in range(1, 4)]
    for address in addresses:
        for _ in range(settings.AXES_FAILURE_LIMIT):
            login_from(address, "counter", "bob", "wrong password")
    assert WRONG in login_from(OFFICE, "counter", "bob").text
    with time_machine.travel(datetime.timedelta(minutes=20)):
        assert login_from(OFFICE, "counter", "bob").status_code == 302
