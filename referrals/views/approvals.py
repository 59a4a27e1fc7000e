"""The supervisor queue and the blind approval screen (rule 4).

Step 1 shows the seeker, the flags and the seeker's recorded intent, never the posting
the clerk chose; the supervisor states the posting number. Step 2, only after a matching
statement, shows the names for the read-back and the approve button. A retract-and-
reorder flag says "previous: X" in step 1 and "now: Y" only in step 2.
"""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hellowork.access import StaffRequest, staff_required
from hellowork.formtools import refusals_onto
from referrals import selectors, services
from referrals.forms import ApproveForm, ReasonForm, StatementForm
from referrals.models import ApprovalReason, Decision, ReferralLetter
from referrals.views.common import supervisor_required


@staff_required
@supervisor_required
@require_GET
def approval_queue(request: StaffRequest) -> HttpResponse:
    queue = list(selectors.approval_queue(staff=request.staff))
    retractions = list(selectors.retraction_queue(staff=request.staff))
    services.staff_list_record(
        staff=request.staff,
        screen="approval_queue",
        seeker_ids=[referral.consultation.seeker_id for referral in queue]
        + [retraction.referral.consultation.seeker_id for retraction in retractions],
    )
    return render(
        request,
        "referrals/approval_queue.html",
        {
            "queue": queue,
            "retractions": retractions,
            "retractions_overdue_before": selectors.retraction_deadline(timezone.now()),
        },
    )


def _pending(request: StaffRequest, pk: int) -> ReferralLetter:
    return get_object_or_404(selectors.approval_queue(staff=request.staff), pk=pk)


def _context(referral: ReferralLetter, **extra: Any) -> dict[str, Any]:
    consultation = referral.consultation
    return {
        "referral": referral,
        "seeker": consultation.seeker,
        "consultation": consultation,
        "reasons": [ApprovalReason(reason).label for reason in referral.approval_reasons],
        "intents": consultation.interests.filter(decision=Decision.APPLY).select_related(
            "posting__establishment"
        ),
        **extra,
    }


def _statement_page(
    request: StaffRequest, referral: ReferralLetter, *, status: int = 200, **forms_: forms.Form
) -> HttpResponse:
    seeker_id = referral.consultation.seeker_id
    services.staff_view_record(
        staff=request.staff, seeker=referral.consultation.seeker, screen="approval", target=referral
    )
    context = _context(
        referral,
        statement_form=forms_.get("statement_form") or StatementForm(seeker_id=seeker_id),
        reject_form=forms_.get("reject_form") or ReasonForm(seeker_id=seeker_id),
    )
    return render(request, "referrals/approval_statement.html", context, status=status)


def _readback_page(
    request: StaffRequest,
    referral: ReferralLetter,
    stated: str,
    *,
    status: int = 200,
    **forms_: forms.Form,
) -> HttpResponse:
    seeker_id = referral.consultation.seeker_id
    context = _context(
        referral,
        posting=referral.posting,
        establishment=referral.posting.establishment,
        hold_minutes=settings.DISCLOSURE_HOLD_MINUTES,
        approve_form=forms_.get("approve_form")
        or ApproveForm(seeker_id=seeker_id, initial={"stated_posting_number": stated}),
        reject_form=forms_.get("reject_form") or ReasonForm(seeker_id=seeker_id),
    )
    return render(request, "referrals/approval_readback.html", context, status=status)


@staff_required
@supervisor_required
@require_http_methods(["GET", "POST"])
def approval_detail(request: StaffRequest, pk: int) -> HttpResponse:
    referral = _pending(request, pk)
    if request.method == "GET":
        return _statement_page(request, referral)
    form = StatementForm(request.POST, seeker_id=referral.consultation.seeker_id)
    if form.is_valid():
        stated = form.cleaned_data["stated_posting_number"]
        with refusals_onto(form):
            services.approval_statement_check(
                referral=referral, supervisor=request.staff, stated_posting_number=stated
            )
            services.staff_view_record(
                staff=request.staff,
                seeker=referral.consultation.seeker,
                screen="approval_readback",
                target=referral,
            )
            return _readback_page(request, referral, stated)
    return _statement_page(request, referral, status=400, statement_form=form)


@staff_required
@supervisor_required
@require_POST
def approval_approve(request: StaffRequest, pk: int) -> HttpResponse:
    referral = _pending(request, pk)
    form = ApproveForm(request.POST, seeker_id=referral.consultation.seeker_id)
    if form.is_valid():
        with refusals_onto(form):
            services.referral_approve(
                referral=referral,
                supervisor=request.staff,
                stated_posting_number=form.cleaned_data["stated_posting_number"],
            )
            referral.refresh_from_db()
            messages.success(
                request,
                _("承認しました。紹介コード %(code)s の紹介状を発行しました。")
                % {"code": referral.code},
            )
            return redirect("approval_queue")
    # A stale or tampered approve form goes back to the blind statement.
    for message in form.non_field_errors() + form.errors.get("stated_posting_number", []):
        messages.error(request, str(message))
    return _statement_page(request, referral, status=400)


@staff_required
@supervisor_required
@require_POST
def approval_reject(request: StaffRequest, pk: int) -> HttpResponse:
    referral = _pending(request, pk)
    form = ReasonForm(request.POST, seeker_id=referral.consultation.seeker_id)
    if form.is_valid():
        with refusals_onto(form):
            services.referral_reject(
                referral=referral, supervisor=request.staff, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("差し戻しました。"))
            return redirect("approval_queue")
    return _statement_page(request, referral, status=400, reject_form=form)
