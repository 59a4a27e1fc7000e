"""The dashboard's figures against counts computed here, in Python, from the rows the
test created; the escalations shown in red; the bureau's sums; the quarterly report."""

import datetime
import re
from collections import Counter

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from hellowork.models import StaffRole
from referrals import codes, dashboard, services
from referrals.models import (
    Alert,
    Disclosure,
    Incident,
    IncidentTask,
    ReferralLetter,
    SelfInspection,
    SelfInspectionItem,
)
from referrals.services import incidents
from tests import factories
from tests.conftest import client_for
from tests.referrals.helpers import (
    called_draft,
    consult,
    issue_in_person,
    pending,
    retract,
    seeker_confirms,
)

JST = datetime.timezone(datetime.timedelta(hours=9))


def at(day: int, hour: int, month: int = 6) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, 0, tzinfo=JST)


NOW = at(15, 16)


@pytest.fixture
def history(no_hold, alice, bob, carol, erin, koriyama, fukushima, posting_c, posting_d):
    """Referrals, near misses, a recall and retractions at Koriyama over May and June, and
    some at Fukushima that Koriyama's figures must not count."""
    seeker = lambda office: factories.JobSeekerFactory(office=office)  # noqa: E731
    other_posting = factories.JobPostingFactory(establishment__office=koriyama)
    with time_machine.travel(at(20, 10, month=5), tick=False):
        issue_in_person(seeker(koriyama), alice, posting_c)  # last month
    with time_machine.travel(at(3, 10), tick=False):
        issue_in_person(seeker(koriyama), alice, posting_c)
        issue_in_person(seeker(koriyama), alice, other_posting)
        first_wrong = issue_in_person(seeker(koriyama), alice, posting_d)
        waiting = pending(seeker(koriyama), alice, posting_c)
        services.referral_approve(
            referral=waiting,
            supervisor=bob,
            stated_posting_number=posting_c.number,
            source="callback",
        )
    with time_machine.travel(at(3, 11), tick=False):
        retract(first_wrong, requester=alice, supervisor=bob)  # tasks overdue by the 15th
    with time_machine.travel(at(10, 9), tick=False):
        # A mistyped digit, caught.
        draft = called_draft(
            consultation=consult(seeker(koriyama), alice, apply=[posting_c]),
            posting=posting_c,
            staff=alice,
        )
        seeker_confirms(draft, alice)
        with pytest.raises(Exception):  # noqa: B017 - the caught mismatch
            services.referral_confirm_in_session(referral=draft, staff=alice, posting_digits="0000")
    with time_machine.travel(at(15, 9), tick=False):
        issue_in_person(seeker(koriyama), alice, posting_c)
    with time_machine.travel(at(15, 10), tick=False):
        wrong_today = issue_in_person(seeker(koriyama), alice, posting_d)
        waiting_today = pending(seeker(koriyama), alice, posting_c)
        with pytest.raises(Exception):  # noqa: B017 - the supervisor's blind statement is wrong
            services.referral_approve(
                referral=waiting_today,
                supervisor=bob,
                stated_posting_number=posting_d.number,
                source="callback",
            )
    with time_machine.travel(at(15, 11), tick=False):
        retract(wrong_today, requester=alice, supervisor=bob)
        services.code_check(member=erin, code=codes.generate())  # a well-formed unknown code
    with time_machine.travel(at(15, 12), tick=False):
        # Fukushima's own referrals and alerts.
        fukushima_posting = factories.JobPostingFactory(establishment__office=fukushima)
        issue_in_person(seeker(fukushima), carol, fukushima_posting)
    return {"waiting_today": waiting_today}


@pytest.fixture
def recall_and_reorder(alice, seeker_a, posting_c, posting_d, settings):
    """Today at 13:00: a letter voided within its hold, then re-entered for D."""
    settings.DISCLOSURE_HOLD_MINUTES = 10
    with time_machine.travel(at(15, 13), tick=False):
        referral = issue_in_person(seeker_a, alice, posting_c)
    with time_machine.travel(at(15, 13) + datetime.timedelta(minutes=5), tick=False):
        services.referral_void(referral=referral, staff=alice, reason="相談記録の整理")
        consultation = consult(seeker_a, alice, apply=[posting_d])
        called_draft(consultation=consultation, posting=posting_d, staff=alice)


def expected(office, first: datetime.date, last: datetime.date) -> Counter:
    """The figures, counted in Python from the rows themselves."""

    def within(moment):
        return moment is not None and first <= timezone.localdate(moment) <= last

    counts: Counter = Counter()
    for referral in ReferralLetter.objects.select_related("confirmation", "consultation"):
        if referral.consultation.office_id == office.pk and within(referral.issued_at):
            confirmation = referral.confirmation
            key = (
                "issued_in_person"
                if confirmation.method in ("in_person", "in_person_clerk")
                else "issued_by_approval"
            )
            counts[key] += 1
            if confirmation.source:
                counts[f"approval_{confirmation.source}"] += 1
    for alert in Alert.objects.all():
        if alert.office_id == office.pk and within(alert.created_at):
            counts[alert.kind] += 1
    for disclosure in Disclosure.objects.select_related("referral__consultation"):
        if disclosure.referral.consultation.office_id == office.pk:
            counts["recall"] += within(disclosure.recalled_at)
            counts["retraction"] += within(disclosure.retracted_at)
    for incident in Incident.objects.all():
        counts["incident"] += incident.office_id == office.pk and within(incident.opened_at)
    return counts


def test_the_figures_equal_the_rows(history, recall_and_reorder, koriyama, fukushima):
    today, month = NOW.date(), NOW.date().replace(day=1)
    with time_machine.travel(NOW, tick=False):
        (figures,) = dashboard.office_figures(offices=[koriyama])
        now = timezone.now()
    for key, _label in dashboard.SERIES:
        assert figures.today[key] == expected(koriyama, today, today)[key], key
        assert figures.month[key] == expected(koriyama, month, today)[key], key
    # The scenario really has some of everything, and nothing of Fukushima leaks in.
    assert figures.month["issued_in_person"] >= 5 and figures.month["issued_by_approval"] == 1
    assert figures.month["approval_callback"] == 1 and figures.month["approval_written"] == 0
    assert figures.today["caught_mismatch"] == 1 and figures.month["caught_mismatch"] == 2
    assert figures.today["retract_reorder"] == 1 and figures.today["recall"] == 1
    assert figures.today["retraction"] == 1 and figures.month["retraction"] == 2
    assert figures.month["code_mismatch"] == 1
    (other,) = dashboard.office_figures(offices=[fukushima], now=now)
    assert (
        other.month["issued_in_person"]
        == expected(fukushima, month, today)["issued_in_person"]
        == 1
    )
    # What waits now, counted from the rows.
    waiting = [r for r in ReferralLetter.objects.all() if r.status == "pending_approval"]
    assert figures.approvals_waiting == len(waiting) == 1
    assert figures.oldest_approval == min(r.submitted_at for r in waiting)
    assert figures.open_incidents == len([i for i in Incident.objects.all() if i.is_open]) == 2
    overdue = [t for t in IncidentTask.objects.all() if t.done_at is None and t.due_at < now]
    assert figures.overdue_tasks == len(overdue) == 3  # the 3rd-of-June incident's first three
    assert (
        figures.open_alerts
        == Alert.objects.filter(office=koriyama, resolved_at=None).exclude(severity="info").count()
    )


def test_the_dashboard_page_shows_the_figures_and_the_overdue_in_red(
    history, recall_and_reorder, bob, koriyama
):
    with time_machine.travel(NOW, tick=False):
        page = client_for(bob.user).get(reverse("dashboard")).text
    today, month = NOW.date(), NOW.date().replace(day=1)
    for key, _label in dashboard.SERIES:
        row = re.search(rf'data-series="{key}">.*?</tr>', page, re.S).group(0)
        numbers = [int(n) for n in re.findall(r'<td class="number">(\d+)</td>', row)]
        assert numbers == [
            expected(koriyama, today, today)[key],
            expected(koriyama, month, today)[key],
        ], key
    overdue = re.findall(r'<tr class="is-overdue">.*?</tr>', page, re.S)
    assert len([row for row in overdue if "インシデント #" in row]) == 3
    assert "期限切れ" in page
    # The 30-day chart: one accessible SVG per series, its numbers also in the table.
    assert page.count('role="img"') == len(dashboard.SERIES)
    assert page.count("<desc id=") == len(dashboard.SERIES)
    assert "グラフの数値を表で見る" in page


def test_the_30_day_chart_counts_each_day(history, recall_and_reorder, koriyama):
    with time_machine.travel(NOW, tick=False):
        dates, charts = dashboard.charts(office_ids=[koriyama.pk])
    assert len(dates) == 30 and dates[-1] == NOW.date()
    assert dates[0] == NOW.date() - datetime.timedelta(days=29)
    by_key = {chart.key: chart for chart in charts}
    for key, _label in dashboard.SERIES:
        for day, value in zip(dates, by_key[key].values, strict=True):
            assert value == expected(koriyama, day, day)[key], (key, day)
    issued = by_key["issued_in_person"]
    assert issued.total == expected(koriyama, dates[0], dates[-1])["issued_in_person"]
    tallest = max(issued.bars, key=lambda bar: bar.value)
    assert tallest.height == 60 and tallest.y == 0
    assert all(bar.height == 0 for bar in issued.bars if bar.value == 0)
    assert "最も多い日" in issued.description


def test_the_bureau_sums_the_offices(history, recall_and_reorder, koriyama, fukushima):
    manager = factories.StaffMemberFactory(office=fukushima, role=StaffRole.MANAGER)
    with time_machine.travel(NOW, tick=False):
        page = client_for(manager.user).get(reverse("dashboard_bureau")).text
        rows = dashboard.office_figures(offices=[fukushima, koriyama])
    total = dashboard.total_figures(rows, office=koriyama)
    month = NOW.date().replace(day=1)
    for key, _label in dashboard.SERIES:
        assert total.month[key] == (
            expected(koriyama, month, NOW.date())[key] + expected(fukushima, month, NOW.date())[key]
        )
    assert "ハローワーク郡山" in page and "ハローワーク福島" in page and "合計" in page


def test_an_escalated_task_and_alert_show_on_the_dashboard(
    no_hold, alice, bob, erin, manager, seeker_a, posting_d, settings
):
    from django.core import mail

    settings.ALERT_ESCALATION_HOURS = 2
    with time_machine.travel(at(1, 9), tick=False):
        incident = retract(
            issue_in_person(seeker_a, alice, posting_d), requester=alice, supervisor=bob
        )
        services.code_check(member=erin, code=codes.generate())
    with time_machine.travel(at(1, 12), tick=False):
        call_command("escalate_overdue")
        urgent = [m for m in mail.outbox if "至急" in m.subject]  # rule 11, sent late
        assert len(mail.outbox) - len(urgent) == 1  # the alert; no task is due yet
        page = client_for(bob.user).get(reverse("dashboard")).text
        assert "アラート #" in page and 'class="is-overdue"' in page
    with time_machine.travel(at(2, 10), tick=False):
        call_command("escalate_overdue")
        call_command("escalate_overdue")
        assert len(mail.outbox) - len(urgent) == 2  # the seeker's task, once
        page = client_for(bob.user).get(reverse("dashboard")).text
    assert f"インシデント #{incident.pk}: 求職者への説明と謝罪" in page


def test_a_retraction_left_waiting_shows_in_red(
    no_hold, alice, bob, manager, seeker_a, posting_d, koriyama, settings
):
    settings.RETRACTION_ESCALATION_MINUTES = 30
    with time_machine.travel(at(1, 9), tick=False):
        referral = issue_in_person(seeker_a, alice, posting_d)
        request = services.referral_retract(referral=referral, staff=alice, reason="誤り")
        (figures,) = dashboard.office_figures(offices=[koriyama])
        assert (figures.retractions_waiting, figures.overdue_retractions) == (1, 0)
        assert (
            f"撤回の依頼 #{request.pk}" not in client_for(bob.user).get(reverse("dashboard")).text
        )
    with time_machine.travel(at(1, 9) + datetime.timedelta(minutes=30), tick=False):
        (figures,) = dashboard.office_figures(offices=[koriyama])
        assert (figures.retractions_waiting, figures.overdue_retractions) == (1, 1)
        page = client_for(bob.user).get(reverse("dashboard")).text
        home = client_for(bob.user).get(reverse("counter_home")).text
        queue = client_for(bob.user).get(reverse("approval_queue")).text
        manager_page = client_for(manager.user).get(reverse("dashboard_bureau")).text
    assert "撤回の承認待ち" in manager_page and "（期限切れ 1）" in manager_page
    overdue = page.split('id="overdue-heading"')[1]
    assert f"撤回の依頼 #{request.pk}" in overdue and 'class="is-overdue"' in overdue
    assert seeker_a.name not in overdue  # the dashboard names no seeker
    assert "うち期限切れ 1件" in page and "うち期限切れ 1件" in home
    assert 'class="is-overdue"' in queue.split('id="retractions-heading"')[1]


def test_inspection_completion_on_the_dashboard(alice, bob, koriyama):
    SelfInspectionItem.objects.update(active=False)
    item = SelfInspectionItem.objects.create(text="読み上げた")
    incidents.self_inspection_submit(staff=alice, answers={item.pk: True})
    page = client_for(bob.user).get(reverse("dashboard")).text
    assert "提出 1 / 2人" in page
    assert bob.user.name in page.split("未提出")[1]
    (figures,) = dashboard.office_figures(offices=[koriyama])
    assert figures.inspections_done == SelfInspection.objects.count() == 1
    assert figures.inspections_missing == 1


# -- the quarterly report ------------------------------------------------------------------


def test_fiscal_quarters():
    q = dashboard.Quarter.of(datetime.date(2026, 6, 15))
    assert (q.fiscal_year, q.number, q.key) == (2026, 1, "2026-1")
    assert q.months == [
        datetime.date(2026, 4, 1),
        datetime.date(2026, 5, 1),
        datetime.date(2026, 6, 1),
    ]
    assert q.last == datetime.date(2026, 6, 30)
    q4 = dashboard.Quarter.of(datetime.date(2027, 2, 1))
    assert (q4.fiscal_year, q4.number) == (2026, 4)
    assert q4.months[0] == datetime.date(2027, 1, 1) and q4.last == datetime.date(2027, 3, 31)
    q3 = dashboard.Quarter.parse("2026-3")
    assert q3.first == datetime.date(2026, 10, 1) and q3.last == datetime.date(2026, 12, 31)
    assert q.previous() == dashboard.Quarter(2025, 4)
    for bad in ["2026-5", "2026", "x-1", "1999-1"]:
        with pytest.raises(ValueError):
            dashboard.Quarter.parse(bad)


def test_the_quarterly_report_gathers_the_months(history, recall_and_reorder, bob, koriyama):
    with time_machine.travel(NOW, tick=False):
        page = client_for(bob.user).get(reverse("quarterly_report"), {"quarter": "2026-1"}).text
        report = dashboard.quarter_report(office=koriyama, quarter=dashboard.Quarter(2026, 1))
    may = dict(report.months)[datetime.date(2026, 5, 1)]
    june = dict(report.months)[datetime.date(2026, 6, 1)]
    assert (
        may["issued_in_person"]
        == expected(koriyama, datetime.date(2026, 5, 1), datetime.date(2026, 5, 31))[
            "issued_in_person"
        ]
        == 1
    )
    assert june == expected(koriyama, datetime.date(2026, 6, 1), datetime.date(2026, 6, 30))
    assert report.total == may + june + dict(report.months)[datetime.date(2026, 4, 1)]
    assert len(report.incidents) == 2
    assert "個人情報漏えい防止の取組状況" in page and "2026年度 第1四半期" in page
    assert "自己点検" in page


def test_managers_see_the_audit_sealers_lag_in_red_past_a_minute(bob, manager):
    """Issue 18: the events not yet sealed into the audit chain and the oldest one's age;
    supervisors do not see it (it is the operators' and the managers' concern)."""
    from hellowork import audit

    start = timezone.now()
    with time_machine.travel(start, tick=False), transaction.atomic():
        audit.record("test.event", actor=None)
        audit.record("test.event", actor=None)
    with time_machine.travel(start + datetime.timedelta(seconds=30), tick=False):
        page = client_for(manager.user).get(reverse("dashboard")).text
        assert "監査記録の封印待ち" not in client_for(bob.user).get(reverse("dashboard")).text
    row = re.search(r"<dd data-audit-seal>(.*?)</dd>", page, re.S).group(1)
    # (The sign-in of the test client traces an event too.)
    assert re.fullmatch(r"\d件（最も古いもの 30秒前）", row), row
    # The events this page view itself traced are younger; a minute on, it is red.
    with time_machine.travel(start + datetime.timedelta(seconds=61), tick=False):
        page = client_for(manager.user).get(reverse("dashboard")).text
    row = re.search(r"<dd data-audit-seal>(.*?)</dd>", page, re.S).group(1)
    assert 'class="overdue"' in row and "61秒前" in row and "封印が遅れています" in row
