"""Who may use which side: the counter is for staff, the my page for employers.

An account of one kind can never use the other's pages. Anonymous users go to their
side's login page; a logged-in user of the wrong kind gets 403; a user who still owes the
second factor goes to the verification step.
"""

from collections.abc import Callable
from functools import wraps
from typing import Concatenate

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from hellowork import otp
from hellowork.models import EmployerMember, StaffMember, User


class StaffRequest(HttpRequest):
    user: User
    staff: StaffMember


class EmployerRequest(HttpRequest):
    user: User
    member: EmployerMember


def staff_of(user: object) -> StaffMember | None:
    if not isinstance(user, User) or user.kind != User.Kind.STAFF or not user.is_active:
        return None
    try:
        staff = StaffMember.objects.select_related("office").get(user=user)
    except StaffMember.DoesNotExist:
        return None
    # Both sides of the one-to-one now point at the rows already loaded: neither
    # request.staff.user nor the second factor's role check (user.staff_member) queries again.
    user.staff_member = staff
    return staff


def member_of(user: object) -> EmployerMember | None:
    if not isinstance(user, User) or user.kind != User.Kind.EMPLOYER or not user.is_active:
        return None
    try:
        member = EmployerMember.objects.select_related("establishment__office").get(user=user)
    except EmployerMember.DoesNotExist:
        return None
    member.user = user  # the same row, already loaded: no second query for request.member.user
    return member


def staff_required[**P](
    view: Callable[Concatenate[StaffRequest, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("staff_login"))
        staff = staff_of(request.user)
        if staff is None:
            raise PermissionDenied
        if not otp.is_verified(request):
            request.session[otp.AFTER_LOGIN] = request.get_full_path()
            return redirect("staff_otp")
        request.staff = staff  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)  # type: ignore[arg-type]

    return wrapper


def employer_required[**P](
    view: Callable[Concatenate[EmployerRequest, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("employer_login"))
        member = member_of(request.user)
        if member is None:
            raise PermissionDenied
        if not otp.is_verified(request):
            request.session[otp.AFTER_LOGIN] = request.get_full_path()
            return redirect("employer_otp")
        request.member = member  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)  # type: ignore[arg-type]

    return wrapper
