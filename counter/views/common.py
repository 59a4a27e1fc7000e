import time
from collections.abc import Callable
from functools import wraps
from typing import Concatenate

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render

from hellowork.access import StaffRequest
from hellowork.models import StaffMember
from referrals import services
from referrals.models import ReferralLetter, ReferralStatus


def supervisor_required[**P](
    view: Callable[Concatenate[StaffRequest, P], HttpResponse],
) -> Callable[Concatenate[StaffRequest, P], HttpResponse]:
    """For screens only supervisors and managers use (under staff_required)."""

    @wraps(view)
    def wrapper(request: StaffRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        if not request.staff.can_approve:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


# -- the clerk's record and the supervisor who may have to state it (rule 4) --------------

RECORD_SESSION_KEY = "clerks_record_opened"
RECORD_OPEN_SECONDS = 10 * 60


def may_have_to_state(staff: StaffMember, referral: ReferralLetter) -> bool:
    """Whether this staff member could be the one to state this letter's posting: a
    supervisor or manager who did not make it, while it waits for approval or is a draft
    that will need it."""
    if not staff.can_approve or staff.pk in (
        referral.drafted_by_id,
        referral.submitted_by_id,
        referral.consultation.staff_id,
    ):
        return False
    if referral.status == ReferralStatus.PENDING_APPROVAL:
        return True
    return referral.status == ReferralStatus.DRAFT and bool(services.approval_reasons(referral))


def record_opened(request: StaffRequest, kind: str, pk: int) -> bool:
    """The supervisor chose, on the guard page and within the last minutes, to open it."""
    opened: float = request.session.get(RECORD_SESSION_KEY, {}).get(f"{kind}:{pk}", 0)
    return time.time() - opened < RECORD_OPEN_SECONDS


def remember_record_opened(request: StaffRequest, kind: str, pk: int) -> None:
    now = time.time()
    opened = {
        key: at
        for key, at in request.session.get(RECORD_SESSION_KEY, {}).items()
        if now - at < RECORD_OPEN_SECONDS
    }
    opened[f"{kind}:{pk}"] = now
    request.session[RECORD_SESSION_KEY] = opened


def record_guard(
    request: StaffRequest, kind: str, pk: int, referral: ReferralLetter
) -> HttpResponse:
    """The page a supervisor sees before the clerk's record of a letter they may have to
    state: go to the approval, or open the record (a POST: a link sent by someone else
    cannot open it for them)."""
    return render(
        request,
        "counter/record_guard.html",
        {"kind": kind, "pk": pk, "referral": referral},
    )
