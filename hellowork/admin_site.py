from typing import Any

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from hellowork import otp


class AdminSite(admin.AdminSite):
    """The admin shows everyone's personal data: it needs the second factor too, and signs
    in through the staff login (which holds the lockout and the TOTP step)."""

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and otp.is_verified(request)

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        return redirect_to_login(
            request.GET.get("next", reverse("admin:index")), reverse("staff_login")
        )
