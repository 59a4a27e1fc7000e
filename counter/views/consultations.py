from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from counter.forms import (
    ActionForm,
    DecisionForm,
    DraftForm,
    InterestForm,
    MergeForm,
    NoteForm,
    PostingSearchForm,
)
from counter.views.common import (
    may_have_to_state,
    record_guard,
    record_opened,
    remember_record_opened,
)
from hellowork.access import StaffRequest, staff_required
from hellowork.formtools import refusals_onto
from hellowork.language import with_japanese
from hellowork.models import JobPosting
from referrals import selectors, services
from referrals.access import access_consultation_for_staff, access_consultation_page_for_staff
from referrals.models import Consultation, Decision, ReferralStatus

ACTIVE = {ReferralStatus.DRAFT, ReferralStatus.PENDING_APPROVAL, ReferralStatus.ISSUED}


def _page(
    request: StaffRequest,
    pk: int,
    *,
    status: int = 200,
    found: tuple[list[JobPosting], bool] | None = None,
    consultation: Consultation | None = None,
    **forms_: forms.Form,
) -> HttpResponse:
    """The consultation's page; `consultation`, when the view already read it with the
    page's data (access_consultation_page_for_staff)."""
    if consultation is None:
        consultation = access_consultation_page_for_staff(request.staff, pk)
    seeker_id = consultation.seeker_id
    referrals = list(consultation.referrals.all())
    referred = {r.posting_id for r in referrals if r.status in ACTIVE}
    interests = list(consultation.interests.all())
    draftable = [
        i.posting_id
        for i in interests
        if i.decision == Decision.APPLY and i.posting_id not in referred
    ]
    search_form = forms_.get("posting_search_form") or PostingSearchForm(seeker_id=seeker_id)
    # The page's next step takes the focus: a result to pick, else a letter to draft, else
    # the search box (keyboard work at a busy counter: type, Enter, Enter).
    focus_results = bool(found and found[0])
    focus_draft = draftable[0] if draftable and not focus_results else None
    if consultation.is_open and not focus_results and focus_draft is None:
        search_form.fields["posting_query"].widget.attrs["autofocus"] = True
    context: dict[str, Any] = {
        "consultation": consultation,
        "seeker": consultation.seeker,
        "interests": interests,
        "draftable": set(draftable),
        "focus_results": focus_results,
        "focus_draft": focus_draft,
        "referrals": referrals,
        "decisions": Decision.choices,
        "merge_candidates": list(
            selectors.other_consultations_of_seeker(consultation=consultation)
        ),
        "interest_form": forms_.get("interest_form") or InterestForm(seeker_id=seeker_id),
        "posting_search_form": search_form,
        "found": found,
        "discussed_before": selectors.postings_discussed_before(consultation=consultation)
        if consultation.is_open
        else [],
        "note_form": forms_.get("note_form")
        or NoteForm(seeker_id=seeker_id, initial={"note": consultation.note}),
        "action_error_form": forms_.get("action_form"),
    }
    services.staff_view_record(
        staff=request.staff, seeker=consultation.seeker, screen="consultation", target=consultation
    )
    return render(request, "counter/consultation_detail.html", context, status=status)


@staff_required
@require_GET
def consultation_detail(request: StaffRequest, pk: int) -> HttpResponse:
    """The consultation, the clerk's record of it. A supervisor who may have to state one of
    its letters (waiting for approval, or a draft that will need it) is asked first, and
    opens it with a POST from that page: reading it bars them from stating (rule 4)."""
    # With the page's data at once: the page below shows this very row (issue 18).
    consultation = access_consultation_page_for_staff(request.staff, pk)
    if consultation.merged_into_id is not None:
        messages.info(request, _("この相談は統合されました。統合先の相談を表示しています。"))
        return redirect("consultation_detail", pk=consultation.merged_into_id)
    if request.staff.can_approve and not record_opened(request, "consultation", pk):
        to_state = [
            referral
            for referral in selectors.letters_before_issue_of(consultation=consultation)
            if may_have_to_state(request.staff, referral)
        ]
        if to_state:
            return record_guard(request, "consultation", pk, to_state[0])
    return _page(request, pk, consultation=consultation)


@staff_required
@require_POST
def consultation_open_record(request: StaffRequest, pk: int) -> HttpResponse:
    """From the guard page: open the clerk's record anyway (another supervisor states)."""
    access_consultation_for_staff(request.staff, pk)
    remember_record_opened(request, "consultation", pk)
    return redirect("consultation_detail", pk=pk)


@staff_required
@require_POST
def posting_search(request: StaffRequest, pk: int) -> HttpResponse:
    """The clerk looks a posting up (selectors.posting_search, closed ones shown as closed)
    and records the seeker's decision on one of the results."""
    consultation = access_consultation_for_staff(request.staff, pk)
    form = PostingSearchForm(request.POST, seeker_id=consultation.seeker_id)
    if not form.is_valid():
        return _page(request, pk, status=400, posting_search_form=form)
    found = selectors.posting_search(query=form.cleaned_data["posting_query"], include_closed=True)
    return _page(request, pk, posting_search_form=form, found=found)


@staff_required
@require_POST
def interest_record(request: StaffRequest, pk: int) -> HttpResponse:
    """The seeker's decision on a posting: picked from a list (its id, DecisionForm) or
    typed from the paper posting (its 求人番号, InterestForm)."""
    consultation = access_consultation_for_staff(request.staff, pk)
    form: InterestForm | DecisionForm
    posting = None
    if "posting" in request.POST:
        form = DecisionForm(request.POST, seeker_id=consultation.seeker_id)
        if form.is_valid():
            posting = selectors.posting_by_id(pk=form.cleaned_data["posting"])
            if posting is None:
                form.add_error(None, _("この求人は登録されていません。"))
    else:
        form = InterestForm(request.POST, seeker_id=consultation.seeker_id)
        if form.is_valid():
            posting = selectors.posting_by_number(number=form.cleaned_data["posting_number"])
            if posting is None:
                form.add_error("posting_number", _("この求人番号の求人は登録されていません。"))
    if posting is not None:
        with refusals_onto(form):
            services.interest_record(
                consultation=consultation,
                posting=posting,
                decision=form.cleaned_data["decision"],
                staff=request.staff,
            )
            messages.success(
                request,
                with_japanese(
                    _("%(number)s（%(establishment)s）への意向を記録しました。"),
                    number=posting.number,
                    establishment=posting.establishment.name,
                ),
            )
            return redirect("consultation_detail", pk=pk)
    if isinstance(form, DecisionForm):
        return _page(request, pk, status=400, action_form=form)
    return _page(request, pk, status=400, interest_form=form)


@staff_required
@require_POST
def decision_change(request: StaffRequest, pk: int) -> HttpResponse:
    consultation = access_consultation_for_staff(request.staff, pk)
    form = DecisionForm(request.POST, seeker_id=consultation.seeker_id)
    if form.is_valid():
        interest = selectors.interest_in_posting(
            consultation=consultation, posting_id=form.cleaned_data["posting"]
        )
        if interest is None:
            form.add_error(None, _("この相談で話した求人ではありません。"))
        else:
            with refusals_onto(form):
                services.interest_record(
                    consultation=consultation,
                    posting=interest.posting,
                    decision=form.cleaned_data["decision"],
                    staff=request.staff,
                )
                messages.success(request, _("意向を変更しました。"))
                return redirect("consultation_detail", pk=pk)
    return _page(request, pk, status=400, action_form=form)


@staff_required
@require_POST
def note_update(request: StaffRequest, pk: int) -> HttpResponse:
    consultation = access_consultation_for_staff(request.staff, pk)
    form = NoteForm(request.POST, seeker_id=consultation.seeker_id)
    if form.is_valid():
        with refusals_onto(form):
            services.consultation_note_update(
                consultation=consultation, staff=request.staff, note=form.cleaned_data["note"]
            )
            messages.success(request, _("相談内容のメモを保存しました。"))
            return redirect("consultation_detail", pk=pk)
    return _page(request, pk, status=400, note_form=form)


@staff_required
@require_POST
def referral_draft(request: StaffRequest, pk: int) -> HttpResponse:
    consultation = access_consultation_for_staff(request.staff, pk)
    form = DraftForm(request.POST, seeker_id=consultation.seeker_id)
    if form.is_valid():
        interest = selectors.interest_in_posting(
            consultation=consultation, posting_id=form.cleaned_data["posting"], with_posting=True
        )
        if interest is None:
            form.add_error(None, _("この相談で話した求人ではありません。"))
        else:
            with refusals_onto(form):
                referral = services.referral_draft(
                    consultation=consultation, posting=interest.posting, staff=request.staff
                )
                return redirect("referral_detail", pk=referral.pk)
    return _page(request, pk, status=400, action_form=form)


@staff_required
@require_POST
def consultation_close(request: StaffRequest, pk: int) -> HttpResponse:
    consultation = access_consultation_for_staff(request.staff, pk)
    form = ActionForm(request.POST, seeker_id=consultation.seeker_id)
    if form.is_valid():
        with refusals_onto(form):
            services.consultation_close(consultation=consultation, staff=request.staff)
            messages.success(request, _("相談を終了しました。"))
            return redirect("counter_home")
    return _page(request, pk, status=400, action_form=form)


@staff_required
@require_POST
def consultation_merge(request: StaffRequest, pk: int) -> HttpResponse:
    """Merges another consultation of the same seeker (the source) into this one."""
    target = access_consultation_for_staff(request.staff, pk)
    form = MergeForm(request.POST, seeker_id=target.seeker_id)
    if form.is_valid():
        source = selectors.consultation_for_staff_or_none(
            staff=request.staff, pk=form.cleaned_data["source"]
        )
        if source is None:
            form.add_error(None, _("統合する相談が見つかりません。"))
        else:
            with refusals_onto(form):
                services.consultation_merge(source=source, target=target, staff=request.staff)
                messages.success(
                    request, _("相談を統合しました。紹介状の状態と紹介コードは変わりません。")
                )
                return redirect("consultation_detail", pk=pk)
    return _page(request, pk, status=400, action_form=form)
