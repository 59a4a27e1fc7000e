from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from counter.forms import OpenConsultationForm, SeekerSearchForm
from hellowork.access import StaffRequest, staff_required
from hellowork.formtools import refusals_onto
from hellowork.models import JobSeeker
from referrals import selectors, services
from referrals.access import access_seeker_for_staff


@staff_required
@require_http_methods(["GET", "POST"])
def seeker_search(request: StaffRequest) -> HttpResponse:
    """A name in kana is personal data: it is posted, never put in the URL (where browser
    history, proxies and access logs would keep it)."""
    form = SeekerSearchForm(request.POST if request.method == "POST" else None)
    search = None
    if form.is_valid():
        search = selectors.seeker_search(query=form.cleaned_data["q"])
        services.staff_search_record(
            staff=request.staff,
            query_kind=search.by,
            seeker_ids=[seeker.pk for seeker in search.seekers],
        )
        if search.seekers:  # the first result takes the focus: Enter opens it
            form.fields["q"].widget.attrs.pop("autofocus", None)
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(
        request,
        "counter/seeker_search.html",
        {"form": form, "search": search},
        status=status,
    )


# The display this clerk's desk uses, remembered for the session: picked once (rule 3).
DISPLAY_SESSION_KEY = "counter_display_id"


def _open_form(request: StaffRequest, seeker: JobSeeker, data: Any = None) -> OpenConsultationForm:
    """対面 is chosen beforehand at an office with a display, with the desk's display when
    it is known (remembered for the session, or the office's only one): the clerk presses
    Enter. Without a display only 対面でない can open (rule 3), so that is chosen."""
    displays = selectors.active_displays_for_staff(staff=request.staff)
    remembered = request.session.get(DISPLAY_SESSION_KEY)
    initial: dict[str, Any] = {}
    if data is None:
        chosen = next((d for d in displays if d.pk == remembered), None)
        if chosen is None and len(displays) == 1:
            chosen = displays[0]
        if chosen is not None:
            initial = {"in_person": "1", "display": chosen.pk}
        elif displays:
            initial = {"in_person": "1"}
        else:
            initial = {"in_person": "0"}
    return OpenConsultationForm(data, seeker_id=seeker.pk, displays=displays, initial=initial)


def _seeker_page(
    request: StaffRequest, seeker: JobSeeker, form: OpenConsultationForm, status: int
) -> HttpResponse:
    services.staff_view_record(staff=request.staff, seeker=seeker, screen="seeker")
    consultations = selectors.recent_consultations_of_seeker(staff=request.staff, seeker=seeker)
    return render(
        request,
        "counter/seeker_detail.html",
        {
            "seeker": seeker,
            "form": form,
            "consultations": consultations,
            # Rule 13: the seeker's own office's supervisors protect a seeker.
            "may_protect": request.staff.can_approve
            and request.staff.office_id == seeker.office_id,
        },
        status=status,
    )


@staff_required
@require_GET
def seeker_detail(request: StaffRequest, pk: int) -> HttpResponse:
    seeker = access_seeker_for_staff(request.staff, pk)
    return _seeker_page(request, seeker, _open_form(request, seeker), 200)


@staff_required
@require_POST
def consultation_open(request: StaffRequest, pk: int) -> HttpResponse:
    seeker = access_seeker_for_staff(request.staff, pk)
    form = _open_form(request, seeker, request.POST)
    if form.is_valid():
        display = form.cleaned_data["display"]
        with refusals_onto(form):
            consultation = services.consultation_open(
                seeker=seeker,
                staff=request.staff,
                in_person=form.cleaned_data["in_person"],
                display=display,
            )
            if display is not None:
                request.session[DISPLAY_SESSION_KEY] = display.pk
            messages.success(request, _("相談を開きました。"))
            return redirect("consultation_detail", pk=consultation.pk)
    return _seeker_page(request, seeker, form, 400)
