"""The supervisors' alerts (rules 9, 11 and 12): critical first; each acknowledged, then
resolved with a note, or closed by itself when what it points at is settled. An employer's
misdelivery report is decided here: restore the applicant, or retract the letter."""

import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from counter.forms import AlertResolveForm, MisdeliveryRestoreForm
from counter.views.common import supervisor_required
from hellowork.access import StaffRequest, staff_required
from hellowork.formtools import add_errors, refusals_onto
from referrals import selectors, services
from referrals.access import access_alert_for_staff, access_misdelivery_report_of_alert
from referrals.models import Alert, AlertSeverity
from referrals.services import containment, incidents

RESOLVED_DAYS = 30


@staff_required
@supervisor_required
@require_GET
def alert_list(request: StaffRequest) -> HttpResponse:
    """Alerts to act on, critical first and the oldest first within each severity (the
    overdue in red), then those resolved recently; info alerts (a check that worked) are
    only counted here, and on the dashboard (rule 12)."""
    staff = request.staff
    now = timezone.now()
    open_alerts = list(selectors.alerts_to_act_on(staff=staff))
    resolved = list(
        selectors.alerts_resolved_since(
            staff=staff, since=now - datetime.timedelta(days=RESOLVED_DAYS)
        )
    )
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    context = {
        "masked": _masked(request, [*open_alerts, *resolved]),
        "open_alerts": open_alerts,
        "overdue": {alert.pk for alert in open_alerts if _is_overdue(alert, now)},
        "info_today": selectors.info_alert_count_since(staff=staff, since=today),
        "resolved": resolved,
        "resolved_days": RESOLVED_DAYS,
    }
    return render(request, "counter/alert_list.html", context)


def _is_overdue(alert: Alert, now: datetime.datetime) -> bool:
    if alert.resolved_at is not None or alert.severity == AlertSeverity.INFO:
        return False
    if alert.severity == AlertSeverity.CRITICAL:
        return alert.created_at <= selectors.critical_alert_deadline(now)
    return alert.created_at <= selectors.alert_deadline(now)


def _masked(request: StaffRequest, alerts: list[Alert]) -> set[int]:
    """The alerts whose posting is not named: another letter of the same seeker for the same
    posting is still a draft or waiting for approval, and the supervisor reading this may
    be the one to hear it from the seeker (rule 4)."""
    awaiting = selectors.choices_awaiting_check(office_id=request.staff.office_id)
    return {
        alert.pk
        for alert in alerts
        if alert.referral is not None
        and (alert.referral.consultation.seeker_id, alert.referral.posting_id) in awaiting
    }


def _page(
    request: StaffRequest, pk: int, *, status: int = 200, **forms_: forms.Form
) -> HttpResponse:
    alert = access_alert_for_staff(
        request.staff,
        pk,
        related=(
            "referral__consultation__seeker",
            "misdelivery_report__decided_by__user",
            "misdelivery_report__disclosure",
            "staff__user",
        ),
    )
    referral = alert.referral
    report = getattr(alert, "misdelivery_report", None)
    seeker = None
    if referral is not None:
        # The alert's referral is of this office (alerts are raised at the issuing office).
        seeker = referral.consultation.seeker
        services.staff_view_record(staff=request.staff, seeker=seeker, screen="alert", target=alert)
    context = {
        "masked": _masked(request, [alert]),
        "alert": alert,
        "referral": referral,
        "seeker": seeker,
        "overdue": _is_overdue(alert, timezone.now()),
        "resolve_form": forms_.get("resolve_form") or AlertResolveForm(),
        "acknowledge_form": forms_.get("acknowledge_form") or forms.Form(),
        "restore_form": forms_.get("restore_form") or MisdeliveryRestoreForm(),
        "report": report,
        "restore_barred": report and containment.restore_refusal(request.staff, report),
        "handle_barred": incidents.alert_handle_refusal(request.staff, alert),
    }
    return render(request, "counter/alert_detail.html", context, status=status)


@staff_required
@supervisor_required
@require_GET
def alert_detail(request: StaffRequest, pk: int) -> HttpResponse:
    return _page(request, pk)


@staff_required
@supervisor_required
@require_POST
def alert_acknowledge(request: StaffRequest, pk: int) -> HttpResponse:
    alert = access_alert_for_staff(request.staff, pk)
    if incidents.alert_handle_refusal(request.staff, alert):
        return _page(request, pk, status=403)  # said on the page; the service refuses too
    form = forms.Form(request.POST)
    try:
        incidents.alert_acknowledge(alert=alert, supervisor=request.staff)
    except ValidationError as error:
        add_errors(form, error)
        return _page(request, pk, status=400, acknowledge_form=form)
    messages.success(
        request, _("アラートを確認済みにしました。対応したら、解決として記録してください。")
    )
    return redirect("alert_detail", pk=pk)


@staff_required
@supervisor_required
@require_POST
def alert_resolve(request: StaffRequest, pk: int) -> HttpResponse:
    alert = access_alert_for_staff(request.staff, pk)
    if incidents.alert_handle_refusal(request.staff, alert):
        return _page(request, pk, status=403)  # said on the page; the service refuses too
    form = AlertResolveForm(request.POST)
    if form.is_valid():
        with refusals_onto(form):
            incidents.alert_resolve(
                alert=alert, supervisor=request.staff, note=form.cleaned_data["note"]
            )
            messages.success(request, _("アラートを解決済みにしました。"))
            return redirect("alert_list")
    return _page(request, pk, status=400, resolve_form=form)


@staff_required
@supervisor_required
@require_POST
def alert_restore(request: StaffRequest, pk: int) -> HttpResponse:
    """Rule 11: the employer's report was mistaken; the applicant is shown again and the
    establishment told. The retraction is the other decision, on the letter's page."""
    alert = access_alert_for_staff(request.staff, pk)
    report = access_misdelivery_report_of_alert(alert)
    if containment.restore_refusal(request.staff, report):
        return _page(request, pk, status=403)  # said on the page; the service refuses too
    form = MisdeliveryRestoreForm(request.POST)
    if form.is_valid():
        with refusals_onto(form):
            containment.misdelivery_restore(
                disclosure=report.disclosure,
                supervisor=request.staff,
                note=form.cleaned_data["note"],
            )
            messages.success(
                request,
                _("応募者を求人者マイページに再表示しました。求人者にお知らせします。"),
            )
            return redirect("alert_detail", pk=pk)
    return _page(request, pk, status=400, restore_form=form)
