from collections.abc import Callable
from functools import wraps
from typing import Concatenate

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse

from hellowork.access import StaffRequest


def supervisor_required[**P](
    view: Callable[Concatenate[StaffRequest, P], HttpResponse],
) -> Callable[Concatenate[StaffRequest, P], HttpResponse]:
    """For screens only supervisors and managers use (under staff_required)."""

    @wraps(view)
    def wrapper(request: StaffRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        if not request.staff.can_approve:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
