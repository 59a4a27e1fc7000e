"""Signing in: the two login pages, the second factor, logout and the lockout answer.

Each side has its own login page that accepts only its own kind of account. After the
password, a user whose kind or role needs a second factor (hellowork.otp) is logged in but
not verified: the access decorators send them to the verification step until they are.
"""

import base64
from typing import Any

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from hellowork import audit, otp
from hellowork import services as registry_services
from hellowork.forms import EmployerAuthenticationForm, PasswordForgotForm, StaffAuthenticationForm
from hellowork.models import User, UserKind


class KindLoginView(LoginView):
    """The login page of one side. After login, `next` is followed only within that side."""

    home: str = ""
    areas: tuple[str, ...] = ()
    verify: str = ""

    def get_default_redirect_url(self) -> str:
        user = self.request.user
        if user.is_authenticated and user.is_staff and not hasattr(user, "staff_member"):
            return reverse("admin:index")  # a system administrator without a counter seat
        return resolve_url(self.home)

    def get_redirect_url(self, request: HttpRequest | None = None) -> str:
        request = request or self.request
        target = request.POST.get("next", request.GET.get("next", ""))
        safe = url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        return target if safe and target.startswith(self.areas) else ""

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = self.request.user
        if user.kind == UserKind.STAFF:  # type: ignore[union-attr]
            self.request.session.set_expiry(0)  # counter PCs are shared: end at browser close
        if otp.otp_required(user):  # type: ignore[arg-type]
            self.request.session[otp.AFTER_LOGIN] = response.url  # type: ignore[attr-defined]
            return redirect(self.verify)
        return response


class StaffLoginView(KindLoginView):
    authentication_form = StaffAuthenticationForm
    template_name = "hellowork/login_staff.html"
    home = "counter_home"
    areas = ("/counter/", "/admin/")
    verify = "staff_otp"


class EmployerLoginView(KindLoginView):
    authentication_form = EmployerAuthenticationForm
    template_name = "hellowork/login_employer.html"
    home = "mypage_home"
    areas = ("/mypage/",)
    verify = "employer_otp"


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str:
    """The username django-axes counts failures against: as the login forms read it."""
    source = credentials or request.POST
    # Cut to the longest real username: axes stores it in a 255-character column, and a
    # hostile 300-character "username" must not turn a failed login into a 500.
    return str(source.get("username", "")).strip().lower()[:150]


def lockout_response(
    request: HttpRequest, credentials: Any, *args: Any, **kwargs: Any
) -> HttpResponse:
    """django-axes: a locked-out account gets exactly the answer a wrong password gets."""
    employer = request.path.startswith("/mypage/")
    form_class = EmployerAuthenticationForm if employer else StaffAuthenticationForm
    form = form_class(request, data=request.POST)
    form.is_valid()  # binds the data; the outcome is replaced below
    form.errors.clear()
    form.add_error(None, form.error_messages["invalid_login"])
    template = "hellowork/login_employer.html" if employer else "hellowork/login_staff.html"
    return render(request, template, {"form": form, "next": request.POST.get("next", "")})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    was_employer = getattr(request.user, "kind", None) == UserKind.EMPLOYER
    logout(request)
    return HttpResponseRedirect(resolve_url("employer_login" if was_employer else "staff_login"))


# -- the second factor -----------------------------------------------------------------


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("確認コード（6桁）"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )

    def clean_token(self) -> str:
        token = "".join(ch for ch in self.cleaned_data["token"] if not ch.isspace())
        if not (len(token) == 6 and token.isascii() and token.isdigit()):
            raise forms.ValidationError(_("確認コードは6桁の数字です。"))
        return token


class EmployerTokenForm(TokenForm):
    trust = forms.BooleanField(
        label=gettext_lazy("このブラウザを30日間信頼する（共用のパソコンでは選ばないでください）"),
        required=False,
    )


def _pending_user(request: HttpRequest, kind: str) -> User | None:
    user = request.user
    if not user.is_authenticated or user.kind != kind:
        return None
    return user


def _finish(request: HttpRequest, device: Any) -> HttpResponse:
    # Signing in completes here: a new session key, so that a key seen between password
    # and code (a shared PC, a proxy log) never becomes a signed-in session.
    request.session.cycle_key()
    otp_login(request, device)
    with transaction.atomic():
        audit.record("auth.otp_verified", actor=request.user, detail={"device": device.name})  # type: ignore[arg-type]
    return HttpResponseRedirect(request.session.pop(otp.AFTER_LOGIN, None) or "/")


def _check_token(form: TokenForm, device: Any, user: User) -> bool:
    """The device's own check, with its throttling (each failure doubles the wait)."""
    allowed, _state = device.verify_is_allowed()
    if allowed and device.verify_token(form.cleaned_data["token"]):
        return True
    with transaction.atomic():
        audit.record("auth.otp_failed", actor=user)
    if allowed:
        form.add_error(
            "token", _("確認コードが違うか、期限切れです。最新のコードを入力してください。")
        )
    else:
        form.add_error("token", _("続けて間違えたため、少し待ってからもう一度入力してください。"))
    return False


def _demo_totp(device: TOTPDevice) -> str | None:
    """Development only: the current code, so the demo can be used without a phone."""
    if not settings.DEBUG:
        return None
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:0{device.digits}d}"


@require_http_methods(["GET", "POST"])
def staff_otp(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request, UserKind.STAFF)
    if user is None:
        return redirect("staff_login")
    if otp.is_verified(request):
        return HttpResponseRedirect(
            request.session.pop(otp.AFTER_LOGIN, None) or reverse("counter_home")
        )
    device = otp.confirmed_totp(user)
    if device is None:
        return redirect("staff_otp_enroll")
    form = TokenForm(request.POST or None)
    if form.is_valid() and _check_token(form, device, user):
        return _finish(request, device)
    context = {"form": form, "demo_code": _demo_totp(device)}
    return render(request, "hellowork/otp_staff.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def staff_otp_enroll(request: HttpRequest) -> HttpResponse:
    """First login of a staff member who needs TOTP: register an authenticator app."""
    user = _pending_user(request, UserKind.STAFF)
    if user is None:
        return redirect("staff_login")
    if otp.confirmed_totp(user) is not None:
        return redirect("staff_otp")
    device = otp.pending_totp(user)
    form = TokenForm(request.POST or None)
    if form.is_valid() and _check_token(form, device, user):
        try:
            device = registry_services.staff_totp_enroll(user=user, device=device)
        except ValidationError:  # another tab registered one meanwhile: verify with it
            return redirect("staff_otp")
        return _finish(request, device)
    context = {
        "form": form,
        "qr": mark_safe(  # noqa: S308 (segno's own SVG)
            segno.make(device.config_url, error="m", micro=False).svg_inline(scale=4)
        ),
        "secret": base64.b32encode(device.bin_key).decode(),
        "demo_code": _demo_totp(device),
    }
    return render(request, "hellowork/otp_enroll.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def employer_password_forgot(request: HttpRequest) -> HttpResponse:
    """A member who forgot their password asks for a link by e-mail. Every valid address
    gets the same answer, registered or not."""
    form = PasswordForgotForm(request.POST or None)
    if form.is_valid():
        registry_services.employer_password_reset_request(email=form.cleaned_data["email"])
        messages.success(
            request,
            _(
                "入力されたアドレスが求人者マイページに登録されていれば、パスワードを設定する"
                "ためのリンクをメールでお送りします（届くまで数分かかることがあります）。届かない"
                "場合は、事業所の管理者または管轄のハローワークにご相談ください。"
            ),
        )
        return redirect("employer_login")
    return render(
        request,
        "hellowork/password_forgot.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def employer_otp(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request, UserKind.EMPLOYER)
    if user is None:
        return redirect("employer_login")
    if otp.is_verified(request):
        return HttpResponseRedirect(
            request.session.pop(otp.AFTER_LOGIN, None) or reverse("mypage_home")
        )
    device = otp.email_device(user)
    trusted = otp.trusted_device(request, user)
    if trusted is not None:
        return _finish(request, trusted)

    if request.method == "POST" and "resend" in request.POST:
        messages.info(request, _send_code(device))
        return redirect("employer_otp")
    form = EmployerTokenForm(request.POST or None)
    if request.method == "GET" and not _code_active(device):
        messages.info(request, _send_code(device))
    if form.is_valid() and _check_token(form, device, user):
        response = _finish(request, device)
        if form.cleaned_data["trust"]:
            otp.trust_browser(response, user, device)
        return response
    context = {
        "form": form,
        "demo_code": device.token if settings.DEBUG else None,
    }
    return render(
        request, "hellowork/otp_employer.html", context, status=400 if form.errors else 200
    )


def _code_active(device: Any) -> bool:
    return bool(device.token) and device.valid_until > timezone.now()


def _send_code(device: Any) -> str:
    allowed, _state = device.generate_is_allowed()
    if not allowed:
        return _("確認コードは少し前に送りました。1分ほど待ってから再送してください。")
    device.generate_challenge()
    return _("確認コードをご登録のメールアドレスに送りました（有効期限5分）。")
