"""The dashboard's, the bureau's and the quarterly report's figures as CSV (issue 20): the
same numbers as the pages, in both encodings, for the roles that see the pages, with no
seeker's personal data, and a bad choice refused with a message."""

import csv
import datetime
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hellowork.models import AuditEvent
from referrals import dashboard
from tests import factories
from tests.conftest import client_for
from tests.employer_portal.helpers import applicants
from tests.referrals.test_dashboard import NOW, expected, history  # noqa: F401

SERIES_KEYS = [key for key, _label in dashboard.SERIES]


def rows_of(response, encoding="utf-8-sig"):
    if encoding == "utf-8-sig":
        assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.content.decode(encoding), newline="")))


def test_the_month_csv_has_a_row_per_day_and_the_month_s_sum(history, bob, koriyama):  # noqa: F811
    with time_machine.travel(NOW, tick=False):
        response = client_for(bob.user).get(
            reverse("dashboard_month_csv"), {"month": "2026-06", "encoding": "utf-8-sig"}
        )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"] == 'attachment; filename="figures-0704-2026-06-utf8.csv"'
    header, *rows = rows_of(response)
    assert header[0] == "日付" and header[1] == "紹介状の発行（対面で確認）"
    assert len(header) == 1 + len(SERIES_KEYS)
    # 1 to 15 June (today is the 15th), then the sum.
    assert [row[0] for row in rows] == [f"2026-06-{day:02d}" for day in range(1, 16)] + ["合計"]
    june = expected(koriyama, datetime.date(2026, 6, 1), datetime.date(2026, 6, 15))
    assert rows[-1][1:] == [str(june[key]) for key in SERIES_KEYS]
    third = expected(koriyama, datetime.date(2026, 6, 3), datetime.date(2026, 6, 3))
    assert rows[2][1:] == [str(third[key]) for key in SERIES_KEYS]
    assert int(rows[2][1]) == 3  # the three letters issued in person on the 3rd
    # A month before: May, all 31 days.
    with time_machine.travel(NOW, tick=False):
        response = client_for(bob.user).get(
            reverse("dashboard_month_csv"), {"month": "2026-05", "encoding": "cp932"}
        )
    header, *rows = rows_of(response, "cp932")
    assert header[0] == "日付"
    assert len(rows) == 32 and rows[-1][1] == "1"
    assert not AuditEvent.objects.filter(action__contains="export").exists()  # no personal data


def test_the_month_csv_is_the_office_s_own(history, bob, carol, fukushima):  # noqa: F811
    with time_machine.travel(NOW, tick=False):
        response = client_for(carol.user).get(
            reverse("dashboard_month_csv"), {"month": "2026-06", "encoding": "utf-8-sig"}
        )
    (_header, *rows) = rows_of(response)
    mine = expected(fukushima, datetime.date(2026, 6, 1), datetime.date(2026, 6, 15))
    assert rows[-1][1:] == [str(mine[key]) for key in SERIES_KEYS]
    assert rows[-1][1] == "1"
    assert response["Content-Disposition"].startswith('attachment; filename="figures-0701-')


def test_the_bureau_csv_matches_the_page(history, manager, koriyama, fukushima):  # noqa: F811
    with time_machine.travel(NOW, tick=False):
        response = client_for(manager.user).get(
            reverse("dashboard_bureau_csv"), {"encoding": "cp932"}
        )
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="bureau-0704-2026-06-sjis.csv"'
    )
    header, *rows = rows_of(response, "cp932")
    assert header[:2] == ["安定所番号", "安定所"]
    by_code = {row[0]: row for row in rows}
    assert by_code["0704"][1] == koriyama.name and by_code["0701"][1] == fukushima.name
    for office in (koriyama, fukushima):
        month = expected(office, datetime.date(2026, 6, 1), datetime.date(2026, 6, 15))
        row = by_code[office.code]
        assert row[2 : 2 + len(SERIES_KEYS)] == [str(month[key]) for key in SERIES_KEYS]
    total = rows[-1]
    assert total[:2] == ["", "合計"]
    for column in range(2, len(header)):
        assert int(total[column]) == sum(int(row[column]) for row in rows[:-1])


def test_the_quarterly_csv_holds_the_report(history, bob, koriyama):  # noqa: F811
    with time_machine.travel(NOW, tick=False):
        response = client_for(bob.user).get(
            reverse("quarterly_report_csv"), {"quarter": "2026-1", "encoding": "utf-8-sig"}
        )
        report = dashboard.quarter_report(office=koriyama, quarter=dashboard.Quarter(2026, 1))
    assert response["Content-Disposition"] == (
        'attachment; filename="quarterly-0704-2026-1-utf8.csv"'
    )
    rows = rows_of(response)
    assert rows[0] == ["項目", "2026年4月", "2026年5月", "2026年6月", "四半期計"]
    for (label, values, total), row in zip(report.rows(), rows[1:], strict=False):
        assert row == [label, *map(str, values), str(total)]
    text = response.content.decode("utf-8-sig")
    assert "自己点検（点検シート）の実施状況" in text
    incidents = rows[rows.index(["インシデント"]) + 2 :]
    assert [int(row[0]) for row in incidents] == [incident.pk for incident in report.incidents]
    assert all(row[2].startswith("0704-") for row in incidents)  # establishment numbers


def test_the_figures_csv_are_for_the_pages_roles(history, alice, bob, dave):  # noqa: F811
    data = {"month": "2026-06", "quarter": "2026-1", "encoding": "utf-8-sig"}
    with time_machine.travel(NOW, tick=False):
        for name in ["dashboard_month_csv", "quarterly_report_csv", "dashboard_bureau_csv"]:
            assert client_for(alice.user).get(reverse(name), data).status_code == 403
            assert client_for(dave.user).get(reverse(name), data).status_code == 403
        # The bureau's is for managers only.
        assert client_for(bob.user).get(reverse("dashboard_bureau_csv"), data).status_code == 403
        assert client_for(bob.user).post(reverse("dashboard_month_csv"), data).status_code == 405


@pytest.mark.parametrize(
    ("name", "data", "page"),
    [
        ("dashboard_month_csv", {"month": "2024-01", "encoding": "cp932"}, "dashboard"),
        ("dashboard_month_csv", {"month": "2026-06", "encoding": "latin-1"}, "dashboard"),
        ("dashboard_month_csv", {}, "dashboard"),
        ("quarterly_report_csv", {"quarter": "2026-9", "encoding": "cp932"}, "quarterly_report"),
        ("dashboard_bureau_csv", {"encoding": ""}, "dashboard_bureau"),
    ],
)
def test_a_bad_choice_goes_back_to_the_page_with_the_reason(manager, name, data, page):
    with time_machine.travel(NOW, tick=False):
        response = client_for(manager.user).get(reverse(name), data, follow=True)
    assert response.redirect_chain == [(reverse(page), 302)]
    assert "CSVを作成できませんでした。" in response.text


def test_the_pages_offer_their_csv(history, manager):  # noqa: F811
    with time_machine.travel(NOW, tick=False):
        client = client_for(manager.user)
        assert reverse("dashboard_month_csv") in client.get(reverse("dashboard")).text
        assert reverse("dashboard_bureau_csv") in client.get(reverse("dashboard_bureau")).text
        quarterly = client.get(reverse("quarterly_report"), {"quarter": "2026-1"}).text
        assert reverse("quarterly_report_csv") in quarterly
        assert 'name="quarter" value="2026-1"' in quarterly


def test_the_month_csv_costs_the_same_for_more_history(history, bob):  # noqa: F811
    client = client_for(bob.user)
    url, data = reverse("dashboard_month_csv"), {"month": "2026-06", "encoding": "cp932"}

    def queries():
        with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as context:
            assert client.get(url, data).status_code == 200
        return len(context)

    queries()  # the session's first request writes it
    before = queries()
    with time_machine.travel(NOW, tick=False):
        applicants(5, staff=bob, posting=factories.JobPostingFactory())
    assert queries() == before


def test_the_dashboard_says_what_its_issue_counts_include(bob, koriyama):
    supervisor = client_for(bob.user)
    for url in [reverse("dashboard"), reverse("quarterly_report")]:
        assert "撤回したものも含みます" in supervisor.get(url).text, url
    manager = factories.StaffMemberFactory(office=koriyama, role="manager")
    bureau = client_for(manager.user).get(reverse("dashboard_bureau")).text
    assert "撤回したものも含みます" in bureau
