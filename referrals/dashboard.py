"""The figures of the supervisors' dashboard, the bureau's view and the quarterly report.

Read-only. Everything is counted in the database, grouped by office and local day, in a
fixed number of queries however many referrals, alerts or offices there are; the
periods (today, this month, 30 days, a quarter) are sums of those days in Python.
"""

import datetime
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Min, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hellowork.models import Office, StaffMember
from referrals import selectors
from referrals.models import (
    Alert,
    AlertSeverity,
    ApprovalSource,
    ConfirmationMethod,
    Disclosure,
    Incident,
    IncidentTask,
    ReferralLetter,
    ReferralStatus,
    RetractionRequest,
    RetractionStatus,
    SelfInspection,
)

# The events counted per day, in the order the dashboard shows them. The two
# 「紹介状の発行」 lines count letters by the local day of their issue (`issued_at`),
# whatever happened to them afterwards: a letter voided within the hold or retracted later
# stays counted as issued that day (the recall and the retraction are lines of their own).
# Not the counter's 「紹介状」 per consultation (selectors.letter_count), nor an employer's
# applicants (those visible now).
SERIES: list[tuple[str, Promise]] = [
    ("issued_in_person", gettext_lazy("紹介状の発行（対面で確認）")),
    ("issued_by_approval", gettext_lazy("紹介状の発行（統括官の承認）")),
    # Where the approving supervisor heard the seeker (rule 4): a share of the line above.
    ("approval_callback", gettext_lazy("うち承認: 登録の電話番号への折り返し")),
    ("approval_seeker_present", gettext_lazy("うち承認: 求職者が窓口で")),
    ("approval_written", gettext_lazy("うち承認: 本人の書面・メッセージ")),
    ("caught_mismatch", gettext_lazy("確認で止まった不一致")),
    ("referral_locked", gettext_lazy("不一致が重なりロックした紹介")),
    ("retract_reorder", gettext_lazy("取消直後の別事業所への再入力")),
    ("clerk_mismatches", gettext_lazy("一人の職員の紹介で不一致が重なった日")),
    ("code_mismatch", gettext_lazy("紹介コード照会の不一致")),
    ("misdelivery_report", gettext_lazy("求人者からの誤送付の申告")),
    ("recall", gettext_lazy("保留中の取消（表示前）")),
    ("retraction", gettext_lazy("表示後の撤回")),
    ("incident", gettext_lazy("インシデントの発生")),
]
CHART_DAYS = 30

Counts = dict[tuple[int, datetime.date], Counter[str]]


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def daily_counts(*, office_ids: list[int], first: datetime.date, last: datetime.date) -> Counts:
    """{(office id, local day): Counter(series → count)} from `first` to `last` inclusive.
    Five grouped queries."""
    start, end = _local_midnight(first), _local_midnight(last + datetime.timedelta(days=1))
    counts: Counts = {}

    def add(office_id: int, day: datetime.date, series: str, n: int) -> None:
        counts.setdefault((office_id, day), Counter())[series] += n

    issued = (
        ReferralLetter.objects.filter(
            consultation__office_id__in=office_ids, issued_at__gte=start, issued_at__lt=end
        )
        .values(office=F("consultation__office_id"), day=TruncDate("issued_at"))
        .annotate(
            # The first wave's methods count with the method they were then.
            in_person=Count(
                "pk",
                filter=Q(
                    confirmation__method__in=[
                        ConfirmationMethod.IN_PERSON,
                        ConfirmationMethod.IN_PERSON_CLERK,
                    ]
                ),
            ),
            approval=Count(
                "pk",
                filter=Q(
                    confirmation__method__in=[
                        ConfirmationMethod.APPROVAL,
                        ConfirmationMethod.APPROVAL_UNSOURCED,
                    ]
                ),
            ),
            **{
                f"approval_{source}": Count("pk", filter=Q(confirmation__source=source))
                for source in ApprovalSource.values
            },
        )
        .order_by()
    )
    for row in issued:
        values: dict[str, Any] = dict(row)
        add(values["office"], values["day"], "issued_in_person", values["in_person"])
        add(values["office"], values["day"], "issued_by_approval", values["approval"])
        for source in ApprovalSource.values:
            key = f"approval_{source}"
            add(values["office"], values["day"], key, values[key])
    alerts = (
        Alert.objects.filter(office_id__in=office_ids, created_at__gte=start, created_at__lt=end)
        .values("office_id", "kind", day=TruncDate("created_at"))
        .annotate(n=Count("pk"))
        .order_by()
    )
    for alert_row in alerts:
        add(alert_row["office_id"], alert_row["day"], alert_row["kind"], alert_row["n"])
    for series, moment in (("recall", "recalled_at"), ("retraction", "retracted_at")):
        rows = (
            Disclosure.objects.filter(
                referral__consultation__office_id__in=office_ids,
                **{f"{moment}__gte": start, f"{moment}__lt": end},
            )
            .values(office=F("referral__consultation__office_id"), day=TruncDate(moment))
            .annotate(n=Count("pk"))
            .order_by()
        )
        for disclosure_row in rows:
            add(disclosure_row["office"], disclosure_row["day"], series, disclosure_row["n"])
    incidents = (
        Incident.objects.filter(office_id__in=office_ids, opened_at__gte=start, opened_at__lt=end)
        .values("office_id", day=TruncDate("opened_at"))
        .annotate(n=Count("pk"))
        .order_by()
    )
    for incident_row in incidents:
        add(incident_row["office_id"], incident_row["day"], "incident", incident_row["n"])
    return counts


def _sum(
    counts: Counts, *, office_ids: list[int], first: datetime.date, last: datetime.date
) -> Counter[str]:
    total: Counter[str] = Counter()
    wanted = set(office_ids)
    for (office_id, day), counter in counts.items():
        if office_id in wanted and first <= day <= last:
            total.update(counter)
    return total


@dataclass
class OfficeFigures:
    office: Office
    today: Counter[str]
    month: Counter[str]
    approvals_waiting: int = 0
    oldest_approval: datetime.datetime | None = None
    retractions_waiting: int = 0
    overdue_retractions: int = 0
    open_incidents: int = 0
    overdue_tasks: int = 0
    open_alerts: int = 0
    overdue_alerts: int = 0
    staff_count: int = 0
    inspections_done: int = 0

    def rows(self) -> list[tuple[str, str, int, int]]:
        """(key, label, today, this month) for each series."""
        return [(key, str(label), self.today[key], self.month[key]) for key, label in SERIES]

    @property
    def inspections_missing(self) -> int:
        return max(self.staff_count - self.inspections_done, 0)


def _grouped(queryset: QuerySet[Any], key: str, **aggregates: Any) -> dict[int, dict[str, Any]]:
    return {row[key]: row for row in queryset.values(key).annotate(**aggregates).order_by()}


def office_figures(
    *, offices: list[Office], now: datetime.datetime | None = None
) -> list[OfficeFigures]:
    """Today's and this month's figures of each office, and what is waiting now."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    month = today.replace(day=1)
    ids = [office.pk for office in offices]
    counts = daily_counts(office_ids=ids, first=month, last=today)
    approvals = _grouped(
        ReferralLetter.objects.filter(
            status=ReferralStatus.PENDING_APPROVAL, consultation__office_id__in=ids
        ).annotate(office_key=F("consultation__office_id")),
        "office_key",
        n=Count("pk"),
        oldest=Min("submitted_at"),
    )
    retractions = _grouped(
        RetractionRequest.objects.filter(
            status=RetractionStatus.PENDING, referral__consultation__office_id__in=ids
        ).annotate(office_key=F("referral__consultation__office_id")),
        "office_key",
        n=Count("pk"),
        overdue=Count("pk", filter=Q(requested_at__lte=selectors.retraction_deadline(now))),
    )
    incidents = _grouped(
        Incident.objects.filter(office_id__in=ids, closed_at__isnull=True),
        "office_id",
        n=Count("pk"),
    )
    tasks = _grouped(
        IncidentTask.objects.filter(
            incident__office_id__in=ids, done_at__isnull=True, due_at__lt=now
        ).annotate(office_key=F("incident__office_id")),
        "office_key",
        n=Count("pk"),
    )
    alerts = _grouped(
        Alert.objects.filter(office_id__in=ids, resolved_at__isnull=True).exclude(
            severity=AlertSeverity.INFO
        ),
        "office_id",
        n=Count("pk"),
        overdue=Count("pk", filter=selectors.alert_overdue(now)),
    )
    staff = _grouped(
        StaffMember.objects.filter(office_id__in=ids, user__is_active=True),
        "office_id",
        n=Count("pk"),
    )
    inspections = _grouped(
        SelfInspection.objects.filter(office_id__in=ids, month=month), "office_id", n=Count("pk")
    )
    figures = []
    for office in offices:
        pk = office.pk
        figures.append(
            OfficeFigures(
                office=office,
                today=_sum(counts, office_ids=[pk], first=today, last=today),
                month=_sum(counts, office_ids=[pk], first=month, last=today),
                approvals_waiting=approvals.get(pk, {}).get("n", 0),
                oldest_approval=approvals.get(pk, {}).get("oldest"),
                retractions_waiting=retractions.get(pk, {}).get("n", 0),
                overdue_retractions=retractions.get(pk, {}).get("overdue", 0),
                open_incidents=incidents.get(pk, {}).get("n", 0),
                overdue_tasks=tasks.get(pk, {}).get("n", 0),
                open_alerts=alerts.get(pk, {}).get("n", 0),
                overdue_alerts=alerts.get(pk, {}).get("overdue", 0),
                staff_count=staff.get(pk, {}).get("n", 0),
                inspections_done=inspections.get(pk, {}).get("n", 0),
            )
        )
    return figures


def total_figures(figures: list[OfficeFigures], office: Office) -> OfficeFigures:
    """The sum of several offices' figures (the bureau's line)."""
    total = OfficeFigures(office=office, today=Counter(), month=Counter())
    for row in figures:
        total.today.update(row.today)
        total.month.update(row.month)
        for name in (
            "approvals_waiting",
            "retractions_waiting",
            "overdue_retractions",
            "open_incidents",
            "overdue_tasks",
            "open_alerts",
            "overdue_alerts",
            "staff_count",
            "inspections_done",
        ):
            setattr(total, name, getattr(total, name) + getattr(row, name))
        if row.oldest_approval and (
            total.oldest_approval is None or row.oldest_approval < total.oldest_approval
        ):
            total.oldest_approval = row.oldest_approval
    return total


# -- the 30-day chart (server-rendered SVG) ---------------------------------------------------


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    width: int
    height: int
    day: datetime.date
    value: int


@dataclass
class Chart:
    key: str
    label: str
    values: list[int]
    bars: list[Bar] = field(default_factory=list)
    total: int = 0
    peak: int = 0
    peak_day: datetime.date | None = None
    description: str = ""


CHART_WIDTH = 300  # viewBox units: 30 bars of 10
CHART_HEIGHT = 60


def charts(
    *, office_ids: list[int], now: datetime.datetime | None = None, days: int = CHART_DAYS
) -> tuple[list[datetime.date], list[Chart]]:
    """One small bar chart per series over the last `days` local days (today included),
    with its numbers for the table and a description for screen readers."""
    today = timezone.localdate(now or timezone.now())
    dates = [today - datetime.timedelta(days=offset) for offset in range(days - 1, -1, -1)]
    counts = daily_counts(office_ids=office_ids, first=dates[0], last=today)
    per_day: dict[datetime.date, Counter[str]] = {day: Counter() for day in dates}
    for (_office, day), counter in counts.items():
        per_day[day].update(counter)
    slot = CHART_WIDTH // days
    result = []
    for key, label in SERIES:
        values = [per_day[day][key] for day in dates]
        peak = max(values)
        chart = Chart(key=key, label=str(label), values=values, total=sum(values), peak=peak)
        for index, (day, value) in enumerate(zip(dates, values, strict=True)):
            height = round(value / peak * CHART_HEIGHT) if peak else 0
            if value and not height:
                height = 1
            chart.bars.append(
                Bar(
                    x=index * slot + 1,
                    y=CHART_HEIGHT - height,
                    width=slot - 2,
                    height=height,
                    day=day,
                    value=value,
                )
            )
        if peak:
            chart.peak_day = dates[values.index(peak)]
            chart.description = _(
                "過去%(days)d日間の合計 %(total)d件。最も多い日は %(day)s（%(peak)d件）。"
            ) % {
                "days": days,
                "total": chart.total,
                "day": formats.date_format(chart.peak_day, "MONTH_DAY_FORMAT"),
                "peak": peak,
            }
        else:
            chart.description = _("過去%(days)d日間は0件。") % {"days": days}
        result.append(chart)
    return dates, result


# -- the quarterly report ---------------------------------------------------------------------


@dataclass(frozen=True)
class Quarter:
    """A quarter of the Japanese fiscal year (April to March): 2026-1 is April to June 2026."""

    fiscal_year: int
    number: int

    @property
    def first(self) -> datetime.date:
        month = 4 + (self.number - 1) * 3
        year = self.fiscal_year + (1 if month > 12 else 0)
        return datetime.date(year, (month - 1) % 12 + 1, 1)

    @property
    def months(self) -> list[datetime.date]:
        first = self.first
        result = []
        for offset in range(3):
            month = first.month + offset
            result.append(datetime.date(first.year + (month - 1) // 12, (month - 1) % 12 + 1, 1))
        return result

    @property
    def last(self) -> datetime.date:
        last_month = self.months[-1]
        following = datetime.date(
            last_month.year + last_month.month // 12, last_month.month % 12 + 1, 1
        )
        return following - datetime.timedelta(days=1)

    @property
    def key(self) -> str:
        return f"{self.fiscal_year}-{self.number}"

    def label(self) -> str:
        return _("%(year)d年度 第%(number)d四半期（%(first)s〜%(last)s）") % {
            "year": self.fiscal_year,
            "number": self.number,
            "first": formats.date_format(self.first, "YEAR_MONTH_FORMAT"),
            "last": formats.date_format(self.last, "YEAR_MONTH_FORMAT"),
        }

    @classmethod
    def of(cls, day: datetime.date) -> "Quarter":
        fiscal_year = day.year if day.month >= 4 else day.year - 1
        return cls(fiscal_year, ((day.month - 4) % 12) // 3 + 1)

    @classmethod
    def parse(cls, key: str) -> "Quarter":
        year, number = (int(part) for part in key.split("-"))
        if not 1 <= number <= 4 or not 2000 <= year <= 2100:
            raise ValueError(key)
        return cls(year, number)

    def previous(self) -> "Quarter":
        return (
            Quarter(self.fiscal_year, self.number - 1)
            if self.number > 1
            else Quarter(self.fiscal_year - 1, 4)
        )


def recent_quarters(count: int = 8, today: datetime.date | None = None) -> list[Quarter]:
    quarter = Quarter.of(today or timezone.localdate())
    result = [quarter]
    while len(result) < count:
        result.append(result[-1].previous())
    return result


@dataclass
class QuarterReport:
    quarter: Quarter
    office: Office
    months: list[tuple[datetime.date, Counter[str]]]
    total: Counter[str]
    inspections: list[tuple[datetime.date, int]]
    staff_count: int
    incidents: Sequence[Incident]

    def rows(self) -> list[tuple[str, list[int], int]]:
        """(label, one count per month, quarter total) for each series."""
        return [
            (str(label), [counter[key] for _month, counter in self.months], self.total[key])
            for key, label in SERIES
        ]


def quarter_report(*, office: Office, quarter: Quarter) -> QuarterReport:
    ids = [office.pk]
    counts = daily_counts(office_ids=ids, first=quarter.first, last=quarter.last)
    months = []
    for month in quarter.months:
        following = datetime.date(month.year + month.month // 12, month.month % 12 + 1, 1)
        months.append(
            (
                month,
                _sum(counts, office_ids=ids, first=month, last=following - datetime.timedelta(1)),
            )
        )
    done = dict(
        SelfInspection.objects.filter(office=office, month__in=quarter.months)
        .values_list("month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    incidents = list(
        Incident.objects.filter(
            office=office,
            opened_at__gte=_local_midnight(quarter.first),
            opened_at__lt=_local_midnight(quarter.last + datetime.timedelta(days=1)),
        )
        .select_related("referral__posting__establishment")
        .annotate(
            tasks_late=Count(
                "tasks",
                filter=Q(tasks__done_at__gt=F("tasks__due_at"))
                | Q(tasks__done_at__isnull=True, tasks__due_at__lt=timezone.now()),
            )
        )
        .order_by("opened_at", "pk")
    )
    return QuarterReport(
        quarter=quarter,
        office=office,
        months=months,
        total=_sum(counts, office_ids=ids, first=quarter.first, last=quarter.last),
        inspections=[(month, done.get(month, 0)) for month in quarter.months],
        staff_count=StaffMember.objects.filter(office=office, user__is_active=True).count(),
        incidents=incidents,
    )


def offices_of_bureau(*, staff: StaffMember) -> list[Office]:
    """The offices of the staff member's bureau (労働局), by code."""
    return list(Office.objects.filter(bureau=staff.office.bureau).order_by("code"))


# -- the same figures as CSV (issue 20) --------------------------------------------------------
#
# Beside each printable page, the numbers it shows as a spreadsheet. Counts, office codes,
# incident numbers and establishment numbers only: no seeker's personal data and no staff
# name (the dashboard's list of who has not submitted the check sheet is left out), so a
# download is not traced (a view of the dashboard is not either).


def _month_after(month: datetime.date) -> datetime.date:
    return datetime.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def recent_months(count: int = 13, today: datetime.date | None = None) -> list[datetime.date]:
    """The first days of this month and the `count - 1` before it, newest first."""
    month = (today or timezone.localdate()).replace(day=1)
    result = [month]
    while len(result) < count:
        previous = result[-1] - datetime.timedelta(days=1)
        result.append(previous.replace(day=1))
    return result


def month_table(
    *, office_ids: list[int], month: datetime.date, today: datetime.date | None = None
) -> tuple[list[str], list[list[Any]]]:
    """The dashboard's series for each local day of `month` (up to today), and the month's
    sum: (header, rows), one row per day ("2026-06-09", counts...) and a last row 合計."""
    today = today or timezone.localdate()
    last = min(_month_after(month) - datetime.timedelta(days=1), today)
    header = [_("日付"), *(str(label) for _key, label in SERIES)]
    if last < month:
        return header, [[_("合計"), *(0 for _series in SERIES)]]
    counts = daily_counts(office_ids=office_ids, first=month, last=last)
    rows: list[list[Any]] = []
    day = month
    while day <= last:
        counter = _sum(counts, office_ids=office_ids, first=day, last=day)
        rows.append([day.isoformat(), *(counter[key] for key, _label in SERIES)])
        day += datetime.timedelta(days=1)
    total = _sum(counts, office_ids=office_ids, first=month, last=last)
    rows.append([_("合計"), *(total[key] for key, _label in SERIES)])
    return header, rows


def bureau_table(
    rows: list[OfficeFigures], total: OfficeFigures
) -> tuple[list[str], list[list[Any]]]:
    """The bureau's page as a table: each office's month and what waits now, then the sum."""
    header = [
        _("安定所番号"),
        _("安定所"),
        *(str(label) for _key, label in SERIES),
        _("承認待ち"),
        _("撤回の承認待ち"),
        _("うち期限切れの撤回"),
        _("未解決のアラート"),
        _("うち期限切れのアラート"),
        _("対応中のインシデント"),
        _("期限切れの対応"),
        _("自己点検の提出"),
        _("職員数"),
    ]

    def line(code: str, name: str, row: OfficeFigures) -> list[Any]:
        return [
            code,
            name,
            *(row.month[key] for key, _label in SERIES),
            row.approvals_waiting,
            row.retractions_waiting,
            row.overdue_retractions,
            row.open_alerts,
            row.overdue_alerts,
            row.open_incidents,
            row.overdue_tasks,
            row.inspections_done,
            row.staff_count,
        ]

    table = [line(row.office.code, row.office.name, row) for row in rows]
    table.append(line("", _("合計"), total))
    return header, table


def quarter_table(report: QuarterReport) -> tuple[list[str], list[list[Any]]]:
    """The quarterly report as one sheet, its three parts one under the other as on paper:
    the figures (one column per month and the quarter's sum), the check sheet's submissions
    per month, and the quarter's incidents (number, date, establishment number, whether
    the employer saw the data, late tasks, state), each part under a title line."""
    months = [formats.date_format(month, "YEAR_MONTH_FORMAT") for month, _c in report.months]
    header = [_("項目"), *months, _("四半期計")]
    rows: list[list[Any]] = [[label, *values, total] for label, values, total in report.rows()]
    rows += [[], [_("自己点検（点検シート）の実施状況")], [_("月"), _("提出"), _("職員数（現在）")]]
    rows += [
        [formats.date_format(month, "YEAR_MONTH_FORMAT"), done, report.staff_count]
        for month, done in report.inspections
    ]
    rows += [
        [],
        [_("インシデント")],
        [
            _("番号"),
            _("登録"),
            _("事業所"),
            _("求人者の閲覧"),
            _("期限後・未了の対応"),
            _("状態"),
        ],
    ]
    for incident in report.incidents:
        rows.append(
            [
                incident.pk,
                timezone.localtime(incident.opened_at).date().isoformat(),
                incident.referral.posting.establishment.number,
                _("あり") if incident.employer_viewed else _("なし"),
                getattr(incident, "tasks_late", 0),
                _("完了") if incident.closed_at else _("対応中"),
            ]
        )
    return header, rows
