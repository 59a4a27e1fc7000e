"""A logging filter that masks what could identify a person before a line is written.

Nothing in this project logs personal data on purpose; this is the net under that rule,
for what frameworks log by themselves (a request line's query string, an e-mail address
in an error). It masks e-mail addresses, phone numbers, Hello Work numbers (a seeker's
number has the shape of a posting's: both are masked) and every query string.
"""

import logging
import re

MASKS = [
    (re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"), "<email>"),
    (re.compile(r"\?[^\s\"']*"), "?<query>"),
    (re.compile(r"\b0\d{1,4}-\d{1,4}-\d{3,4}\b"), "<phone>"),
    (re.compile(r"\b\d{5}-\d{1,8}\b"), "<number>"),
]


def mask(text: str) -> str:
    for pattern, replacement in MASKS:
        text = pattern.sub(replacement, text)
    return text


class MaskPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask(record.getMessage())
        record.args = None
        return True
