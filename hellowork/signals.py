"""Authentication events in the audit trail (rule 10): who signed in, who failed, who was
locked out, who signed out. A failed username is kept only as a keyed hash, so attempts on
one account can be counted without storing what was typed (often an e-mail address)."""

import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.dispatch import Signal, receiver

from hellowork import audit

# Sent by seed_demo once the registry is built, so that apps above hellowork (which it must
# not import) can add their own demo history through their own services.
demo_built = Signal()

# Sent by hellowork.services, inside the transaction of the write, after a registry record
# changed (`sender` its model class; `instance`, `fields` the names of the fields that
# changed, `actor` the User). The referral side raises its alerts from it (rule 13):
# hellowork must not import referrals.
registry_changed = Signal()

# Sent by hellowork.services inside the transaction that protects a seeker or excludes
# more establishments (`protection`, `establishment_ids` the newly excluded, `staff`).
seeker_protected = Signal()


def username_tag(username: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, username.strip().lower().encode(), hashlib.sha256).hexdigest()[:16]


def _side(request: Any) -> str:
    path = getattr(request, "path", "") or ""
    return "mypage" if path.startswith("/mypage/") else "counter"


@receiver(user_logged_in, dispatch_uid="audit_login")
def record_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    with transaction.atomic():
        audit.record("auth.login", actor=user, detail={"side": _side(request)})


@receiver(user_logged_out, dispatch_uid="audit_logout")
def record_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        with transaction.atomic():
            audit.record("auth.logout", actor=user)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def record_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    with transaction.atomic():
        audit.record(
            "auth.login_failed",
            actor=None,
            detail={
                "side": _side(request),
                "username": username_tag(str(credentials.get("username", ""))),
            },
        )


def record_locked_out(
    sender: Any, request: Any, username: str, ip_address: str, **kwargs: Any
) -> None:
    with transaction.atomic():
        audit.record(
            "auth.locked_out", actor=None, detail={"username": username_tag(username or "")}
        )
