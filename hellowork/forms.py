from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from hellowork.access import member_of, staff_of
from hellowork.models import User


class KindAuthenticationForm(AuthenticationForm):
    """Accepts only accounts of one kind. Any other account gets exactly the answer a wrong
    password gets, so the page tells nobody which accounts exist or what kind they are."""

    kind: str = ""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("IDまたはパスワードが違います。"),
        "inactive": _("IDまたはパスワードが違います。"),
    }

    def confirm_login_allowed(self, user: User) -> None:
        if self.kind == User.Kind.STAFF:
            # Counter staff, or a system administrator (staff kind, admin flag) for /admin/.
            allowed = staff_of(user) is not None or (
                user.kind == User.Kind.STAFF and user.is_active and user.is_staff
            )
        else:
            allowed = member_of(user) is not None
        if not allowed:
            raise self.get_invalid_login_error()


class StaffAuthenticationForm(KindAuthenticationForm):
    kind = User.Kind.STAFF

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("職員ID")


class EmployerAuthenticationForm(KindAuthenticationForm):
    kind = User.Kind.EMPLOYER

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("メールアドレス")
        self.fields["username"].widget.attrs.update({"autocomplete": "email"})

    def clean_username(self) -> str:
        # Employer logins are their e-mail addresses, stored in lower case.
        username: str = self.cleaned_data["username"]
        return username.strip().lower()


class PasswordForgotForm(forms.Form):
    email = forms.EmailField(
        label=_("メールアドレス"),
        max_length=150,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
        error_messages={
            "required": _("登録したメールアドレスを入力してください。"),
            "invalid": _("メールアドレスを「name@example.jp」の形で入力してください。"),
            "max_length": _("メールアドレスは%(limit_value)d文字以内で入力してください。"),
        },
    )
