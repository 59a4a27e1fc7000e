"""Data written in Japanese, marked as such on any page.

Names, kana, addresses, establishment names, job titles and notes people typed are shown as
written whatever the interface language. Wrapping them in an element with `lang="ja"` tells a
screen reader to read them in Japanese, and lets tests/language.py tell an English page's
untranslated chrome from its data. Templates use the `ja` filter (hellowork_tags); code that
builds a message or a choice label uses these.
"""

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe


def japanese(value: Any) -> SafeString:
    """<span lang="ja">value</span> (escaped); nothing for an empty value."""
    if value in (None, ""):
        return mark_safe("")
    return format_html('<span lang="ja">{}</span>', value)


def with_japanese(message: str, **values: Any) -> SafeString:
    """A translated message with %(name)s placeholders filled with Japanese data, e.g. for
    messages.success(): the message is escaped, each value escaped and marked."""
    marked = {name: japanese(value) for name, value in values.items()}
    return mark_safe(conditional_escape(message) % marked)  # noqa: S308 - every part escaped


if TYPE_CHECKING:
    # Generic in django-stubs only: Django's form field takes no [...] at runtime.
    from django.db.models import Model

    ModelChoiceFieldBase = forms.ModelChoiceField[Model]
else:
    ModelChoiceFieldBase = forms.ModelChoiceField


class JapaneseModelChoiceField(ModelChoiceFieldBase):
    """Choices named by data (a desk's name, 第1窓口): each label marked lang="ja" (radio
    labels can hold markup; a select's options cannot, see JapaneseOptionsSelect)."""

    def label_from_instance(self, obj: Any) -> str:
        return japanese(super().label_from_instance(obj))


class JapaneseOptionsSelect(forms.Select):
    """A select whose options, past an empty "all" one, are data (posting numbers and job
    titles): each such option is marked lang="ja"."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        if option["value"] not in ("", None):
            option["attrs"]["lang"] = "ja"
        return option
