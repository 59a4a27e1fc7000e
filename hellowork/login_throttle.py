"""Login throttling: django-axes counting failures three ways, each with its own limit.

axes compares every way of counting (AXES_LOCKOUT_PARAMETERS) with one AXES_FAILURE_LIMIT.
Here each way has its own limit (LOGIN_FAILURE_LIMITS, in the same order): a username from
one address (a few typos), one address across usernames (spraying), and one username from
every address together (guessing from many machines). A login is refused while any of them
is at its limit; the cool-off is AXES_COOLOFF_TIME after the last counted failure.
"""

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest


def limits() -> list[int]:
    return [
        settings.AXES_FAILURE_LIMIT,
        settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS,
        settings.LOGIN_FAILURE_LIMIT_PER_USERNAME,
    ]


class LoginThrottleHandler(AxesDatabaseHandler):
    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        """How far along the nearest limit is, on axes' own scale: each count is scaled to
        AXES_FAILURE_LIMIT, so axes locks exactly when one count reaches its own limit."""
        scale = settings.AXES_FAILURE_LIMIT
        counts = [
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        ]
        return max(count * scale // limit for count, limit in zip(counts, limits(), strict=True))

    def reset_user_attempts(
        self, request: HttpRequest, credentials: dict[str, Any] | None = None
    ) -> int:
        """A right password clears that username's failures from that address only: a
        sprayer with one valid account cannot wipe the address's count, and a colleague's
        login does not wipe anybody else's."""
        deleted: int
        deleted, _ = AccessAttempt.objects.filter(
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address,  # type: ignore[attr-defined]
        ).delete()
        return deleted
