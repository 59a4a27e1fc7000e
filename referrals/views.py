from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from hellowork.access import StaffRequest, staff_required


@staff_required
@require_GET
def counter_home(request: StaffRequest) -> HttpResponse:
    return render(request, "referrals/home.html", {"staff": request.staff})
