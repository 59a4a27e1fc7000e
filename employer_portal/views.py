from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from hellowork.access import EmployerRequest, employer_required


@employer_required
@require_GET
def mypage_home(request: EmployerRequest) -> HttpResponse:
    return render(request, "employer_portal/home.html", {"member": request.member})
