"""The dashboard (supervisors and managers), the bureau's view (managers) and the printable
quarterly report, each with its figures as CSV (issue 20). Counts only: no seeker's
personal data is shown on these pages or written in their files."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from counter.forms import CsvEncodingForm, MonthExportForm, QuarterExportForm, QuarterForm
from counter.views.common import supervisor_required
from hellowork import audit_sealer
from hellowork.access import StaffRequest, staff_required
from hellowork.models import Office, StaffRole
from referrals import dashboard as figures
from referrals import selectors
from referrals.exports import csv_response, write_csv
from referrals.results import result_window_last_day

WITHOUT_RESULT_SHOWN = 50  # the oldest ones; the count says how many in all


def _month_choices() -> list[tuple[str, str]]:
    return [
        (month.strftime("%Y-%m"), formats.date_format(month, "YEAR_MONTH_FORMAT"))
        for month in figures.recent_months()
    ]


def _quarter_choices() -> list[tuple[str, str]]:
    return [(quarter.key, quarter.label()) for quarter in figures.recent_quarters()]


def _suffix(encoding: str) -> str:
    return "sjis" if encoding == "cp932" else "utf8"


def _refused(request: StaffRequest, form: forms.Form, page: str) -> HttpResponse:
    """A CSV asked for with a choice not offered: back to its page, saying what was wrong."""
    problems = [str(message) for errors in form.errors.values() for message in errors]
    messages.error(request, " ".join([_("CSVを作成できませんでした。"), *problems]))
    return redirect(page)


@staff_required
@supervisor_required
@require_GET
def dashboard(request: StaffRequest) -> HttpResponse:
    office = request.staff.office
    now = timezone.now()
    (office_figures,) = figures.office_figures(offices=[office], now=now)
    # Issue 20: referrals whose my-page result window closed without a result; the clerk
    # asks the employer (the letter's back, fax or phone) and records it on the referral.
    without_result = selectors.referrals_without_result_after_window(office_id=office.pk, now=now)
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
        "overdue_alerts": list(selectors.overdue_alerts_for_staff(staff=request.staff, now=now)),
        "overdue_retractions": list(selectors.overdue_retractions(office_ids=[office.pk], now=now)),
        "without_inspection": list(
            selectors.staff_without_inspection(office_id=office.pk, month=month)
        ),
        "month": month,
        "today": timezone.localdate(now),
        "is_manager": request.staff.role == StaffRole.MANAGER,
        "export_form": MonthExportForm(auto_id="id_export_%s", months=_month_choices()),
        "without_result_count": without_result.count(),
        "without_result": [
            (referral, result_window_last_day(referral.posting.valid_until))
            for referral in without_result[:WITHOUT_RESULT_SHOWN]
        ],
        "without_result_shown": WITHOUT_RESULT_SHOWN,
        # The audit trail's sealer, for managers: events not yet in the hash chain and the
        # oldest one's age, red past AUDIT_SEAL_ALARM_SECONDS (issue 18). One query.
        "audit_seal": (
            audit_sealer.tail(now=now) if request.staff.role == StaffRole.MANAGER else None
        ),
    }
    return render(request, "counter/dashboard.html", context)


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
        "export_form": CsvEncodingForm(auto_id="id_export_%s"),
    }
    return render(request, "counter/dashboard_bureau.html", context)


@staff_required
@supervisor_required
@require_GET
def quarterly_report(request: StaffRequest) -> HttpResponse:
    """The office's figures for a fiscal quarter and the self-inspection completion,
    printable for the bureau (福島労働局 asks every office for one each quarter)."""
    quarters = figures.recent_quarters()
    form = QuarterForm(request.GET or None, quarters=_quarter_choices())
    quarter, status = quarters[0], 200
    if form.is_bound:
        if form.is_valid():
            quarter = figures.Quarter.parse(form.cleaned_data["quarter"])
        else:
            status = 400
    report = figures.quarter_report(office=request.staff.office, quarter=quarter)
    export_form = CsvEncodingForm(auto_id="id_export_%s")
    return render(
        request,
        "counter/quarterly_report.html",
        {"form": form, "report": report, "today": timezone.localdate(), "export_form": export_form},
        status=status,
    )


@staff_required
@supervisor_required
@require_GET
def dashboard_month_csv(request: StaffRequest) -> HttpResponse:
    """The office's figures for a month (this month or one of the twelve before), a row per
    day and the month's sum: the dashboard's 「今月」 column, day by day."""
    form = MonthExportForm(request.GET, months=_month_choices())
    if not form.is_valid():
        return _refused(request, form, "dashboard")
    key = form.cleaned_data["month"]
    month = next(month for month in figures.recent_months() if month.strftime("%Y-%m") == key)
    office = request.staff.office
    header, rows = figures.month_table(office_ids=[office.pk], month=month)
    csv_file = write_csv(header=header, rows=rows, encoding=form.cleaned_data["encoding"])
    return csv_response(
        csv_file, filename=f"figures-{office.code}-{key}-{_suffix(csv_file.encoding)}.csv"
    )


@staff_required
@require_GET
def dashboard_bureau_csv(request: StaffRequest) -> HttpResponse:
    """The bureau's page as CSV (managers): each office's month and what waits now."""
    if request.staff.role != StaffRole.MANAGER:
        raise PermissionDenied
    form = CsvEncodingForm(request.GET)
    if not form.is_valid():
        return _refused(request, form, "dashboard_bureau")
    now = timezone.now()
    offices = figures.offices_of_bureau(staff=request.staff)
    rows = figures.office_figures(offices=offices, now=now)
    bureau = request.staff.office.bureau
    total = figures.total_figures(rows, office=Office(name=bureau, bureau=bureau))
    header, table = figures.bureau_table(rows, total)
    csv_file = write_csv(header=header, rows=table, encoding=form.cleaned_data["encoding"])
    stamp = timezone.localdate(now).strftime("%Y-%m")
    return csv_response(
        csv_file,
        filename=f"bureau-{request.staff.office.code}-{stamp}-{_suffix(csv_file.encoding)}.csv",
    )


@staff_required
@supervisor_required
@require_GET
def quarterly_report_csv(request: StaffRequest) -> HttpResponse:
    """The quarterly report's figures, check-sheet submissions and incidents as CSV."""
    form = QuarterExportForm(request.GET, quarters=_quarter_choices())
    if not form.is_valid():
        return _refused(request, form, "quarterly_report")
    quarter = figures.Quarter.parse(form.cleaned_data["quarter"])
    office = request.staff.office
    header, rows = figures.quarter_table(figures.quarter_report(office=office, quarter=quarter))
    csv_file = write_csv(header=header, rows=rows, encoding=form.cleaned_data["encoding"])
    return csv_response(
        csv_file,
        filename=f"quarterly-{office.code}-{quarter.key}-{_suffix(csv_file.encoding)}.csv",
    )
