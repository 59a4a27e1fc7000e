from django.contrib.auth import logout
from django.contrib.auth.views import LoginView
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from hellowork.forms import EmployerAuthenticationForm, StaffAuthenticationForm
from hellowork.models import User


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "hellowork/index.html")


class KindLoginView(LoginView):
    """The login page of one side. After login, `next` is followed only within that side."""

    home: str = ""
    area: str = ""
    redirect_authenticated_user = False

    def get_default_redirect_url(self) -> str:
        return resolve_url(self.home)

    def get_redirect_url(self, request: HttpRequest | None = None) -> str:
        request = request or self.request
        target = request.POST.get("next", request.GET.get("next", ""))
        safe = url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        return target if safe and target.startswith(self.area) else ""


class StaffLoginView(KindLoginView):
    authentication_form = StaffAuthenticationForm
    template_name = "hellowork/login_staff.html"
    home = "counter_home"
    area = "/counter/"


class EmployerLoginView(KindLoginView):
    authentication_form = EmployerAuthenticationForm
    template_name = "hellowork/login_employer.html"
    home = "mypage_home"
    area = "/mypage/"


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    was_employer = getattr(request.user, "kind", None) == User.Kind.EMPLOYER
    logout(request)
    return HttpResponseRedirect(resolve_url("employer_login" if was_employer else "staff_login"))


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, 503 when it does not. No login, no personal data."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
