"""referrals.exports, the CSV writer itself: no cell starts a formula, cp932 gets the
full-width minus, an unknown encoding is refused."""

import csv
import io

import pytest

from referrals.exports import neutralise, write_csv


@pytest.mark.parametrize(
    ("value", "out"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("\n=1", "'\n=1"),
        ("\0=1", "'\0=1"),
        ("＝1", "'＝1"),
        ("＋1", "'＋1"),
        ("－1", "'－1"),
        ("＠A1", "'＠A1"),
        ("  =1", "'  =1"),
        ("\u3000=1", "'\u3000=1"),
        ("山田 =1", "山田 =1"),
        ("07040-12345678", "07040-12345678"),
        ("", ""),
    ],
)
def test_neutralise(value, out):
    assert neutralise(value) == out


def test_a_minus_sign_becomes_a_full_width_minus_and_is_neutralised_in_cp932():
    written = write_csv(header=["a"], rows=[["−1"], ["〜"]], encoding="cp932")
    rows = list(csv.reader(io.StringIO(written.content.decode("cp932"), newline="")))
    assert rows == [["a"], ["'－1"], ["～"]]
    assert written.replaced_cells == 0


def test_an_unknown_encoding_is_refused():
    with pytest.raises(ValueError):
        write_csv(header=["a"], rows=[], encoding="latin-1")
