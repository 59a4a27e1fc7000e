from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


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
