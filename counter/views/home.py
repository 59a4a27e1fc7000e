from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from counter.forms import SeekerSearchForm
from hellowork.access import StaffRequest, staff_required
from referrals import selectors, services


@staff_required
@require_GET
def counter_home(request: StaffRequest) -> HttpResponse:
    staff = request.staff
    consultations = list(selectors.todays_consultations(staff=staff))
    services.staff_list_record(
        staff=staff,
        screen="counter_home",
        seeker_ids=[consultation.seeker_id for consultation in consultations],
    )
    context = {
        "staff": staff,
        "search_form": SeekerSearchForm(),
        "consultations": consultations,
        "inspection_done": selectors.inspection_done(staff=staff),
        "supervisor": selectors.supervisor_summary(staff=staff) if staff.can_approve else None,
    }
    return render(request, "counter/home.html", context)
