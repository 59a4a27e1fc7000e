import datetime
from collections.abc import Mapping
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext

from hellowork.wareki import wareki as to_wareki

register = template.Library()


@register.filter
def wareki(value: datetime.date | datetime.datetime | None) -> str:
    """{{ day|wareki }} → 令和7年6月9日 (a datetime is taken in local time)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return to_wareki(value)


@register.filter
def get_item(mapping: Mapping[str, Any], key: str) -> Any:
    """{{ counts|get_item:key }}: a dictionary's value in a template (0 when absent)."""
    return mapping.get(key, 0)


@register.filter
def aside(value: Any) -> str:
    """{{ name|aside }} → （name） in Japanese, " (name)" in English: the brackets of an
    aside belong to the language."""
    if value in (None, ""):
        return ""
    return format_html(gettext("（{}）"), value)


@register.filter
def masked_digits(number: str) -> str:
    """A posting number with its last four digits hidden (07010-1234●●●●): the clerk types
    them from the paper posting in the seeker's hand, not from the screen (DESIGN.md rule 3)."""
    text = str(number or "")
    digits = [i for i, ch in enumerate(text) if ch.isdigit()][-4:]
    return "".join("●" if i in digits else ch for i, ch in enumerate(text))
