"""The seeker-facing display's own pages (/display/, DESIGN.md rule 3): no user login, only
the signed device credential a pairing code gave this browser.

A display shows nothing until the clerk at its desk sends a read-back; it then shows the
seeker's name, the establishment and the posting in large type, takes "apply to this job"
and the birth date on its own keypad, and clears itself after the answer or
DisplayReadback.READBACK_SECONDS. Without a valid credential every page is the pairing
page (or 403 for the parts a page asks for by itself): a stolen credential of a retired or
re-paired display opens nothing.
"""

from collections.abc import Callable
from functools import wraps
from typing import Concatenate

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from counter.forms import DisplayAnswerForm, DisplayPairForm
from hellowork.formtools import add_errors
from hellowork.middleware import client_ip
from referrals import display_credentials, selectors, services
from referrals.models import CounterDisplay

ANSWERS = {"confirmed", "mismatch", "declined", "expired"}
# Seconds the display says thank you (or please ask the clerk) before it clears itself.
ANSWER_SHOWN_SECONDS = 8


class DisplayRequest(HttpRequest):
    display: CounterDisplay


def _display_of(request: HttpRequest) -> CounterDisplay | None:
    """The display this browser is, or None. A browser signed in to the counter or the my
    page is never a display, whatever cookie it holds: the seeker's screen must not be a
    window of the clerk's own session."""
    if request.user.is_authenticated:
        return None
    return selectors.display_for_credential(
        request.COOKIES.get(display_credentials.COOKIE_NAME, "")
    )


def _signed_in_page(request: HttpRequest) -> HttpResponse:
    return render(request, "counter/display/signed_in.html", status=403)


def display_required[**P](
    view: Callable[Concatenate[DisplayRequest, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """For what a paired display asks for by itself: anything else gets 403, and a page
    that polls reloads into the pairing page (HX-Refresh)."""

    @wraps(view)
    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        display = _display_of(request)
        if display is None:
            response = HttpResponse(status=403)
            response["HX-Refresh"] = "true"
            return response
        request.display = display  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)  # type: ignore[arg-type]

    return wrapper


def _screen_context(display: CounterDisplay) -> dict[str, object]:
    readback = selectors.display_waiting_readback(display=display)
    context: dict[str, object] = {"display": display, "readback": readback}
    if readback is not None:
        referral = readback.referral
        context.update(
            seeker=referral.consultation.seeker,
            posting=referral.posting,
            establishment=referral.posting.establishment,
            hold_minutes=settings.DISCLOSURE_HOLD_MINUTES,
            form=DisplayAnswerForm(initial={"readback": readback.pk}),
        )
        services.display_readback_shown(readback=readback)
    return context


@require_GET
def display_home(request: HttpRequest) -> HttpResponse:
    """The display: its screen when paired, else the pairing page."""
    if request.user.is_authenticated:
        return _signed_in_page(request)
    display = _display_of(request)
    if display is None:
        return render(request, "counter/display/pair.html", {"form": DisplayPairForm()})
    services.display_seen(display=display, ip=client_ip(request))
    answered = request.GET.get("answered", "")
    context = _screen_context(display)
    context.update(
        answered=answered if answered in ANSWERS else "",
        answer_shown_seconds=ANSWER_SHOWN_SECONDS,
    )
    return render(request, "counter/display/screen.html", context)


@require_POST
def display_pair(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return _signed_in_page(request)
    form = DisplayPairForm(request.POST)
    if form.is_valid():
        try:
            pairing = services.display_pairing_redeem(
                code=form.cleaned_data["code"], ip=client_ip(request)
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            response = redirect("display_home")
            response.set_cookie(
                display_credentials.COOKIE_NAME,
                display_credentials.sign(display_id=pairing.display.pk, secret=pairing.secret),
                max_age=display_credentials.COOKIE_MAX_AGE,
                path="/display/",
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Strict",
            )
            return response
    return render(request, "counter/display/pair.html", {"form": form}, status=400)


@require_GET
@display_required
def display_screen(request: DisplayRequest) -> HttpResponse:
    """What the display asks for every few seconds. While the read-back it shows is still
    the one waiting (`?showing=<id>`), 204: nothing changes under the seeker's fingers."""
    services.display_seen(display=request.display, ip=client_ip(request))
    readback = selectors.display_waiting_readback(display=request.display)
    showing = request.GET.get("showing", "")
    if readback is not None and showing == str(readback.pk):
        return HttpResponse(status=204)
    if readback is None and showing == "":
        return HttpResponse(status=204)
    return render(request, "counter/display/_screen.html", _screen_context(request.display))


@require_http_methods(["POST"])
@display_required
def display_answer(request: DisplayRequest) -> HttpResponse:
    """The seeker's answer. A wrong birth date, "not this job", or a read-back that is no
    longer waiting all end on a screen that asks the seeker to speak to the clerk."""
    form = DisplayAnswerForm(request.POST)
    services.display_seen(display=request.display, ip=client_ip(request))
    readback = None
    typed_id = str(request.POST.get("readback", ""))
    if typed_id.isascii() and typed_id.isdigit() and len(typed_id) <= 18:
        readback = selectors.readback_on_display(display=request.display, pk=int(typed_id))
    if readback is None:
        return redirect_answered("expired")
    if not form.is_valid():
        context = _screen_context(request.display)
        if context.get("readback") is None or context["readback"] != readback:
            return redirect_answered("expired")
        # Asked again with the error, but the date typed is not shown back on the screen.
        cleared = request.POST.copy()
        cleared["year"] = cleared["month"] = cleared["day"] = ""
        form.data = cleared
        context["form"] = form
        return render(request, "counter/display/screen.html", context, status=400)
    try:
        if form.cleaned_data["answer"] == "apply":
            services.display_seeker_confirm(
                display=request.display,
                referral=readback.referral,
                seeker_birth_date=form.cleaned_data["seeker_birth_date"],
            )
        else:
            services.display_seeker_decline(display=request.display, referral=readback.referral)
    except ValidationError as error:
        fields = getattr(error, "error_dict", {})
        if "seeker_birth_date" in fields:
            return redirect_answered("mismatch")
        if "seeker_declined" in fields:
            return redirect_answered("declined")
        return redirect_answered("expired")
    return redirect_answered("confirmed")


def redirect_answered(answer: str) -> HttpResponse:
    response = redirect("display_home")
    response["Location"] += f"?answered={answer}"
    return response
