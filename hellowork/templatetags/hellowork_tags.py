import datetime

from django import template
from django.utils import timezone

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
