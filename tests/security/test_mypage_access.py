"""Every my-page view answers anonymous users, staff accounts, other establishments and
wrong methods the same way, and no response may be stored by a browser or proxy."""

import uuid

from django.urls import reverse

from tests.conftest import client_for

APPLICANT_VIEWS = [  # (url name, allowed methods)
    ("mypage_applicant", {"get"}),
    ("mypage_letter", {"get"}),
    ("mypage_result", {"get", "post"}),
    ("mypage_misdelivery", {"get", "post"}),
]
PLAIN_VIEWS = [
    ("mypage_home", {"get"}),
    ("mypage_code_check", {"get", "post"}),
    ("mypage_members", {"get", "post"}),
]
METHODS = ["get", "post", "put", "delete"]


def all_urls(applicant, colleague):
    urls = [
        (name, reverse(name, kwargs={"public_id": applicant.public_id}), allowed)
        for name, allowed in APPLICANT_VIEWS
    ]
    urls += [(name, reverse(name), allowed) for name, allowed in PLAIN_VIEWS]
    urls.append(
        (
            "mypage_member_remove",
            reverse("mypage_member_remove", kwargs={"pk": colleague.pk}),
            {"get", "post"},
        )
    )
    return urls


def assert_no_store(response):
    assert "no-store" in response.headers["Cache-Control"]


def test_anonymous_users_are_sent_to_the_employer_login(client, applicant_c, colleague):
    for _name, url, _allowed in all_urls(applicant_c, colleague):
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 302, url
            assert response.url == f"/mypage/login/?next={url}"
            assert_no_store(response)


def test_staff_accounts_are_forbidden(applicant_c, colleague, alice, bob):
    client = client_for(bob.user)
    for _name, url, _allowed in all_urls(applicant_c, colleague):
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 403, url
            assert_no_store(response)


def test_another_establishment_gets_404_for_every_id(applicant_c, colleague, erin):
    client = client_for(erin.user)
    urls = [
        (url, allowed)
        for name, url, allowed in all_urls(applicant_c, colleague)
        if name not in dict(PLAIN_VIEWS)
    ]
    assert len(urls) == 5
    for url, allowed in urls:
        for method in allowed:
            response = getattr(client, method)(url)
            assert response.status_code == 404, (method, url)
            assert_no_store(response)
            assert applicant_c.seeker_name not in response.text


def test_an_unknown_id_is_404(applicant_c, dave):
    client = client_for(dave.user)
    for name, _allowed in APPLICANT_VIEWS:
        assert client.get(reverse(name, kwargs={"public_id": uuid.uuid4()})).status_code == 404
    assert client.get(f"/mypage/applicants/{applicant_c.pk}/").status_code == 404  # no pks
    assert client.get(reverse("mypage_member_remove", kwargs={"pk": 999999})).status_code == 404


def test_wrong_methods_are_405(applicant_c, colleague, dave):
    client = client_for(dave.user)
    for _name, url, allowed in all_urls(applicant_c, colleague):
        for method in METHODS:
            if method in allowed:
                continue
            response = getattr(client, method)(url)
            assert response.status_code == 405, (method, url)
            assert_no_store(response)


def test_every_page_an_employer_sees_is_no_store(applicant_c, colleague, dave):
    client = client_for(dave.user)
    for _name, url, _allowed in all_urls(applicant_c, colleague):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_store(response)


def test_the_password_page_is_no_store_and_refuses_bad_links(client, dave):
    url = reverse("mypage_password_set", kwargs={"uidb64": "MQ", "token": "set-password"})
    response = client.get(url)
    assert response.status_code == 200
    assert "このリンクは使えません" in response.text
    assert_no_store(response)
    assert client.put(url).status_code == 405
