import datetime
from collections.abc import Mapping
from typing import Any

from django import template
from django.conf import settings
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import get_language, gettext, ngettext

from hellowork.language import japanese
from hellowork.wareki import wareki as to_wareki

register = template.Library()


def _japanese() -> bool:
    return (get_language() or settings.LANGUAGE_CODE).startswith("ja")


def _local_day(value: datetime.date | datetime.datetime) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date()
    return value


@register.filter
def wareki(value: datetime.date | datetime.datetime | None) -> str:
    """{{ day|wareki }}: the date as its reader counts years. Japanese: the era, as Hello
    Work prints it (令和7年6月9日); English: the Western calendar (9 June 2025). A datetime is
    taken in local time."""
    if value is None:
        return ""
    day = _local_day(value)
    if _japanese():
        return to_wareki(day)
    return formats.date_format(day, "DATE_FORMAT")


@register.filter
def era(value: datetime.date | datetime.datetime | None) -> str:
    """{{ day|era }}: the date in the Japanese era for a Japanese reader, shown beside a
    Western date; nothing in English, where the Western date beside it says it all."""
    if value is None or not _japanese():
        return ""
    return to_wareki(_local_day(value))


@register.filter
def age(value: int | None) -> str:
    """{{ seeker.age|age }} → 34歳 ("34 years old" in English); nothing for an unknown age.
    A filter rather than a {% blocktranslate count %} in each template: the same words
    everywhere, at a fraction of the cost in a list's rows (issue 18)."""
    if value is None:
        return ""
    return ngettext("%(age)s歳", "%(age)s歳", value) % {"age": value}


@register.filter
def ja(value: Any) -> str:
    """{{ seeker.name|ja }} → <span lang="ja">山田 花子</span>: data written in Japanese (names,
    kana, addresses, job titles, notes people typed) keeps its language on an English page,
    for screen readers and for the test that finds untranslated chrome (tests/language.py)."""
    return japanese(value)


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


@register.simple_tag
def protection_of(seeker: Any) -> Any:
    """{% protection_of seeker as protection %}: the seeker's protection in force (rule 13),
    with its excluded establishments, or None."""
    from hellowork import selectors

    return selectors.active_protection(seeker=seeker) if seeker is not None else None
