"""The supervisors' alert list (rule 9): code mismatches, misdelivery reports, caught
mismatches and retract-and-reorder events of the office; each acknowledged, then resolved
with a note."""

import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from hellowork.access import StaffRequest, staff_required
from hellowork.formtools import add_errors, refusals_onto
from referrals import selectors, services
from referrals.forms import AlertResolveForm
from referrals.models import Alert
from referrals.services import incidents
from referrals.views.common import supervisor_required

RESOLVED_DAYS = 30


@staff_required
@supervisor_required
@require_GET
def alert_list(request: StaffRequest) -> HttpResponse:
    """Open alerts, oldest first (the overdue in red), then those resolved recently."""
    alerts = selectors.alerts_for_staff(staff=request.staff)
    now = timezone.now()
    open_alerts = list(alerts.filter(resolved_at__isnull=True).order_by("created_at", "pk"))
    resolved = list(
        alerts.filter(resolved_at__gte=now - datetime.timedelta(days=RESOLVED_DAYS)).order_by(
            "-resolved_at", "-pk"
        )
    )
    context = {
        "masked": _masked(request, [*open_alerts, *resolved]),
        "open_alerts": open_alerts,
        "resolved": resolved,
        "overdue_before": selectors.alert_deadline(now),
        "resolved_days": RESOLVED_DAYS,
    }
    return render(request, "referrals/alert_list.html", context)


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
    alert = get_object_or_404(
        selectors.alerts_for_staff(staff=request.staff).select_related(
            "referral__consultation__seeker"
        ),
        pk=pk,
    )
    referral = alert.referral
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
        "overdue": alert.resolved_at is None
        and alert.created_at <= selectors.alert_deadline(timezone.now()),
        "resolve_form": forms_.get("resolve_form") or AlertResolveForm(),
        "acknowledge_form": forms_.get("acknowledge_form") or forms.Form(),
    }
    return render(request, "referrals/alert_detail.html", context, status=status)


@staff_required
@supervisor_required
@require_GET
def alert_detail(request: StaffRequest, pk: int) -> HttpResponse:
    return _page(request, pk)


def _scoped(request: StaffRequest, pk: int) -> Alert:
    return get_object_or_404(selectors.alerts_for_staff(staff=request.staff), pk=pk)


@staff_required
@supervisor_required
@require_POST
def alert_acknowledge(request: StaffRequest, pk: int) -> HttpResponse:
    alert = _scoped(request, pk)
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
    alert = _scoped(request, pk)
    form = AlertResolveForm(request.POST)
    if form.is_valid():
        with refusals_onto(form):
            incidents.alert_resolve(
                alert=alert, supervisor=request.staff, note=form.cleaned_data["note"]
            )
            messages.success(request, _("アラートを解決済みにしました。"))
            return redirect("alert_list")
    return _page(request, pk, status=400, resolve_form=form)
