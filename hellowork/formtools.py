"""A service's refusal, shown on the form it came from.

Views call one service when their form is valid; a ValidationError from the service is a
refusal a person must read on the same page, next to the field it is about:

    if form.is_valid():
        with refusals_onto(form):
            services.referral_submit(referral=referral, staff=request.staff)
            return redirect(...)
    return page_with(form, status=400)
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django import forms
from django.core.exceptions import ValidationError


def add_errors(form: forms.Form, error: ValidationError) -> None:
    """The refusal on its field when the form has that field, else above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@contextmanager
def refusals_onto(form: forms.Form) -> Iterator[None]:
    try:
        yield
    except ValidationError as error:
        add_errors(form, error)
