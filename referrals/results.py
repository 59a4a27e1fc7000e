"""The selection-result window of the my page (選考結果の受付期限).

The real employer my page takes a selection result until the end of the third month after
the month in which the posting stopped being valid (翌々々月末), and after that asks the
employer to phone the referring office (docs/hello-work-practice.md row 12,
https://www.hellowork.mhlw.go.jp/enterprise/selection_result.html). The month is Japan's:
the window is computed in Asia/Tokyo whatever the server's or the user's time zone.

Only the my page is cut off: the clerk records results received on paper, by fax or by
phone at any time, since that is the route the cut-off message sends employers to.
"""

import datetime
from zoneinfo import ZoneInfo

JAPAN = ZoneInfo("Asia/Tokyo")
WINDOW_MONTHS = 3  # 翌々々月末: the end of the third month after the posting's last month


def _first_of_month_after(day: datetime.date, months: int) -> datetime.date:
    """The first day of the month `months` months after `day`'s month."""
    index = day.year * 12 + (day.month - 1) + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def result_window_last_day(valid_until: datetime.date | None) -> datetime.date | None:
    """The last day (a Japan date) on which the my page takes a result for a posting valid
    until `valid_until`; None when the posting's validity is not recorded (no cut-off).
    E.g. 2027-11-10 -> 2028-02-29 (a leap year), 2026-06-30 -> 2026-09-30."""
    if valid_until is None:
        return None
    return _first_of_month_after(valid_until, WINDOW_MONTHS + 1) - datetime.timedelta(days=1)


def result_window_end(valid_until: datetime.date | None) -> datetime.datetime | None:
    """The first instant the my page no longer takes a result: 00:00:00 Japan time on the
    day after `result_window_last_day` (an aware datetime), or None (no cut-off)."""
    if valid_until is None:
        return None
    first = _first_of_month_after(valid_until, WINDOW_MONTHS + 1)
    return datetime.datetime.combine(first, datetime.time.min, tzinfo=JAPAN)


def result_window_open(valid_until: datetime.date | None, now: datetime.datetime) -> bool:
    """Whether the my page still takes a result at `now` (aware). Open when the posting's
    validity is not recorded (rows older than the field; DECISIONS.md)."""
    end = result_window_end(valid_until)
    return end is None or now < end


def window_closes_before(now: datetime.datetime) -> datetime.date:
    """The `valid_until` dates whose window has closed at `now` are those before this day:
    the first day of the month three months before now's Japan month. For queries."""
    today = now.astimezone(JAPAN).date()
    return _first_of_month_after(today, -WINDOW_MONTHS)
