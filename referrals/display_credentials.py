"""The seeker-facing display's secrets (DESIGN.md rule 3): its one-time pairing code and the
device credential its browser keeps afterwards.

Neither is stored: the database holds keyed digests (HMAC with the site's secret key), so
a copy of the table pairs nothing. The credential is a signed cookie value naming the
display and carrying a random secret; it is good only while the display is active and the
secret is the one its last pairing set.
"""

import secrets
import unicodedata

from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

COOKIE_NAME = "hellowork_display"
# Browsers keep a cookie at most 400 days; a display is re-paired after that.
COOKIE_MAX_AGE = 400 * 24 * 60 * 60
PAIRING_CODE_DIGITS = 10
_SALT = "hellowork.display.credential"


def digest(value: str, *, purpose: str) -> str:
    return salted_hmac(f"hellowork.display.{purpose}", value, algorithm="sha256").hexdigest()


def new_pairing_code() -> str:
    """Ten random digits: typed on a numeric keypad, shown as 12345-67890."""
    return "".join(secrets.choice("0123456789") for _ in range(PAIRING_CODE_DIGITS))


def normalize_pairing_code(typed: str) -> str:
    """The digits of what was typed (full-width digits allowed); anything else dropped."""
    text = unicodedata.normalize("NFKC", typed or "")
    return "".join(ch for ch in text if ch.isascii() and ch.isdigit())[:32]


def format_pairing_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def new_device_secret() -> str:
    return secrets.token_urlsafe(32)


def sign(*, display_id: int, secret: str) -> str:
    return signing.dumps({"d": display_id, "s": secret}, salt=_SALT, compress=False)


def unsign(value: str) -> tuple[int, str] | None:
    """(display id, secret) from a cookie value, or None when it is not one we signed."""
    try:
        data = signing.loads(value, salt=_SALT, max_age=COOKIE_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    display_id, secret = data.get("d"), data.get("s")
    if not isinstance(display_id, int) or not isinstance(secret, str) or not secret:
        return None
    return display_id, secret


def secret_matches(secret: str, stored_digest: str) -> bool:
    return bool(stored_digest) and constant_time_compare(
        digest(secret, purpose="device"), stored_digest
    )
