"""The monthly self-inspection (点検シート): every staff member answers it once a month."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from counter.forms import SelfInspectionForm
from hellowork.access import StaffRequest, staff_required
from hellowork.formtools import refusals_onto
from referrals import selectors
from referrals.services import incidents


@staff_required
@require_http_methods(["GET", "POST"])
def self_inspection(request: StaffRequest) -> HttpResponse:
    month = incidents.inspection_month()
    sheet = selectors.inspection_of(staff=request.staff, month=month)
    items = list(selectors.active_inspection_items())
    # Bound on every POST, even an empty one: add_error below needs a bound form.
    form = SelfInspectionForm(request.POST if request.method == "POST" else None, items=items)
    status = 200
    if request.method == "POST":
        if sheet is None and form.is_valid():
            with refusals_onto(form):
                incidents.self_inspection_submit(
                    staff=request.staff, answers=form.answers(), note=form.cleaned_data["note"]
                )
                messages.success(request, _("今月の点検シートを提出しました。"))
                return redirect("self_inspection")
        elif sheet is not None:
            form.add_error(None, _("今月の点検シートは提出済みです。"))
        status = 400
    return render(
        request,
        "counter/self_inspection.html",
        {"form": form, "sheet": sheet, "month": month, "items": items},
        status=status,
    )
