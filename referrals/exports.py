"""CSV files to take away: the employer's applicant list and the office's figures (issue 20).

What every CSV written here holds to, whoever asks for it:

- **Two encodings, for Excel.** `utf-8-sig` (UTF-8 with a byte-order mark, so that Excel
  opens it as UTF-8: every character as written) or `cp932` (Windows' Shift_JIS, what an
  older Excel or a main-frame import expects). CP932 has no 𠮷, no 𩸽 and other characters
  outside JIS X 0208 and its NEC/IBM extensions: such a character is **replaced by 〓**
  (げた, the mark Japanese systems print for a character they cannot show), never a crash
  and never a refusal; the count of cells changed is returned (and traced by the caller),
  and the page says to choose UTF-8 for the exact spelling. Before that, the characters
  whose Unicode form differs between JIS and CP932 (〜 WAVE DASH, − MINUS SIGN, ‖, —, ¢, £,
  ¬) are written as their CP932 twins (～, －, ∥, ―, ￠, ￡, ￢), so "9時〜17時" stays itself.
- **No formulas** (OWASP "CSV Injection"): a cell that begins, after any spaces, with
  `=`, `+`, `-`, `@`, a tab, a carriage return, a line feed or a NUL (OWASP's list and
  ASVS 5.0's 1.2.10), or their full-width forms
  ＝ ＋ － ＠, gets a single quote in front, so a spreadsheet shows it as text. A name
  `=HYPERLINK("x")` comes out as `'=HYPERLINK("x")`. Every cell is quoted (embedded
  quotes doubled by the csv module); lines end in CRLF.
- **The response** is an attachment with an ASCII file name the caller makes from ids and
  dates only (no personal data), `Cache-Control: no-store, private`, and
  `X-Content-Type-Options: nosniff` (the security middleware's).
"""

import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.http import HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy as _


class CsvEncoding(models.TextChoices):
    UTF8_BOM = "utf-8-sig", _("UTF-8（BOM付き）")
    CP932 = "cp932", _("Shift_JIS（CP932・Excel向け）")


REPLACEMENT = "〓"  # U+3013 GETA MARK

# Characters JIS X 0208 and CP932 map to different Unicode code points: written as the
# CP932 code point, they stay the character the reader meant instead of becoming 〓.
CP932_TWINS = str.maketrans(
    {
        "\u301c": "\uff5e",  # 〜 WAVE DASH -> ～
        "\u2016": "\u2225",  # ‖ DOUBLE VERTICAL LINE -> ∥
        "\u2212": "\uff0d",  # − MINUS SIGN -> －
        "\u2014": "\u2015",  # — EM DASH -> ―
        "\u00a2": "\uffe0",  # ¢ -> ￠
        "\u00a3": "\uffe1",  # £ -> ￡
        "\u00ac": "\uffe2",  # ¬ -> ￢
    }
)

# What a spreadsheet may take as the start of a formula (OWASP, ASVS 1.2.10), with the full-width forms
# an input method produces and Japanese Excel reads as their half-width twins.
FORMULA_STARTS = frozenset("=+-@\t\r\n\0＝＋－＠\u2212")


def _is_leading_blank(char: str) -> bool:
    """Characters a spreadsheet may skip before a formula: any space (ASCII, no-break,
    em, ideographic: Unicode Zs), a control character (vertical tab, form feed...) or an
    invisible format character (zero-width space, an in-cell BOM: Cf)."""
    return char.isspace() or unicodedata.category(char) in {"Zs", "Cc", "Cf"}


def neutralise(value: str) -> str:
    """The cell as a spreadsheet will show it as text: a single quote in front when it
    begins, after any blanks (`_is_leading_blank`), with a character that could start a
    formula in any of its forms: = + - @, tab, CR, LF, NUL, their full-width and small
    forms (NFKC folds ﹦ ＝ to =) and the minus sign U+2212 (OWASP "CSV injection");
    unchanged otherwise."""
    for char in value:
        if char in FORMULA_STARTS or unicodedata.normalize("NFKC", char) in FORMULA_STARTS:
            return "'" + value
        if not _is_leading_blank(char):
            return value
    return value


def _cp932_safe(value: str) -> tuple[str, bool]:
    """The text CP932 can encode, and whether a character had to become 〓."""
    value = value.translate(CP932_TWINS)
    try:
        value.encode("cp932")
    except UnicodeEncodeError:
        safe = "".join(_cp932_char(char) for char in value)
        return safe, True
    return value, False


def _cp932_char(char: str) -> str:
    try:
        char.encode("cp932")
    except UnicodeEncodeError:
        return REPLACEMENT
    return char


@dataclass(frozen=True)
class CsvFile:
    """A written CSV: its bytes, how many data rows, how many cells CP932 could not hold
    as written (each such character became 〓), and its encoding."""

    content: bytes
    rows: int
    replaced_cells: int
    encoding: str


class CsvWriter:
    """Writes a header and rows, one at a time (so that a caller can check each row right
    before it is written), and gives back the encoded file at the end."""

    def __init__(self, *, header: Sequence[Any], encoding: str) -> None:
        if encoding not in CsvEncoding.values:
            raise ValueError(encoding)
        self.encoding = encoding
        self.rows = 0
        self.replaced_cells = 0
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        self._write(header)

    def _cell(self, value: Any) -> str:
        text = "" if value is None else str(value)
        if self.encoding == CsvEncoding.CP932:
            text, replaced = _cp932_safe(text)
            self.replaced_cells += replaced
        return neutralise(text)

    def _write(self, cells: Iterable[Any]) -> None:
        self._writer.writerow([self._cell(value) for value in cells])

    def row(self, cells: Iterable[Any]) -> None:
        self._write(cells)
        self.rows += 1

    def finish(self) -> CsvFile:
        # Every cell is already encodable: strict encoding would only fail on a bug.
        content = self._buffer.getvalue().encode(self.encoding)
        return CsvFile(
            content=content,
            rows=self.rows,
            replaced_cells=self.replaced_cells,
            encoding=self.encoding,
        )


def write_csv(*, header: Sequence[Any], rows: Iterable[Sequence[Any]], encoding: str) -> CsvFile:
    """A whole CSV from rows that need no check of their own (the office's figures)."""
    writer = CsvWriter(header=header, encoding=encoding)
    for row in rows:
        writer.row(row)
    return writer.finish()


def csv_response(csv_file: CsvFile, *, filename: str) -> HttpResponse:
    """The file as a download. `filename` must be ASCII letters, digits, dots, hyphens and
    underscores only (made from ids and dates, never from personal data)."""
    if not filename or not all(
        char.isascii() and (char.isalnum() or char in ".-_") for char in filename
    ):
        raise ValueError("an export's file name must be plain ASCII")
    # Windows-31J is CP932's registered name (a label browsers read as Shift_JIS).
    charset = "utf-8" if csv_file.encoding == CsvEncoding.UTF8_BOM else "Windows-31J"
    response = HttpResponse(csv_file.content, content_type=f"text/csv; charset={charset}")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    patch_cache_control(response, no_store=True, private=True)
    return response
