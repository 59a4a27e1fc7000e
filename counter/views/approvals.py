"""The supervisor queue and the approval screen (rule 4): the supervisor hears it from the
seeker.

Step 1 (the statement) shows nothing the clerk recorded about the seeker's choice: no
recorded interests, no consultation note, no draft. It shows who the seeker is, the
registered phone and e-mail to call back, why approval is needed (a void and re-entry
only as a fact, naming no establishment), where the supervisor heard the seeker
(`source`) and a search over all open postings; nothing is listed before the supervisor
types. Step 2, only after a matching statement, shows the names for the read-back,
"previous: X, now: Y" for a void and re-entry, and the approve button, which needs that
statement (same supervisor, same referral, within ApprovalStatement.STATEMENT_MINUTES).
"""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from counter.forms import ApproveForm, ReasonForm, StatementForm
from counter.views.common import supervisor_required
from hellowork.access import StaffRequest, staff_required
from hellowork.formtools import refusals_onto
from referrals import selectors, services
from referrals.access import access_pending_referral_for_staff
from referrals.models import ApprovalReason, ApprovalStatement, ReferralLetter


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
        "counter/approval_queue.html",
        {
            "queue": queue,
            "read": selectors.records_read_by(staff=request.staff, referrals=queue),
            "retractions": retractions,
            "retractions_overdue_before": selectors.retraction_deadline(timezone.now()),
        },
    )


def _context(referral: ReferralLetter, **extra: Any) -> dict[str, Any]:
    consultation = referral.consultation
    return {
        "referral": referral,
        "seeker": consultation.seeker,
        "consultation": consultation,
        "reasons": [ApprovalReason(reason).label for reason in referral.approval_reasons],
        **extra,
    }


def _statement_page(
    request: StaffRequest,
    referral: ReferralLetter,
    *,
    status: int = 200,
    statement_form: StatementForm | None = None,
    reject_form: forms.Form | None = None,
) -> HttpResponse:
    seeker_id = referral.consultation.seeker_id
    services.staff_view_record(
        staff=request.staff, seeker=referral.consultation.seeker, screen="approval", target=referral
    )
    form = statement_form or StatementForm(seeker_id=seeker_id)
    barred = services.checker_refusal(request.staff, referral)
    query = (
        form.cleaned_data.get("q", "") if form.is_bound and hasattr(form, "cleaned_data") else ""
    )
    postings, more = selectors.posting_search(query=query) if query else ([], False)
    stated = form.data.get("stated_posting_number", "") if form.is_bound else ""
    if len(postings) == 1 and not stated:
        stated = postings[0].number  # one hit: already chosen, the supervisor confirms it
    context = _context(
        referral,
        statement_form=form,
        searched=bool(query),
        postings=postings,
        more_postings=more,
        stated=stated,
        barred=barred,
        # Sending back needs no statement: only the maker is barred from it too.
        reject_barred=bool(barred)
        and bool(services.checker_refusal(request.staff, referral, stating=False)),
        reject_form=reject_form or ReasonForm(seeker_id=seeker_id),
    )
    return render(request, "counter/approval_statement.html", context, status=status)


def _readback_page(
    request: StaffRequest,
    referral: ReferralLetter,
    statement: ApprovalStatement,
    *,
    status: int = 200,
    **forms_: forms.Form,
) -> HttpResponse:
    seeker_id = referral.consultation.seeker_id
    context = _context(
        referral,
        statement=statement,
        # Issue 20: what the employer said on the phone, read back to the seeker with the
        # rest (shown only now, after the statement: it names the employer's premises).
        call=selectors.latest_call(referral=referral),
        posting=referral.posting,
        establishment=referral.posting.establishment,
        hold_minutes=settings.DISCLOSURE_HOLD_MINUTES,
        approve_form=forms_.get("approve_form")
        or ApproveForm(seeker_id=seeker_id, initial={"statement": statement.pk}),
        reject_form=forms_.get("reject_form") or ReasonForm(seeker_id=seeker_id),
    )
    return render(request, "counter/approval_readback.html", context, status=status)


@staff_required
@supervisor_required
@require_http_methods(["GET", "POST"])
def approval_detail(request: StaffRequest, pk: int) -> HttpResponse:
    referral = access_pending_referral_for_staff(request.staff, pk)
    if request.method == "GET":
        return _statement_page(request, referral)
    if services.checker_refusal(request.staff, referral):
        # Said on the page, before anything is typed (the service refuses anyway).
        return _statement_page(request, referral, status=403)
    form = StatementForm(request.POST, seeker_id=referral.consultation.seeker_id)
    if not form.is_valid() or not form.stating:
        # A search (or a form to correct): the same step, with the postings found.
        status = 200 if form.is_valid() else 400
        return _statement_page(request, referral, status=status, statement_form=form)
    with refusals_onto(form):
        statement = services.approval_statement_check(
            referral=referral,
            supervisor=request.staff,
            stated_posting_number=form.cleaned_data["stated_posting_number"],
            source=form.cleaned_data["source"],
        )
        services.staff_view_record(
            staff=request.staff,
            seeker=referral.consultation.seeker,
            screen="approval_readback",
            target=referral,
        )
        return _readback_page(request, referral, statement)
    return _statement_page(request, referral, status=400, statement_form=form)


@staff_required
@supervisor_required
@require_POST
def approval_approve(request: StaffRequest, pk: int) -> HttpResponse:
    """Step 2: approves on the supervisor's own matching statement, made within the last
    ApprovalStatement.STATEMENT_MINUTES. Without one (a skipped step, another
    supervisor's, too old, tampered), back to step 1."""
    referral = access_pending_referral_for_staff(request.staff, pk)
    if services.checker_refusal(request.staff, referral):
        # Barred since the statement (e.g. opened the clerk's record): said on the page.
        return _statement_page(request, referral, status=403)
    form = ApproveForm(request.POST, seeker_id=referral.consultation.seeker_id)
    statement = (
        selectors.fresh_statement(
            referral=referral,
            supervisor=request.staff,
            statement_id=form.cleaned_data["statement"],
        )
        if form.is_valid()
        else None
    )
    if statement is None:
        for message in form.non_field_errors():
            messages.error(request, str(message))
        messages.error(
            request,
            _(
                "承認の前に、求職者から聞いた求人を述べて照合してください"
                "（照合から%(minutes)d分以内）。"
            )
            % {"minutes": ApprovalStatement.STATEMENT_MINUTES},
        )
        return _statement_page(request, referral, status=400)
    with refusals_onto(form):
        services.referral_approve(
            referral=referral,
            supervisor=request.staff,
            stated_posting_number=statement.stated_posting_number,
            source=statement.source,
        )
        referral.refresh_from_db()
        messages.success(
            request,
            _("承認しました。紹介コード %(code)s の紹介状を発行しました。")
            % {"code": referral.code},
        )
        return redirect("approval_queue")
    return _readback_page(request, referral, statement, status=400, approve_form=form)


@staff_required
@supervisor_required
@require_POST
def approval_reject(request: StaffRequest, pk: int) -> HttpResponse:
    referral = access_pending_referral_for_staff(request.staff, pk)
    if services.checker_refusal(request.staff, referral, stating=False):
        return _statement_page(request, referral, status=403)  # said on the page
    form = ReasonForm(request.POST, seeker_id=referral.consultation.seeker_id)
    if form.is_valid():
        with refusals_onto(form):
            services.referral_reject(
                referral=referral, supervisor=request.staff, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("差し戻しました。"))
            return redirect("approval_queue")
    return _statement_page(request, referral, status=400, reject_form=form)
