"""Dates in the Japanese era (和暦), as Hello Work's letters print them: 令和7年6月9日."""

import datetime

# (first day, name): newest first. Birth dates of working-age seekers reach back to Shōwa.
ERAS = [
    (datetime.date(2019, 5, 1), "令和"),
    (datetime.date(1989, 1, 8), "平成"),
    (datetime.date(1926, 12, 25), "昭和"),
]


def wareki(day: datetime.date) -> str:
    for start, name in ERAS:
        if day >= start:
            year = day.year - start.year + 1
            return f"{name}{'元' if year == 1 else year}年{day.month}月{day.day}日"
    return f"{day.year}年{day.month}月{day.day}日"
