"""Form fields shared by the counter and the my page."""

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from hellowork.wareki import parse_date


class SpokenDateField(forms.CharField):
    """A date typed as it was said: western or Japanese era, full-width or not (and the
    ISO date a browser's date picker sends)."""

    default_error_messages = {
        "invalid_date": _(
            "日付は「1985-04-01」「19850401」「昭和60年4月1日」のように入力してください。"
        ),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.update({"autocomplete": "off"})

    def clean(self, value: Any) -> datetime.date | None:
        text = super().clean(value)
        if not text:
            return None  # not required and left empty
        try:
            return parse_date(text)
        except ValueError:
            raise ValidationError(
                self.error_messages["invalid_date"], code="invalid_date"
            ) from None
