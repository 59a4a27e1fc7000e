"""Protected seekers (DESIGN.md rule 13), as supervisors manage them: protect a seeker
against establishments with a reason, exclude more, ask to lift it; a manager who did not
ask lifts it or turns the request down. Only the seeker's own office sees this screen."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from counter.forms import ProtectionDecisionForm, ProtectionLiftForm, ProtectionSetForm
from counter.views.common import supervisor_required
from hellowork import selectors as registry_selectors
from hellowork import services as registry_services
from hellowork.access import StaffRequest, staff_required
from hellowork.formtools import refusals_onto
from hellowork.models import JobSeeker, StaffRole
from referrals import services
from referrals.access import access_own_office_seeker_for_staff


def _page(
    request: StaffRequest,
    seeker: JobSeeker,
    *,
    status: int = 200,
    set_form: ProtectionSetForm | None = None,
    lift_form: ProtectionLiftForm | None = None,
    decision_form: ProtectionDecisionForm | None = None,
) -> HttpResponse:
    services.staff_view_record(staff=request.staff, seeker=seeker, screen="protection")
    protection = registry_selectors.active_protection(seeker=seeker)
    staff = request.staff
    may_decide = (
        protection is not None
        and protection.lift_requested_at is not None
        and staff.role == StaffRole.MANAGER
        and protection.lift_requested_by_id != staff.pk
    )
    context = {
        "seeker": seeker,
        "protection": protection,
        "lifted": list(registry_selectors.lifted_protections_of(seeker=seeker)),
        "may_decide": may_decide,
        "set_form": set_form or ProtectionSetForm(seeker_id=seeker.pk),
        "lift_form": lift_form or ProtectionLiftForm(seeker_id=seeker.pk),
        "decision_form": decision_form or ProtectionDecisionForm(seeker_id=seeker.pk),
    }
    return render(request, "counter/seeker_protection.html", context, status=status)


@staff_required
@supervisor_required
@require_http_methods(["GET", "POST"])
def seeker_protection(request: StaffRequest, pk: int) -> HttpResponse:
    seeker = access_own_office_seeker_for_staff(request.staff, pk)
    if request.method == "GET":
        return _page(request, seeker)
    form = ProtectionSetForm(request.POST, seeker_id=seeker.pk)
    if form.is_valid():
        with refusals_onto(form):
            registry_services.seeker_protection_set(
                seeker=seeker,
                supervisor=request.staff,
                reason=form.cleaned_data["reason"],
                establishments=form.cleaned_data["establishments"],
            )
            messages.success(
                request,
                _(
                    "保護を設定しました。紹介できない事業所への紹介は、誰が操作しても止まります。"
                    "すでに開示している紹介があれば、アラートが出ています。"
                ),
            )
            return redirect("seeker_protection", pk=seeker.pk)
    return _page(request, seeker, status=400, set_form=form)


@staff_required
@supervisor_required
@require_POST
def protection_lift_request(request: StaffRequest, pk: int) -> HttpResponse:
    seeker = access_own_office_seeker_for_staff(request.staff, pk)
    form = ProtectionLiftForm(request.POST, seeker_id=seeker.pk)
    if form.is_valid():
        with refusals_onto(form):
            registry_services.seeker_protection_lift_request(
                seeker=seeker, supervisor=request.staff, reason=form.cleaned_data["reason"]
            )
            messages.success(
                request,
                _("解除を依頼しました。別の所長・管理者が承認するまで、保護は続きます。"),
            )
            return redirect("seeker_protection", pk=seeker.pk)
    return _page(request, seeker, status=400, lift_form=form)


def _decide(request: StaffRequest, pk: int, *, approve: bool) -> HttpResponse:
    seeker = access_own_office_seeker_for_staff(request.staff, pk)
    form = ProtectionDecisionForm(request.POST, seeker_id=seeker.pk)
    if form.is_valid():
        with refusals_onto(form):
            if approve:
                registry_services.seeker_protection_lift_approve(
                    seeker=seeker, manager=request.staff
                )
                messages.success(request, _("保護を解除しました。"))
            else:
                registry_services.seeker_protection_lift_reject(
                    seeker=seeker, manager=request.staff
                )
                messages.success(request, _("解除の依頼を却下しました。保護は続きます。"))
            return redirect("seeker_protection", pk=seeker.pk)
    return _page(request, seeker, status=400, decision_form=form)


@staff_required
@supervisor_required
@require_POST
def protection_lift_approve(request: StaffRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, approve=True)


@staff_required
@supervisor_required
@require_POST
def protection_lift_reject(request: StaffRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, approve=False)
