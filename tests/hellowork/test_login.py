import pytest
from django.urls import reverse

from tests.conftest import client_for
from tests.factories import TEST_PASSWORD, UserFactory

WRONG = "IDまたはパスワードが違います。"


def login(client, url_name, username, password=TEST_PASSWORD):
    return client.post(reverse(url_name), {"username": username, "password": password})


def test_staff_login_lands_on_the_counter(client, alice, settings):
    settings.CLERK_OTP_REQUIRED = False  # the second factor has its own tests (test_otp.py)
    response = login(client, "staff_login", "alice")
    assert response.status_code == 302
    assert response.url == reverse("counter_home")
    page = client.get(response.url)
    assert page.status_code == 200
    assert "佐藤 アリス" in page.text
    assert "ハローワーク郡山" in page.text


def test_employer_login_lands_on_the_mypage(client, dave, settings):
    settings.EMPLOYER_OTP_REQUIRED = False  # the second factor has its own tests (test_otp.py)
    response = login(client, "employer_login", "DAVE@asahi.example.jp")  # any case
    assert response.status_code == 302
    assert response.url == reverse("mypage_home")
    page = client.get(response.url)
    assert page.status_code == 200
    assert "株式会社あさひ物流" in page.text


@pytest.mark.parametrize(
    ("url_name", "who", "password"),
    [
        ("staff_login", "dave@asahi.example.jp", TEST_PASSWORD),  # employer on the staff page
        ("employer_login", "alice", TEST_PASSWORD),  # staff on the employer page
        ("staff_login", "alice", "wrong password"),
        ("employer_login", "dave@asahi.example.jp", "wrong password"),
        ("staff_login", "nobody", TEST_PASSWORD),
    ],
)
def test_wrong_kind_and_wrong_password_get_the_same_answer(
    client, alice, dave, url_name, who, password
):
    response = login(client, url_name, who, password)
    assert response.status_code == 200
    assert WRONG in response.text
    assert "_auth_user_id" not in client.session


def test_a_staff_user_without_a_staff_record_cannot_log_in(client, db):
    UserFactory(username="orphan", kind="staff")
    response = login(client, "staff_login", "orphan")
    assert WRONG in response.text


def test_inactive_accounts_get_the_same_answer(client, alice):
    alice.user.is_active = False
    alice.user.save()
    assert WRONG in login(client, "staff_login", "alice").text


def test_next_is_followed_only_within_the_side(client, alice, settings):
    settings.CLERK_OTP_REQUIRED = False
    response = client.post(
        reverse("staff_login") + "?next=/mypage/",
        {"username": "alice", "password": TEST_PASSWORD, "next": "/mypage/"},
    )
    assert response.url == reverse("counter_home")
    client.logout()
    response = client.post(
        reverse("staff_login"),
        {"username": "alice", "password": TEST_PASSWORD, "next": "https://evil.example/counter/"},
    )
    assert response.url == reverse("counter_home")


@pytest.mark.parametrize(
    ("url_name", "login_name"), [("counter_home", "staff_login"), ("mypage_home", "employer_login")]
)
def test_homes_send_anonymous_users_to_their_login(client, url_name, login_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response.url.startswith(reverse(login_name))


def test_homes_refuse_the_other_kind(alice, dave):
    assert client_for(dave.user).get(reverse("counter_home")).status_code == 403
    assert client_for(alice.user).get(reverse("mypage_home")).status_code == 403


def test_logout_needs_post_and_returns_to_the_right_login(alice, dave):
    staff = client_for(alice.user)
    assert staff.get(reverse("logout")).status_code == 405
    response = staff.post(reverse("logout"))
    assert response.url == reverse("staff_login")
    assert staff.get(reverse("counter_home")).status_code == 302
    assert client_for(dave.user).post(reverse("logout")).url == reverse("employer_login")


def test_pages_are_not_stored_by_the_browser(alice):
    response = client_for(alice.user).get(reverse("counter_home"))
    assert "no-store" in response["Cache-Control"]


def test_language_switch_shows_english(alice):
    client = client_for(alice.user)
    client.post(reverse("set_language"), {"language": "en", "next": "/counter/"})
    assert 'lang="en"' in client.get(reverse("counter_home")).text


def test_japanese_first_whatever_the_browser_asks_for(client, db):
    page = client.get(reverse("staff_login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert 'lang="ja"' in page.text and "職員ログイン" in page.text
    client.post(reverse("set_language"), {"language": "en", "next": "/counter/login/"})
    assert 'lang="en"' in client.get(reverse("staff_login")).text
