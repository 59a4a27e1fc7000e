from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from hellowork.access import StaffRequest, staff_required
from referrals import selectors
from referrals.forms import SeekerSearchForm


@staff_required
@require_GET
def counter_home(request: StaffRequest) -> HttpResponse:
    staff = request.staff
    context = {
        "staff": staff,
        "search_form": SeekerSearchForm(),
        "consultations": selectors.todays_consultations(staff=staff),
        "pending_count": selectors.approval_queue(staff=staff).count()
        if staff.can_approve
        else None,
        "alert_count": selectors.open_alerts_for_staff(staff=staff).count()
        if staff.can_approve
        else None,
    }
    return render(request, "referrals/home.html", context)
