"""The employer my page (求人者マイページ). Every view starts from the establishment-scoped
selectors (another establishment's record is a 404), calls one service and redirects;
every page that shows an applicant's personal data records the view in the audit trail."""

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN, PasswordResetConfirmView
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
)
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from employer_portal.forms import (
    ApplicantExportForm,
    ApplicantFilterForm,
    CodeCheckForm,
    MemberAddForm,
    MemberSetPasswordForm,
    MisdeliveryForm,
    RetractionAcknowledgeForm,
    SelectionResultForm,
)
from hellowork import selectors as registry
from hellowork import services as registry_services
from hellowork.access import EmployerRequest, employer_required, member_of
from hellowork.formtools import refusals_onto
from hellowork.language import with_japanese
from hellowork.models import Establishment, User
from referrals import selectors, services
from referrals.access import (
    access_applicant_for_member,
    access_colleague_for_member,
    access_invitation_for_member,
    access_quarantined_applicant_for_member,
    access_retraction_notice_for_member,
)
from referrals.exports import csv_response
from referrals.letters import letter_for_disclosure
from referrals.models import Disclosure
from referrals.results import result_window_last_day, result_window_open
from referrals.services import incidents

APPLICANTS_PER_PAGE = 25


def _result_window(applicant: Disclosure) -> dict[str, Any]:
    """The my page's result window for an applicant fetched by `applicant_for_member`:
    `window_last_day` (a date, or None when the posting's validity is not recorded) and,
    once it has passed, `window_closed` with the message to phone the referring office."""
    valid_until = applicant.posting_valid_until  # type: ignore[attr-defined]
    last_day = result_window_last_day(valid_until)
    if last_day is None or result_window_open(valid_until, timezone.now()):
        return {"window_last_day": last_day, "window_closed": ""}
    return {
        "window_last_day": last_day,
        "window_closed": services.result_window_closed_message(last_day=last_day),
    }


def _still_shown(request: EmployerRequest, applicant: Disclosure) -> bool:
    """After a refused form: whether the applicant is still the establishment's to see. A
    colleague's report (rule 11) or a retraction may have hidden it during this request;
    the form is then not shown again with the applicant's name on it."""
    return selectors.applicant_still_shown(member=request.member, disclosure=applicant)


@employer_required
@require_GET
def mypage_home(request: EmployerRequest) -> HttpResponse:
    """The applicant list: only this establishment's visible applicants, newest first."""
    member = request.member
    # One moment for the filter's counts and the rows: the list's length comes from the
    # counts, so a hold ending between the two queries must not shorten it.
    now = timezone.now()
    postings = selectors.applicant_postings(member=member, now=now)
    form = ApplicantFilterForm(request.GET or None, postings=postings)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    export_form = ApplicantExportForm(
        auto_id="id_export_%s",
        postings=postings,
        initial={"posting": filters.get("posting", ""), "status": filters.get("status", "")},
    )
    applicants = selectors.applicants_for_member(
        member=member,
        posting_number=filters.get("posting", ""),
        result=filters.get("status", ""),
        now=now,
    )
    paginator = Paginator(applicants, APPLICANTS_PER_PAGE)
    if not filters.get("status"):
        # The postings' counts add up to this list's length: no COUNT of its own (issue 18).
        chosen = filters.get("posting", "")
        paginator.count = sum(p.applicants for p in postings if chosen in ("", p.number))
    page = paginator.get_page(request.GET.get("page"))
    rows = list(page.object_list)
    services.disclosures_list_view_record(member=member, disclosures=rows)
    notices = _with_forms(selectors.unacknowledged_retraction_notices_for(member=member))
    return render(
        request,
        "employer_portal/home.html",
        {
            "member": member,
            "form": form,
            "export_form": export_form,
            "page": page,
            "rows": rows,
            "notices": notices,
            "hidden_count": selectors.quarantined_for_member(member=member).count(),
        },
    )


@employer_required
@require_POST
def applicants_export(request: EmployerRequest) -> HttpResponse:
    """The applicant list, as filtered on the page, as a CSV file (referrals.exports,
    referrals.services.exports): only this establishment's visible applicants, traced with
    the row count. A bad choice, or an export stopped by its row check, goes back to the
    list with the reason and hands out nothing."""
    member = request.member
    form = ApplicantExportForm(request.POST, postings=selectors.applicant_postings(member=member))
    if not form.is_valid():
        problems = [str(message) for errors in form.errors.values() for message in errors]
        messages.error(request, " ".join([_("CSVを作成できませんでした。"), *problems]))
        return redirect("mypage_home")
    try:
        csv_file = services.applicants_export(
            member=member,
            encoding=form.cleaned_data["encoding"],
            posting_number=form.cleaned_data["posting"],
            result=form.cleaned_data["status"],
        )
    except services.ExportRefused as refusal:
        messages.error(request, " ".join(str(message) for message in refusal.args))
        return redirect("mypage_home")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    suffix = "sjis" if csv_file.encoding == "cp932" else "utf8"
    return csv_response(
        csv_file, filename=f"applicants-{member.establishment.number}-{stamp}-{suffix}.csv"
    )


def _with_forms(
    notices: Iterable[Disclosure],
    bound: RetractionAcknowledgeForm | None = None,
    for_id: Any = None,
) -> list[tuple[Disclosure, RetractionAcknowledgeForm]]:
    """Each retraction notice with its own acknowledgement form (ids unique on the page)."""
    pairs = []
    for index, notice in enumerate(notices):
        form = RetractionAcknowledgeForm(auto_id=f"id_%s_{index}")
        if bound is not None and notice.public_id == for_id:
            bound.auto_id = f"id_%s_{index}"
            form = bound
        pairs.append((notice, form))
    return pairs


@employer_required
@require_GET
def applicant_detail(request: EmployerRequest, public_id: UUID) -> HttpResponse:
    """One applicant. One the establishment reported as unexpected is hidden until Hello
    Work decides (rule 11): its page then says so, with nothing of the applicant and no
    letter to print or result to record."""
    try:
        applicant = access_applicant_for_member(request.member, public_id)
    except Http404:
        hidden = access_quarantined_applicant_for_member(request.member, public_id)
        return render(request, "employer_portal/applicant_quarantined.html", {"hidden": hidden})
    services.disclosure_view_record(disclosure=applicant, member=request.member, page="detail")
    return render(
        request,
        "employer_portal/applicant_detail.html",
        {
            "applicant": applicant,
            "results": list(selectors.selection_results_of(disclosure=applicant)),
            "report": selectors.misdelivery_report_of(disclosure=applicant),
            **_result_window(applicant),
        },
    )


@employer_required
@require_GET
def applicant_letter(request: EmployerRequest, public_id: UUID) -> HttpResponse:
    """The referral letter as issued, for printing: the snapshot, this establishment's
    name and the issuing office, nothing else."""
    applicant = access_applicant_for_member(request.member, public_id)
    services.disclosure_view_record(disclosure=applicant, member=request.member, page="letter")
    letter = letter_for_disclosure(applicant, request.member.establishment)
    return render(
        request, "employer_portal/applicant_letter.html", {"applicant": applicant, "letter": letter}
    )


@employer_required
@require_http_methods(["GET", "POST"])
def applicant_result(request: EmployerRequest, public_id: UUID) -> HttpResponse:
    """Records 採用 / 不採用; a second record corrects the first and keeps it. After the
    result window (翌々々月末 after the posting's validity) the page shows only the message
    to phone the referring office, and the service refuses a posted form."""
    applicant = access_applicant_for_member(request.member, public_id)
    current = selectors.selection_results_of(disclosure=applicant).first()
    if request.method == "POST":
        form = SelectionResultForm(request.POST)
        if form.is_valid():
            with refusals_onto(form):
                services.selection_result_record(
                    disclosure=applicant, member=request.member, **form.cleaned_data
                )
                messages.success(request, _("選考結果を記録しました。ハローワークにも伝わります。"))
                return redirect("mypage_applicant", public_id=applicant.public_id)
        if not _still_shown(request, applicant):
            return redirect("mypage_applicant", public_id=applicant.public_id)
    else:
        initial: dict[str, Any] = {}
        if current is not None:
            initial = {
                "result": current.result,
                "start_date": current.start_date,
                "not_hired_reason": current.not_hired_reason,
                "conditions_differ": "yes" if current.conditions_differ else "no",
                "conditions_difference": current.conditions_difference,
            }
        form = SelectionResultForm(initial=initial)
    services.disclosure_view_record(disclosure=applicant, member=request.member, page="result_form")
    return render(
        request,
        "employer_portal/applicant_result.html",
        {"applicant": applicant, "form": form, "current": current, **_result_window(applicant)},
    )


@employer_required
@require_http_methods(["GET", "POST"])
def applicant_misdelivery(request: EmployerRequest, public_id: UUID) -> HttpResponse:
    """ "この応募者に心当たりがない": an alert at the issuing office, in this request."""
    applicant = access_applicant_for_member(request.member, public_id)
    report = selectors.misdelivery_report_of(disclosure=applicant)
    form = MisdeliveryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusals_onto(form):
            services.misdelivery_report(
                disclosure=applicant, member=request.member, note=form.cleaned_data["note"]
            )
            messages.success(
                request,
                _(
                    "ハローワークに報告しました。担当者から連絡します。この応募者の情報は控えを取らずにお待ちください。"
                ),
            )
            return redirect("mypage_applicant", public_id=applicant.public_id)
        if not _still_shown(request, applicant):
            return redirect("mypage_applicant", public_id=applicant.public_id)
    services.disclosure_view_record(
        disclosure=applicant, member=request.member, page="misdelivery_form"
    )
    return render(
        request,
        "employer_portal/applicant_misdelivery.html",
        {"applicant": applicant, "form": form, "report": report},
    )


CODE_CHECK_TYPED_SESSION_KEY = "code_check_typed"


@employer_required
@require_http_methods(["GET", "POST"])
def code_check(request: EmployerRequest) -> HttpResponse:
    """Rule 9: a code from a letter an applicant brought. The answer is shown after a
    redirect, so reloading the page never checks (or alerts) twice; what was typed waits
    in the session for that one page, so the field keeps it for correcting. The page says
    how many failed checks are left."""
    form = CodeCheckForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        typed = form.cleaned_data["code"]
        answer = services.code_check(member=request.member, code=typed)
        if answer.ok and answer.disclosure is not None:
            messages.success(request, answer.message)
            return redirect("mypage_applicant", public_id=answer.disclosure.public_id)
        messages.warning(request, answer.message)
        request.session[CODE_CHECK_TYPED_SESSION_KEY] = typed
        return redirect("mypage_code_check")
    if request.method == "GET":
        form = CodeCheckForm(
            initial={"code": request.session.pop(CODE_CHECK_TYPED_SESSION_KEY, "")}
        )
    return render(
        request,
        "employer_portal/code_check.html",
        {"form": form, "left": services.employer.code_checks_left(member=request.member)},
    )


@employer_required
@require_GET
def notices(request: EmployerRequest) -> HttpResponse:
    """Applicants Hello Work sent in error and withdrew (rule 8): no personal data, only
    the posting and the referral date, and whether the establishment confirmed keeping no
    copy."""
    rows = _with_forms(selectors.retraction_notices_for(member=request.member))
    return render(request, "employer_portal/notices.html", _notices_context(request, rows))


def _notices_context(request: EmployerRequest, rows: list[Any]) -> dict[str, Any]:
    """The retraction notices, and the applicants the establishment reported: hidden while
    Hello Work checks (rule 11), or shown again after it found the referral right."""
    return {
        "notices": rows,
        "hidden": list(selectors.quarantined_for_member(member=request.member)),
        "restored": list(selectors.restored_for_member(member=request.member)[:20]),
    }


@employer_required
@require_POST
def notice_acknowledge(request: EmployerRequest, public_id: UUID) -> HttpResponse:
    notice = access_retraction_notice_for_member(request.member, public_id)
    form = RetractionAcknowledgeForm(request.POST)
    if form.is_valid():
        try:
            incidents.retraction_acknowledge(disclosure=notice, member=request.member)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("確認をハローワークに伝えました。ご協力ありがとうございました。"),
            )
        return redirect("mypage_notices")
    rows = _with_forms(
        selectors.retraction_notices_for(member=request.member), form, notice.public_id
    )
    return render(
        request, "employer_portal/notices.html", _notices_context(request, rows), status=400
    )


@employer_required
@require_http_methods(["GET", "POST"])
def members(request: EmployerRequest) -> HttpResponse:
    """The establishment's logins and open invitations; its primary member adds colleagues
    here. Every address added gets the same answer and the same row (hellowork.services.
    employer_member_add), whether or not it is registered elsewhere."""
    member = request.member
    form = MemberAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with refusals_onto(form):
            invitation = registry_services.employer_member_add(
                by=member, email=form.cleaned_data["email"], name=form.cleaned_data["name"]
            )
            messages.success(
                request,
                with_japanese(
                    _(
                        "%(name)sさんを招待しました。パスワード設定用のメールを送ります"
                        "（届くまで数分かかることがあります）。"
                    ),
                    name=invitation.name,
                ),
            )
            return redirect("mypage_members")
    invitations = list(registry_services.open_invitations(establishment=member.establishment))
    waiting = {invitation.member_id for invitation in invitations}
    active = [
        m
        for m in registry.active_members_of(establishment=member.establishment)
        if m.pk not in waiting
    ]
    seats = len(active) + len(invitations)
    return render(
        request,
        "employer_portal/members.html",
        {
            "form": form,
            "members": active,
            "invitations": invitations,
            "seats": seats,
            "max_members": Establishment.MAX_MEMBERS,
            "can_add": member.is_primary and seats < Establishment.MAX_MEMBERS,
        },
    )


@employer_required
@require_http_methods(["GET", "POST"])
def invitation_cancel(request: EmployerRequest, pk: int) -> HttpResponse:
    invitation = access_invitation_for_member(request.member, pk)
    if not request.member.is_primary:
        raise PermissionDenied
    if request.method == "POST":
        try:
            registry_services.employer_invitation_cancel(invitation=invitation, by=request.member)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                with_japanese(_("%(name)sさんへの招待を取り消しました。"), name=invitation.name),
            )
        return redirect("mypage_members")
    return render(request, "employer_portal/invitation_cancel.html", {"invitation": invitation})


@employer_required
@require_http_methods(["GET", "POST"])
def member_remove(request: EmployerRequest, pk: int) -> HttpResponse:
    target = access_colleague_for_member(request.member, pk)
    if not request.member.is_primary:
        raise PermissionDenied
    if request.method == "POST":
        try:
            registry_services.employer_member_remove(member=target, by=request.member)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, with_japanese(_("%(name)sさんを削除しました。"), name=target.user.name)
            )
        return redirect("mypage_members")
    return render(request, "employer_portal/member_remove.html", {"target": target})


class MemberPasswordSetView(PasswordResetConfirmView):
    """The link in a new member's e-mail: Django's reset-token machinery, for my-page
    logins only, writing through the registry service."""

    form_class = MemberSetPasswordForm
    template_name = "employer_portal/password_set.html"
    success_url = reverse_lazy("employer_login")
    title = ""
    http_method_names = ["get", "post"]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # The parent answers an unusable link before looking at the method.
        if (request.method or "").lower() not in self.http_method_names:
            return self.http_method_not_allowed(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def get_user(self, uidb64: str) -> User | None:
        user = super().get_user(uidb64)
        return user if member_of(user) is not None else None

    def form_valid(self, form: MemberSetPasswordForm) -> HttpResponse:  # type: ignore[override]
        assert self.user is not None  # a valid link: dispatch found the user
        registry_services.employer_password_set(
            user=self.user, password=form.cleaned_data["new_password1"]
        )
        del self.request.session[INTERNAL_RESET_SESSION_TOKEN]
        messages.success(
            self.request,
            _("パスワードを設定しました。メールアドレスと新しいパスワードでログインしてください。"),
        )
        return HttpResponseRedirect(self.get_success_url())
