import datetime

import pytest

from hellowork.wareki import wareki


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2025, 6, 9), "令和7年6月9日"),
        (datetime.date(2019, 5, 1), "令和元年5月1日"),
        (datetime.date(2019, 4, 30), "平成31年4月30日"),
        (datetime.date(1989, 1, 8), "平成元年1月8日"),
        (datetime.date(1989, 1, 7), "昭和64年1月7日"),
        (datetime.date(1926, 12, 24), "1926年12月24日"),
    ],
)
def test_wareki(day, expected):
    assert wareki(day) == expected
