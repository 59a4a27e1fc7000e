"""The supervisor's side of a retraction (rule 8): the request, read back, approved or
rejected by a supervisor or manager who neither asked for it nor made the referral."""

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from counter.forms import ActionForm, RejectRetractionForm
from counter.views.common import supervisor_required
from hellowork.access import StaffRequest, staff_required
from hellowork.formtools import refusals_onto
from referrals import selectors, services
from referrals.access import access_pending_retraction_for_staff
from referrals.models import RetractionRequest


def _page(
    request: StaffRequest,
    retraction: RetractionRequest,
    *,
    status: int = 200,
    **forms_: forms.Form,
) -> HttpResponse:
    """The request read back; for a supervisor who may not decide it (the requester, the
    referral's maker), why, in place of the buttons."""
    referral = retraction.referral
    seeker = referral.consultation.seeker
    disclosure = referral.disclosure
    views = selectors.employer_views_of(disclosure=disclosure)
    services.staff_view_record(
        staff=request.staff, seeker=seeker, screen="retraction", target=referral
    )
    context = {
        "retraction": retraction,
        "referral": referral,
        "seeker": seeker,
        "posting": referral.posting,
        "establishment": referral.posting.establishment,
        "disclosure": disclosure,
        "view_count": len(views),
        "first_view": views[0].at if views else None,
        "refusal": services.retraction_checker_refusal(request.staff, retraction),
        "approve_form": forms_.get("approve_form") or ActionForm(seeker_id=seeker.pk),
        "reject_form": forms_.get("reject_form") or RejectRetractionForm(seeker_id=seeker.pk),
    }
    return render(request, "counter/retraction_detail.html", context, status=status)


@staff_required
@supervisor_required
@require_GET
def retraction_detail(request: StaffRequest, pk: int) -> HttpResponse:
    return _page(request, access_pending_retraction_for_staff(request.staff, pk))


@staff_required
@supervisor_required
@require_POST
def retraction_approve(request: StaffRequest, pk: int) -> HttpResponse:
    retraction = access_pending_retraction_for_staff(request.staff, pk)
    if services.retraction_checker_refusal(request.staff, retraction):
        return _page(request, retraction, status=403)  # said on the page; the service refuses too
    form = ActionForm(request.POST, seeker_id=retraction.referral.consultation.seeker_id)
    if form.is_valid():
        with refusals_onto(form):
            incident = services.retraction_approve(
                referral=retraction.referral, supervisor=request.staff
            )
            messages.success(
                request,
                _(
                    "撤回しました。求人者マイページの個人情報を消去し、インシデント #%(number)d "
                    "を登録しました。期限までに対応を記録してください。"
                )
                % {"number": incident.pk},
            )
            return redirect("incident_detail", pk=incident.pk)
    return _page(request, retraction, status=400, approve_form=form)


@staff_required
@supervisor_required
@require_POST
def retraction_reject(request: StaffRequest, pk: int) -> HttpResponse:
    retraction = access_pending_retraction_for_staff(request.staff, pk)
    if services.retraction_checker_refusal(request.staff, retraction):
        return _page(request, retraction, status=403)  # said on the page; the service refuses too
    form = RejectRetractionForm(request.POST, seeker_id=retraction.referral.consultation.seeker_id)
    if form.is_valid():
        with refusals_onto(form):
            services.retraction_reject(
                referral=retraction.referral,
                supervisor=request.staff,
                reason=form.cleaned_data["reason"],
            )
            if retraction.referral.disclosure.quarantined_at is not None:
                messages.success(
                    request,
                    _(
                        "撤回の依頼を却下しました。応募者は求人者の報告により非表示のままです。"
                        "正しい紹介なら、アラートの画面から再表示してください。"
                    ),
                )
            else:
                messages.success(
                    request, _("撤回の依頼を却下しました。応募者は表示されたままです。")
                )
            return redirect("approval_queue")
    return _page(request, retraction, status=400, reject_form=form)
