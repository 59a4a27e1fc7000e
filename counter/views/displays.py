"""The office's seeker-facing displays, as supervisors manage them (DESIGN.md rule 3):
register one and get its pairing code, issue a new code, retire one."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from counter.forms import DisplayRegisterForm
from counter.views.common import supervisor_required
from hellowork.access import StaffRequest, staff_required
from hellowork.formtools import refusals_onto
from hellowork.language import with_japanese
from referrals import display_credentials, selectors, services
from referrals.access import access_display_for_staff
from referrals.models import CounterDisplay


def _list_page(request: StaffRequest, form: DisplayRegisterForm, status: int = 200) -> HttpResponse:
    return render(
        request,
        "counter/display_list.html",
        {"displays": list(selectors.displays_for_staff(staff=request.staff)), "form": form},
        status=status,
    )


def _code_page(request: StaffRequest, display: CounterDisplay) -> HttpResponse:
    """The one-time code, shown once: only its digest is kept."""
    code: str = display.pairing_code  # type: ignore[attr-defined]
    expires_at: datetime.datetime | None = display.pairing_code_expires_at
    return render(
        request,
        "counter/display_code.html",
        {
            "display": display,
            "code": display_credentials.format_pairing_code(code),
            "expires_at": expires_at,
            "display_url": request.build_absolute_uri(reverse("display_home")),
        },
    )


@staff_required
@supervisor_required
@require_http_methods(["GET", "POST"])
def display_list(request: StaffRequest) -> HttpResponse:
    if request.method == "GET":
        return _list_page(request, DisplayRegisterForm())
    form = DisplayRegisterForm(request.POST)
    if form.is_valid():
        with refusals_onto(form):
            display = services.display_pair(
                supervisor=request.staff, label=form.cleaned_data["label"]
            )
            return _code_page(request, display)
    return _list_page(request, form, status=400)


@staff_required
@supervisor_required
@require_POST
def display_pairing_code(request: StaffRequest, pk: int) -> HttpResponse:
    display = access_display_for_staff(request.staff, pk)
    try:
        display = services.display_pairing_renew(display=display, supervisor=request.staff)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("display_list")
    return _code_page(request, display)


@staff_required
@supervisor_required
@require_POST
def display_retire(request: StaffRequest, pk: int) -> HttpResponse:
    display = access_display_for_staff(request.staff, pk)
    try:
        services.display_retire(display=display, supervisor=request.staff)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            with_japanese(
                _("「%(label)s」を使用停止しました。この画面ではもう何も表示されません。"),
                label=display.label,
            ),
        )
    return redirect("display_list")
