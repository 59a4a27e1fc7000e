"""A logging filter that masks what could identify a person before a line is written.

Nothing in this project logs personal data on purpose; this is the net under that rule,
for what frameworks log by themselves (a request line's query string, an e-mail address
in an error) and for exceptions: their text and the traceback under them (a database
error quotes the row it refused). It masks e-mail addresses, phone numbers, Hello Work
numbers (a seeker's number has the shape of a posting's: both are masked), dates (birth
dates, in any of the shapes Python and the databases print), referral codes, one-time and
pairing codes (six or more digits), every query string, and all Japanese text (names,
kana, addresses; a traceback's Japanese source lines go with them).
"""

import logging
import re

CROCKFORD = "[0-9A-HJKMNP-TV-Z]"
MASKS = [
    (re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"), "<email>"),
    (re.compile(r"\?[^\s\"']*"), "?<query>"),
    (re.compile(r"\b0\d{1,4}-\d{1,4}-\d{3,4}\b"), "<phone>"),
    (re.compile(r"\b\d{5}-\d{1,8}\b"), "<number>"),
    (re.compile(rf"\b{CROCKFORD}{{4}}-{CROCKFORD}{{4}}-{CROCKFORD}{{3}}\b", re.I), "<code>"),
    (re.compile(r"\b(date|datetime)\(\d{4}, \d{1,2}, \d{1,2}[^)]*\)"), "<date>"),
    (re.compile(r"\b\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\b"), "<date>"),
    (re.compile(r"\b\d{6,}\b"), "<digits>"),
    # Kana, kanji and full-width forms, with the spaces between their words.
    (re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]+"), "<ja>"),
]


def mask(text: str) -> str:
    for pattern, replacement in MASKS:
        text = pattern.sub(replacement, text)
    return text


class MaskPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask(record.getMessage())
        record.args = None
        if record.exc_info:
            # The handler would format the exception after this filter, unmasked: format it
            # here, masked, and leave nothing for a handler to format again.
            record.exc_text = mask(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return True
