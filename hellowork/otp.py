"""The second factor (django-otp): TOTP for staff, a code by e-mail for employers.

Staff: required for supervisors, managers and system administrators, and for clerks
unless CLERK_OTP_REQUIRED is off. Employers: a one-time code by e-mail at every login
(as the real employer my page has done since 2025), unless this browser was trusted for
TRUSTED_BROWSER_DAYS days by a signed cookie.
"""

import datetime
import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django_otp.plugins.otp_email.models import EmailDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from hellowork.models import StaffRole, User, UserKind

AFTER_LOGIN = "hellowork_after_login"  # session key: where to go once verified
TRUST_COOKIE = "hw_trusted_browser"
TRUST_SALT = "hellowork.otp.trusted-browser"


def otp_required(user: User) -> bool:
    if user.kind == UserKind.EMPLOYER:
        return bool(settings.EMPLOYER_OTP_REQUIRED)
    if user.is_staff or user.is_superuser:
        return True
    role = getattr(getattr(user, "staff_member", None), "role", None)
    if role in (StaffRole.SUPERVISOR, StaffRole.MANAGER):
        return True
    return bool(settings.CLERK_OTP_REQUIRED)


def is_verified(request: HttpRequest) -> bool:
    user = request.user
    return not otp_required(user) or user.is_verified()  # type: ignore[arg-type, union-attr]


def confirmed_totp(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_totp(user: User) -> TOTPDevice:
    """The unconfirmed authenticator device an enrolment shows and checks, made on first use
    (the same one on every visit until confirmed, so the QR code stays valid)."""
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, confirmed=False, defaults={"name": "authenticator"}
    )
    return device


def email_device(user: User) -> EmailDevice:
    device, _ = EmailDevice.objects.get_or_create(
        user=user, name="login", defaults={"confirmed": True}
    )
    return device


# -- "trust this browser for 30 days" --------------------------------------------------


def _password_tag(user: User) -> str:
    """Changes when the password changes, which revokes every trusted browser."""
    return hmac.new(
        settings.SECRET_KEY.encode(), user.password.encode(), hashlib.sha256
    ).hexdigest()[:16]


def trust_browser(response: HttpResponse, user: User, device: EmailDevice) -> None:
    value = signing.dumps(
        {"u": user.pk, "d": device.persistent_id, "p": _password_tag(user)}, salt=TRUST_SALT
    )
    response.set_cookie(
        TRUST_COOKIE,
        value,
        max_age=int(datetime.timedelta(days=settings.TRUSTED_BROWSER_DAYS).total_seconds()),
        secure=not settings.DEBUG,
        httponly=True,
        samesite="Lax",
        path="/mypage/",
    )


def trusted_device(request: HttpRequest, user: User) -> EmailDevice | None:
    value = request.COOKIES.get(TRUST_COOKIE)
    if not value:
        return None
    try:
        data: dict[str, Any] = signing.loads(
            value,
            salt=TRUST_SALT,
            max_age=datetime.timedelta(days=settings.TRUSTED_BROWSER_DAYS),
        )
    except signing.BadSignature:
        return None
    if data.get("u") != user.pk or data.get("p") != _password_tag(user):
        return None
    device = email_device(user)
    return device if device.persistent_id == data.get("d") else None
