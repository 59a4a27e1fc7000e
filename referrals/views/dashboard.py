"""The dashboard (supervisors and managers), the bureau's view (managers) and the printable
quarterly report. Counts only: no seeker's personal data is shown on these pages."""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from hellowork.access import StaffRequest, staff_required
from hellowork.models import Office, StaffRole
from referrals import dashboard as figures
from referrals import selectors
from referrals.forms import QuarterForm
from referrals.views.common import supervisor_required


@staff_required
@supervisor_required
@require_GET
def dashboard(request: StaffRequest) -> HttpResponse:
    office = request.staff.office
    now = timezone.now()
    (office_figures,) = figures.office_figures(offices=[office], now=now)
    dates, charts = figures.charts(office_ids=[office.pk], now=now)
    month = timezone.localdate(now).replace(day=1)
    context = {
        "figures": office_figures,
        "dates": dates,
        "charts": charts,
        "table": [
            (day, [chart.values[index] for chart in charts]) for index, day in enumerate(dates)
        ],
        "overdue_tasks": list(selectors.overdue_tasks(office_ids=[office.pk], now=now)),
        "overdue_alerts": list(
            selectors.by_severity_then_age(
                selectors.open_alerts_for_staff(staff=request.staff).filter(
                    selectors.alert_overdue(now)
                )
            )
        ),
        "overdue_retractions": list(selectors.overdue_retractions(office_ids=[office.pk], now=now)),
        "without_inspection": list(
            selectors.staff_without_inspection(office_id=office.pk, month=month)
        ),
        "month": month,
        "today": timezone.localdate(now),
        "is_manager": request.staff.role == StaffRole.MANAGER,
    }
    return render(request, "referrals/dashboard.html", context)


@staff_required
@require_GET
def dashboard_bureau(request: StaffRequest) -> HttpResponse:
    """Every office of the manager's bureau, and their sum."""
    if request.staff.role != StaffRole.MANAGER:
        raise PermissionDenied
    now = timezone.now()
    offices = figures.offices_of_bureau(staff=request.staff)
    rows = figures.office_figures(offices=offices, now=now)
    bureau = request.staff.office.bureau
    total = figures.total_figures(rows, office=Office(name=bureau, bureau=bureau))
    dates, charts = figures.charts(office_ids=[office.pk for office in offices], now=now)
    context = {
        "bureau": bureau,
        "rows": rows,
        "total": total,
        "series": [(key, str(label)) for key, label in figures.SERIES],
        "dates": dates,
        "charts": charts,
        "table": [
            (day, [chart.values[index] for chart in charts]) for index, day in enumerate(dates)
        ],
        "today": timezone.localdate(now),
    }
    return render(request, "referrals/dashboard_bureau.html", context)


@staff_required
@supervisor_required
@require_GET
def quarterly_report(request: StaffRequest) -> HttpResponse:
    """The office's figures for a fiscal quarter and the self-inspection completion,
    printable for the bureau (福島労働局 asks every office for one each quarter)."""
    quarters = figures.recent_quarters()
    form = QuarterForm(
        request.GET or None, quarters=[(quarter.key, quarter.label()) for quarter in quarters]
    )
    quarter, status = quarters[0], 200
    if form.is_bound:
        if form.is_valid():
            quarter = figures.Quarter.parse(form.cleaned_data["quarter"])
        else:
            status = 400
    report = figures.quarter_report(office=request.staff.office, quarter=quarter)
    return render(
        request,
        "referrals/quarterly_report.html",
        {"form": form, "report": report, "today": timezone.localdate()},
        status=status,
    )
