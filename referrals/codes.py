"""Referral codes (紹介コード, DESIGN.md rule 6).

Ten random Crockford base32 symbols (50 bits from `secrets`) and a check symbol computed
with the Luhn mod N algorithm over the same 32 symbols, grouped for reading:
`7K3M-9Q2X-HT4`. The check symbol catches every single mistyped symbol and every swap
of two adjacent ones except 0 and Z (the one blind spot of Luhn mod N).

Reading is forgiving where Crockford is (lower case, I and L for 1, O for 0), and where
Japanese input is (full-width characters, any dash, spaces), and strict about the rest.
"""

import re
import secrets
import unicodedata

from hellowork.identifiers import DASHES

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
N = len(ALPHABET)
DATA_LENGTH = 10
GROUPS = (4, 4, 3)
FORMAT = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{3}$")
_CONFUSABLE = str.maketrans({"I": "1", "L": "1", "O": "0"})


def check_symbol(data: str) -> str:
    """Luhn mod N: double every second value from the right, sum the base-N digits."""
    total = 0
    factor = 2
    for symbol in reversed(data):
        addend = factor * ALPHABET.index(symbol)
        total += addend // N + addend % N
        factor = 1 if factor == 2 else 2
    return ALPHABET[(N - total % N) % N]


def is_valid(compact: str) -> bool:
    """Does the last symbol check the others? (`compact`: 11 symbols, no hyphens)"""
    return check_symbol(compact[:-1]) == compact[-1]


def group(compact: str) -> str:
    parts, start = [], 0
    for size in GROUPS:
        parts.append(compact[start : start + size])
        start += size
    return "-".join(parts)


def generate() -> str:
    data = "".join(secrets.choice(ALPHABET) for _ in range(DATA_LENGTH))
    return group(data + check_symbol(data))


class MalformedCode(ValueError):
    pass


def parse(typed: str) -> str:
    """The grouped code a person meant, or MalformedCode (wrong length, letters outside
    the alphabet, or a check symbol that does not match: a typo)."""
    text = unicodedata.normalize("NFKC", typed or "").upper()
    compact = re.sub(r"[\s-]", "", DASHES.sub("-", text)).translate(_CONFUSABLE)
    if len(compact) != DATA_LENGTH + 1 or any(symbol not in ALPHABET for symbol in compact):
        raise MalformedCode(typed)
    if not is_valid(compact):
        raise MalformedCode(typed)
    return group(compact)
