"""Development e-mail: the console backend, readable.

Django's console backend prints a message as it would go over the wire, and a Japanese
subject or a long Japanese line goes as base64 there: the login code in `make run`'s
terminal could not be read. This one prints the headers and the text decoded; settings
choose it only in development, where mail is printed instead of sent.
"""

from email.message import EmailMessage as MIMEMessage
from typing import Any

from django.core.mail import EmailMessage
from django.core.mail.backends import console

HEADERS = ("Date", "From", "To", "Cc", "Reply-To", "Subject")


class EmailBackend(console.EmailBackend):
    def write_message(self, message: EmailMessage) -> None:
        mime: MIMEMessage = message.message()
        lines = [f"{name}: {mime[name]}" for name in HEADERS if mime[name] is not None]
        body = mime.get_body(preferencelist=("plain", "html"))
        text: Any = body.get_content() if body is not None else ""
        lines += ["", str(text).rstrip("\n")]
        lines += [
            f"[attachment: {part.get_filename() or '(no name)'}, {part.get_content_type()}]"
            for part in mime.iter_attachments()
        ]
        self.stream.write("\n".join(lines) + "\n" + "-" * 79 + "\n")
