"""A member who forgot their password gets a link by e-mail, through the same token
machinery as an invitation; the page tells nobody which addresses are registered, and the
form cannot flood a mailbox."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from hellowork import services
from hellowork.models import AuditEvent, OutboxMail
from tests import factories

FORGOT = "/mypage/login/forgot/"
SAME_ANSWER = "登録されていれば、パスワードを設定するためのリンクをメールでお送りします"


def ask(client, email):
    response = client.post(FORGOT, {"email": email}, follow=True)
    services.outbox_send()  # the worker
    return response


def the_link(message):
    return re.search(r"https?://\S+(/mypage/password/set/\S+/)", message.body).group(1)


def test_the_login_page_leads_to_it(client):
    assert FORGOT in client.get("/mypage/login/").text
    page = client.get(FORGOT)
    assert page.status_code == 200 and "パスワードを忘れた場合" in page.text


def test_a_member_gets_a_link_that_sets_a_new_password(client, dave):
    response = ask(client, "  DAVE@asahi.example.jp ")
    assert response.redirect_chain[-1][0] == "/mypage/login/"
    assert SAME_ANSWER in response.text
    (message,) = mail.outbox
    assert message.to == [dave.user.email]
    assert dave.user.name not in message.body and dave.establishment.name not in message.body
    link = the_link(message)
    assert "dave" not in link  # no address in the URL
    form = client.get(link, follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link,
        {"new_password1": "a long new password 2", "new_password2": "a long new password 2"},
        follow=True,
    )
    assert "パスワードを設定しました" in done.text
    dave.user.refresh_from_db()
    assert dave.user.check_password("a long new password 2")
    assert "このリンクは使えません" in client.get(link, follow=True).text  # used once
    event = AuditEvent.objects.get(action="employer_member.password_reset_sent")
    assert event.target_id == str(dave.user.pk) and event.detail == {}


@pytest.mark.parametrize("who", ["unknown", "staff", "removed"])
def test_anyone_else_gets_the_same_answer_and_no_mail(client, alice, establishment_c, who):
    if who == "staff":
        alice.user.email = "alice@koriyama.example.jp"
        alice.user.save()
        email = alice.user.email
    elif who == "removed":
        member = factories.EmployerMemberFactory(establishment=establishment_c)
        member.user.is_active = False
        member.user.save()
        email = member.user.email
    else:
        email = "nobody@example.jp"
    response = ask(client, email)
    assert SAME_ANSWER in response.text
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(action="employer_member.password_reset_sent").exists()


def test_one_link_per_ten_minutes_per_login(client, dave):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        ask(client, dave.user.email)
        ask(client, dave.user.email)
    assert len(mail.outbox) == 1
    with time_machine.travel(start + datetime.timedelta(minutes=9, seconds=59), tick=False):
        ask(client, dave.user.email)
    assert len(mail.outbox) == 1
    with time_machine.travel(start + datetime.timedelta(minutes=10, seconds=1), tick=False):
        ask(client, dave.user.email)
    assert len(mail.outbox) == 2
    assert not OutboxMail.objects.filter(sent_at__isnull=True).exists()  # refused: deleted


def test_a_failing_mail_server_is_tried_again_later(client, dave, monkeypatch):
    from django.core.mail.backends.locmem import EmailBackend

    def refuse(self, messages):
        raise ConnectionRefusedError("smtp down")

    start = timezone.now()
    with time_machine.travel(start, tick=False):
        monkeypatch.setattr(EmailBackend, "send_messages", refuse)
        ask(client, dave.user.email)
        (waiting,) = OutboxMail.objects.all()
        assert waiting.attempts == 1 and waiting.sent_at is None
        monkeypatch.undo()
        assert services.outbox_send() == 0  # not yet: it waits two minutes
    with time_machine.travel(start + datetime.timedelta(minutes=3), tick=False):
        assert services.outbox_send() == 1
    assert [m.to for m in mail.outbox] == [[dave.user.email]]


def test_an_unknown_address_is_not_kept(client, db):
    ask(client, "nobody@example.jp")
    assert not OutboxMail.objects.exists()


def test_bad_input_is_named_and_sends_nothing(client, dave):
    response = client.post(FORGOT, {"email": "dave"})
    assert response.status_code == 400
    assert "name@example.jp" in response.text
    response = client.post(FORGOT, {"email": ""})
    assert "登録したメールアドレスを入力してください" in response.text
    assert mail.outbox == []


def test_the_old_password_works_until_a_new_one_is_set(client, dave):
    from tests.factories import TEST_PASSWORD

    ask(client, dave.user.email)
    login = client.post("/mypage/login/", {"username": dave.user.email, "password": TEST_PASSWORD})
    assert login.status_code == 302 and login.url == "/mypage/login/verify/"
