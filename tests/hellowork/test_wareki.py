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


# -- the template filters: the era for Japanese readers, the Western calendar for English ----


def render(source: str, language: str, **context) -> str:
    from django.template import Context, Template
    from django.utils import translation

    with translation.override(language):
        return Template("{% load hellowork_tags %}" + source).render(Context(context))


@pytest.mark.parametrize(("language", "expected"), [("ja", "令和7年6月9日"), ("en", "9 June 2025")])
def test_wareki_filter_follows_the_language(language, expected):
    assert render("{{ day|wareki }}", language, day=datetime.date(2025, 6, 9)) == expected


def test_wareki_filter_takes_a_datetime_in_local_time():
    # 2025-06-08 16:00 UTC is 9 June in Tokyo.
    at = datetime.datetime(2025, 6, 8, 16, 0, tzinfo=datetime.UTC)
    assert render("{{ at|wareki }}", "ja", at=at) == "令和7年6月9日"
    assert render("{{ at|wareki }}", "en", at=at) == "9 June 2025"


def test_era_filter_is_for_japanese_readers_only():
    day = datetime.date(1990, 5, 17)
    assert render("{{ day|era }}", "ja", day=day) == "平成2年5月17日"
    assert render("{{ day|era|aside }}", "ja", day=day) == "（平成2年5月17日）"
    assert render("{{ day|era }}", "en", day=day) == ""
    assert render("{{ day|era|aside }}", "en", day=day) == ""


def test_dates_filters_leave_nothing_for_no_date():
    assert render("{{ day|wareki }}{{ day|era }}", "en", day=None) == ""


@pytest.mark.parametrize(
    ("language", "month", "day"), [("ja", "2025年6月", "6月9日"), ("en", "June 2025", "9 June")]
)
def test_month_and_day_formats_are_the_reader_s(language, month, day):
    date = datetime.date(2025, 6, 9)
    source = '{{ d|date:"YEAR_MONTH_FORMAT" }}|{{ d|date:"MONTH_DAY_FORMAT" }}'
    assert render(source, language, d=date) == f"{month}|{day}"


@pytest.mark.parametrize(
    ("language", "age", "expected"),
    [("ja", 34, "34歳"), ("ja", 1, "1歳"), ("en", 34, "34 years old"), ("en", 1, "1 year old")],
)
def test_age_filter_counts_in_the_reader_s_language(language, age, expected):
    assert render("{{ age|age }}", language, age=age) == expected


def test_age_filter_leaves_nothing_for_an_unknown_age():
    assert render("{{ age|age }}", "ja", age=None) == ""
