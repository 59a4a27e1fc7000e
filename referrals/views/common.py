from collections.abc import Callable
from functools import wraps
from typing import Concatenate

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse

from hellowork.access import StaffRequest


def add_errors(form: forms.Form, error: ValidationError) -> None:
    """Shows a service's refusal on the form: on its field when the form has it."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


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
