"""The development console e-mail: what `make run` prints can be read."""

import io
import json

from django.core.mail import EmailMultiAlternatives

from hellowork.mail import EmailBackend
from tests.hellowork.test_settings import run_settings

SUBJECT = "【ハローワーク】求人者マイページの確認コード / Hello Work my page code"
NOTICE = (
    "このコードは5分間有効です。心当たりがない場合は、このメールを破棄し、"
    "ハローワークにご連絡ください。"
)


def printed(message):
    stream = io.StringIO()
    assert EmailBackend(stream=stream).send_messages([message]) == 1
    return stream.getvalue()


def test_japanese_subject_and_long_lines_print_as_text():
    body = f"求人者マイページのログイン確認コードです。\n\n確認コード: 482913\n\n{NOTICE}\n"
    message = EmailMultiAlternatives(
        subject=SUBJECT, body=body, to=["松本 裕太 <saiyo@asahi-butsuryu.example.jp>"]
    )
    message.attach_alternative(f"<p>{NOTICE}</p>", "text/html")
    # Django's own console backend sends this long Japanese line as base64: unreadable.
    assert "base64" in message.message().as_string()

    out = printed(message)
    assert f"Subject: {SUBJECT}\n" in out
    assert "To: 松本 裕太 <saiyo@asahi-butsuryu.example.jp>\n" in out
    assert "確認コード: 482913" in out
    assert NOTICE in out
    assert "<p>" not in out  # the text part, not the HTML alternative
    for encoded in ("base64", "=?utf-8?", "Content-Transfer-Encoding"):
        assert encoded not in out
    assert out.endswith("-" * 79 + "\n")


def test_an_html_only_message_prints_its_html_and_attachments_by_name():
    message = EmailMultiAlternatives(subject="件名", to=["a@example.jp"])
    message.content_subtype = "html"
    message.body = "<p>応募者がいます</p>"
    message.attach("一覧.csv", "番号,氏名\n", "text/csv")
    out = printed(message)
    assert "<p>応募者がいます</p>" in out
    assert "[attachment: 一覧.csv, text/csv]" in out
    assert "番号,氏名" not in out


PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps(settings.MAILERS['default']['BACKEND']))"
)


def test_development_prints_readable_mail_and_production_sends_it():
    development = run_settings(probe=PROBE)
    assert development.returncode == 0, development.stderr
    assert json.loads(development.stdout) == "hellowork.mail.EmailBackend"
    production = run_settings(
        probe=PROBE,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="a-throwaway-but-strong-key-" + "Zq8#mP2$vL9!" * 5,
        DJANGO_ALLOWED_HOSTS="hellowork.example",
        AUDIT_CHECKPOINT_KEY="another-throwaway-but-strong-key-" + "Yw7!nB4#" * 4,
    )
    assert production.returncode == 0, production.stderr
    assert json.loads(production.stdout) == "django.core.mail.backends.smtp.EmailBackend"
