"""The referral's own screens: the issuance screen (紹介状発行画面, rule 3), submit, void,
and the printable letter."""

import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from counter.forms import (
    ActionForm,
    ConfirmInSessionForm,
    EmployerCallForm,
    ReasonForm,
    ResultReceiveForm,
    RetractForm,
)
from counter.views.common import (
    may_have_to_state,
    record_guard,
    record_opened,
    remember_record_opened,
)
from hellowork.access import StaffRequest, staff_required
from hellowork.formtools import add_errors, refusals_onto
from referrals import selectors, services
from referrals.access import access_referral_for_staff
from referrals.letters import letter_for_referral
from referrals.models import (
    ApprovalReason,
    DisplayReadback,
    EmployerCall,
    ReadbackAnswer,
    ReferralLetter,
    ReferralStatus,
)


def seeker_check(
    referral: ReferralLetter, now: datetime.datetime, *, mismatches: int
) -> dict[str, Any]:
    """Where rule 3's first half stands for the issuance screen: `state` is "not_sent",
    "waiting" (on the display), "confirmed", "stale" (confirmed too long ago), "mismatch",
    "declined", "expired" (no answer in time) or "cleared" (replaced by another read-back);
    with the read-back and the seeker's caught mismatches today against the limit."""
    readback = selectors.latest_readback(referral=referral)
    state = "not_sent"
    if readback is not None:
        if readback.answered_at is not None:
            if readback.answer != ReadbackAnswer.CONFIRMED:
                state = {
                    ReadbackAnswer.BIRTH_DATE_MISMATCH: "mismatch",
                    ReadbackAnswer.DECLINED: "declined",
                }[ReadbackAnswer(readback.answer)]
            else:
                answer, _why = services.refusal_of_answer(referral, readback, now)
                state = "confirmed" if answer is not None else "stale"
        elif readback.cleared_at is not None:
            state = "cleared"
        elif readback.sent_at + datetime.timedelta(seconds=DisplayReadback.READBACK_SECONDS) < now:
            state = "expired"
        else:
            state = "waiting"
    return {
        "state": state,
        "readback": readback,
        "mismatches": mismatches,
        "mismatch_limit": services.MISMATCH_LIMIT,
        "answer_minutes": DisplayReadback.SEEKER_ANSWER_MINUTES,
        "readback_seconds": DisplayReadback.READBACK_SECONDS,
    }


# What the letter's page shows of the referral besides the access helper's own joins.
PAGE_RELATED = ("confirmation__confirmer_staff__user", "disclosure", "voided_by__user")


def _page(
    request: StaffRequest,
    pk: int,
    *,
    status: int = 200,
    referral: ReferralLetter | None = None,
    **forms_: forms.Form,
) -> HttpResponse:
    """The letter's page; `referral`, when the view already read it with PAGE_RELATED."""
    if referral is None:
        referral = access_referral_for_staff(request.staff, pk, related=PAGE_RELATED)
    seeker_id = referral.consultation.seeker_id
    disclosure = getattr(referral, "disclosure", None)
    now = timezone.now()
    # Counted once for the approval reasons and the seeker check (only a draft uses them).
    mismatches = (
        services.caught_mismatches_today(seeker_id=seeker_id, now=now)
        if referral.status == ReferralStatus.DRAFT
        else 0
    )
    reasons = services.approval_reasons(referral, now=now, mismatches=mismatches)
    call = selectors.latest_call(referral=referral)
    refusal = services.refusal_of_call(referral, call) if referral.status == "draft" else None
    collapsed = call is not None and (refusal is None or refusal.code == "posting_closed")
    # Rule 13 before any call: no phone call about this seeker to an excluded establishment.
    blocked = (
        services.rule13_refusal(referral)
        if referral.status in (ReferralStatus.DRAFT, ReferralStatus.PENDING_APPROVAL)
        else None
    )
    # Results, retractions and incidents exist only for a letter once issued (each of their
    # services refuses any other): a draft's screen does not look for them (issue 18).
    results: list[Any] = []
    retraction_requests: list[Any] = []
    incident = None
    if referral.issued_at is not None:
        results = list(selectors.selection_results_for_referral(referral=referral))
        retraction_requests = list(selectors.retraction_requests_of(referral=referral))
        incident = selectors.incident_of(referral=referral)
    call_form = forms_.get("call_form") or _call_form(referral, call)
    if collapsed and not call_form.errors:
        call_form.fields["outcome"].widget.attrs.pop("autofocus", None)
    context = {
        "call": call,
        # Issue 20: why the call does not let it be issued yet ("" when it does).
        "call_refusal": " ".join(refusal.messages) if refusal is not None else "",
        "call_refusal_code": getattr(refusal, "code", ""),
        "call_form": call_form,
        "call_blocked": " ".join(blocked.messages) if blocked is not None else "",
        # Folded away once the call lets it go on (or closed it): the next step has the focus.
        "call_form_collapsed": collapsed,
        "referral": referral,
        "seeker": referral.consultation.seeker,
        "posting": referral.posting,
        "establishment": referral.posting.establishment,
        "disclosure": disclosure,
        "now": now,
        "consultation": referral.consultation,
        # Rule 3: the clerk types the last four digits from the paper posting, not the screen.
        "mask_posting_digits": referral.status == "draft",
        "hold_minutes": settings.DISCLOSURE_HOLD_MINUTES,
        "reasons": [ApprovalReason(reason).label for reason in reasons],
        "needs_approval": bool(reasons),
        "confirm_form": forms_.get("confirm_form") or ConfirmInSessionForm(seeker_id=seeker_id),
        "submit_form": forms_.get("submit_form") or ActionForm(seeker_id=seeker_id),
        "void_form": forms_.get("void_form") or ReasonForm(seeker_id=seeker_id),
        "results": results,
        "result_form": forms_.get("result_form") or ResultReceiveForm(seeker_id=seeker_id),
        "retract_form": forms_.get("retract_form") or RetractForm(seeker_id=seeker_id),
        "retraction_requests": retraction_requests,
        "incident": incident,
        "check": (
            seeker_check(referral, now, mismatches=mismatches)
            if referral.status == "draft" and not reasons
            else {}
        ),
        "show_form": forms_.get("show_form") or ActionForm(seeker_id=seeker_id),
    }
    services.staff_view_record(
        staff=request.staff, seeker=referral.consultation.seeker, screen="referral", target=referral
    )
    return render(request, "counter/referral_detail.html", context, status=status)


def _call_form(referral: ReferralLetter, call: EmployerCall | None) -> EmployerCallForm:
    """The call form, starting from this referral's last call, or else from the employer
    facts of the office's last call about the same posting (selectors.call_details_for_
    posting): the clerk confirms them on the phone instead of typing them again."""
    initial: dict[str, Any] = {}
    source = call if call is not None and call.reached and call.accepting else None
    source = source or selectors.call_details_for_posting(
        posting_id=referral.posting_id, office_id=referral.consultation.office_id
    )
    if source is not None:
        fields = ["interview_place", "contact_person", "documents", "selection_method"]
        if source is call:
            fields += ["interview_date", "interview_time"]
        initial = {name: getattr(source, name) for name in fields}
    return EmployerCallForm(seeker_id=referral.consultation.seeker_id, initial=initial)


@staff_required
@require_GET
def referral_detail(request: StaffRequest, pk: int) -> HttpResponse:
    """The letter's own page. A supervisor who could approve a letter waiting for approval
    goes to the approval screen instead: this page shows the clerk's choice, and reading it
    would bar them from stating it (rule 4)."""
    referral = access_referral_for_staff(request.staff, pk, related=PAGE_RELATED)
    if not record_opened(request, "referral", pk) and may_have_to_state(request.staff, referral):
        if referral.status == ReferralStatus.PENDING_APPROVAL:
            messages.info(
                request,
                _("承認待ちの紹介です。求職者本人から希望の求人を聞いて、照合してください。"),
            )
            return redirect("approval_detail", pk=pk)
        return record_guard(request, "referral", pk, referral)
    return _page(request, pk, referral=referral)


@staff_required
@require_POST
def referral_open_record(request: StaffRequest, pk: int) -> HttpResponse:
    """From the guard page: open the letter's page anyway (another supervisor states)."""
    access_referral_for_staff(request.staff, pk)
    remember_record_opened(request, "referral", pk)
    return redirect("referral_detail", pk=pk)


@staff_required
@require_POST
def referral_confirm(request: StaffRequest, pk: int) -> HttpResponse:
    referral = access_referral_for_staff(request.staff, pk)
    form = ConfirmInSessionForm(request.POST, seeker_id=referral.consultation.seeker_id)
    if form.is_valid():
        try:
            services.referral_confirm_in_session(
                referral=referral,
                staff=request.staff,
                posting_digits=form.cleaned_data["posting_digits"],
            )
        except ValidationError as error:
            add_errors(form, error)
            # The clerk re-types after a refusal: nothing typed stays on screen.
            cleared = request.POST.copy()
            cleared["posting_digits"] = ""
            form.data = cleared
        else:
            messages.success(request, _("確認できました。紹介状を発行しました。"))
            return redirect("referral_detail", pk=pk)
    return _page(request, pk, status=400, confirm_form=form)


@staff_required
@require_POST
def referral_display_show(request: StaffRequest, pk: int) -> HttpResponse:
    """Rule 3: the read-back goes to the consultation's seeker-facing display."""
    referral = access_referral_for_staff(request.staff, pk)
    form = ActionForm(request.POST, seeker_id=referral.consultation.seeker_id)
    if form.is_valid():
        with refusals_onto(form):
            services.display_show(referral=referral, staff=request.staff)
            return redirect("referral_detail", pk=pk)
    return _page(request, pk, status=400, show_form=form)


@staff_required
@require_POST
def referral_call(request: StaffRequest, pk: int) -> HttpResponse:
    """Issue 20: the clerk records the call to the employer before issue."""
    referral = access_referral_for_staff(request.staff, pk)
    form = EmployerCallForm(request.POST, seeker_id=referral.consultation.seeker_id)
    if form.is_valid():
        with refusals_onto(form):
            call = services.employer_call_record(
                referral=referral, staff=request.staff, **form.service_arguments()
            )
            if call.closed:
                messages.warning(
                    request,
                    _(
                        "募集終了を記録しました。この紹介状は発行できません。作成を取り消してください。"
                    ),
                )
            else:
                messages.success(request, _("求人者への連絡を記録しました。"))
            return redirect("referral_detail", pk=pk)
    return _page(request, pk, status=400, call_form=form)


@staff_required
@require_GET
def referral_display_status(request: StaffRequest, pk: int) -> HttpResponse:
    """What the issuance screen asks every few seconds while the seeker answers on the
    display: 204 while the read-back it shows (`?showing=<id>`) is still waiting, else the
    seeker-check panel as it is now. Shows no personal data beyond the page it is part of."""
    referral = access_referral_for_staff(request.staff, pk)
    now = timezone.now()
    if referral.status != "draft":
        response = HttpResponse()
        response["HX-Refresh"] = "true"
        return response
    mismatches = services.caught_mismatches_today(
        seeker_id=referral.consultation.seeker_id, now=now
    )
    check = seeker_check(referral, now, mismatches=mismatches)
    showing = request.GET.get("showing", "")
    if check["state"] == "waiting" and showing == str(check["readback"].pk):
        return HttpResponse(status=204)
    seeker_id = referral.consultation.seeker_id
    context = {
        "referral": referral,
        "consultation": referral.consultation,
        "check": check,
        "confirm_form": ConfirmInSessionForm(seeker_id=seeker_id),
        "show_form": ActionForm(seeker_id=seeker_id),
        "submit_form": ActionForm(seeker_id=seeker_id),
    }
    return render(request, "counter/_seeker_check.html", context)


@staff_required
@require_POST
def referral_submit(request: StaffRequest, pk: int) -> HttpResponse:
    referral = access_referral_for_staff(request.staff, pk)
    form = ActionForm(request.POST, seeker_id=referral.consultation.seeker_id)
    if form.is_valid():
        with refusals_onto(form):
            services.referral_submit(referral=referral, staff=request.staff)
            messages.success(request, _("統括官の承認に回しました。"))
            return redirect("referral_detail", pk=pk)
    return _page(request, pk, status=400, submit_form=form)


@staff_required
@require_POST
def referral_void(request: StaffRequest, pk: int) -> HttpResponse:
    referral = access_referral_for_staff(request.staff, pk)
    form = ReasonForm(request.POST, seeker_id=referral.consultation.seeker_id)
    if form.is_valid():
        with refusals_onto(form):
            voided = services.referral_void(
                referral=referral, staff=request.staff, reason=form.cleaned_data["reason"]
            )
            if voided.code is None:  # a draft or a letter waiting for approval: never issued
                messages.success(
                    request,
                    _(
                        "紹介状の作成を取り消しました。発行前のため、求人者には何も送られていません。"
                    ),
                )
            else:
                messages.success(request, _("紹介状を取り消しました。紹介コードは残ります。"))
            return redirect("referral_detail", pk=pk)
    return _page(request, pk, status=400, void_form=form)


@staff_required
@require_GET
def referral_letter(request: StaffRequest, pk: int) -> HttpResponse:
    referral = access_referral_for_staff(
        request.staff, pk, related=("confirmation__confirmer_staff__user",)
    )
    if referral.code is None:
        raise Http404  # a draft has no letter yet
    services.staff_view_record(
        staff=request.staff, seeker=referral.consultation.seeker, screen="letter", target=referral
    )
    context = {"referral": referral, "letter": letter_for_referral(referral)}
    return render(request, "counter/letter.html", context)


@staff_required
@require_POST
def referral_retract(request: StaffRequest, pk: int) -> HttpResponse:
    """Rule 8: anyone of the office asks a supervisor to retract a visible applicant."""
    referral = access_referral_for_staff(request.staff, pk)
    form = RetractForm(request.POST, seeker_id=referral.consultation.seeker_id)
    if form.is_valid():
        with refusals_onto(form):
            services.referral_retract(
                referral=referral, staff=request.staff, reason=form.cleaned_data["reason"]
            )
            messages.success(
                request,
                _(
                    "撤回を依頼しました。別の統括官が承認すると、求人者マイページから"
                    "個人情報が消去されます。"
                ),
            )
            return redirect("referral_detail", pk=pk)
    return _page(request, pk, status=400, retract_form=form)


@staff_required
@require_POST
def referral_result_receive(request: StaffRequest, pk: int) -> HttpResponse:
    """A selection result received on paper, by fax or phone, or the seeker's withdrawal
    told at the counter (issue 20): one more line in the referral's result history."""
    referral = access_referral_for_staff(request.staff, pk)
    form = ResultReceiveForm(request.POST, seeker_id=referral.consultation.seeker_id)
    if form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("seeker")
        with refusals_onto(form):
            services.selection_result_receive(referral=referral, staff=request.staff, **data)
            messages.success(request, _("選考結果を記録しました。"))
            return redirect("referral_detail", pk=pk)
    return _page(request, pk, status=400, result_form=form)
