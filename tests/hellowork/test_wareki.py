import datetime

import pytest

from hellowork.wareki import parse_date, wareki


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


@pytest.mark.parametrize(
    "typed",
    [
        "1990-05-17",
        "1990/5/17",
        "19900517",
        "１９９０年５月１７日",
        "平成2年5月17日",
        "平成２年５月１７日",
        "H2.5.17",
        "h2/05/17",
        " 1990 - 05 - 17 ",
    ],
)
def test_parse_date_reads_what_people_say(typed):
    assert parse_date(typed) == datetime.date(1990, 5, 17)


def test_parse_date_reads_the_first_year_of_an_era():
    assert parse_date("令和元年5月1日") == datetime.date(2019, 5, 1)
    assert parse_date("S64.1.7") == datetime.date(1989, 1, 7)


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "1990-13-01",
        "1990-02-30",
        "平成32年1月1日",
        "令和1年4月30日",
        "5月17日",
        "昨日",
        "1990-05",
    ],
)
def test_parse_date_refuses_the_rest(typed):
    with pytest.raises(ValueError):
        parse_date(typed)


def test_an_aside_takes_the_brackets_of_the_language():
    from django.utils import translation

    from hellowork.templatetags.hellowork_tags import aside

    with translation.override("ja"):
        assert aside("ハナコ") == "（ハナコ）"
    with translation.override("en"):
        assert aside("ハナコ") == " (ハナコ)"
    assert aside("<b>") == "（&lt;b&gt;）"  # escaped
    assert aside("") == aside(None) == ""
