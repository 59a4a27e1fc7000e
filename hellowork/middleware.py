from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

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
