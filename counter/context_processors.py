"""What every counter page shows in its header."""

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from referrals import selectors


def counter(request: HttpRequest) -> dict[str, Any]:
    """The office's open critical alerts, for supervisors and managers on every counter page
    (rule 12); counted only when a page uses it."""
    staff = getattr(request, "staff", None)
    if staff is None or not staff.can_approve:
        return {}
    return {
        "counter_critical_alerts": SimpleLazyObject(
            lambda: selectors.open_critical_alert_count(office_id=staff.office_id)
        )
    }
