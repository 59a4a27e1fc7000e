import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from hellowork import audit


class NoStoreMiddleware:
    """Nothing this application renders may be kept by a browser or a proxy.

    Every dynamic page either shows personal data or sits one click from it, and a shared
    counter PC's back button must not show the previous person's screen (DESIGN.md §1).
    Static files are served before this runs (WhiteNoise) and stay cacheable.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        patch_cache_control(response, no_store=True, private=True)
        return response


class AuditContextMiddleware:
    """Tells the audit trail where each request comes from (DESIGN.md rule 10: "from where")."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with audit.request_context(
            ip=client_ip(request), user_agent=request.headers.get("User-Agent", "")
        ):
            return self.get_response(request)


def client_ip(request: HttpRequest) -> str:
    if settings.BEHIND_TLS_PROXY:
        forwarded = request.headers.get("X-Forwarded-For", "")
        if forwarded:
            # The proxy appends the address it saw: the last entry is the one to trust.
            return forwarded.split(",")[-1].strip()[:45]
    return (request.META.get("REMOTE_ADDR") or "")[:45]


class IdleTimeoutMiddleware:
    """Ends a counter (staff) session after COUNTER_IDLE_MINUTES without a request.

    The last activity is written to the session at most once a minute, so a busy page does
    not rewrite its session on every request.
    """

    KEY = "hellowork_last_seen"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and getattr(user, "kind", None) == "staff":
            now = int(time.time())
            last_seen = request.session.get(self.KEY, now)
            if now - last_seen > settings.COUNTER_IDLE_MINUTES * 60:
                logout(request)
                messages.info(request, _("一定時間操作がなかったため、ログアウトしました。"))
                return redirect_to_login(request.get_full_path(), reverse("staff_login"))
            if now - last_seen >= 60 or self.KEY not in request.session:
                request.session[self.KEY] = now
        return self.get_response(request)


class LanguageMiddleware:
    """Japanese first: the interface is Japanese unless the person chose English with the
    language switch (its cookie), whatever language the browser asks for. A counter PC or
    an employer's browser set up in English still opens the Japanese service."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
