"""Dates in the Japanese era (和暦), as Hello Work's letters print them: 令和7年6月9日."""

import datetime
import re
import unicodedata

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


_ERA_LETTERS = {"R": "令和", "H": "平成", "S": "昭和"}
_WESTERN = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_ERA = re.compile(r"(令和|平成|昭和|[RHS])\.?(元|\d{1,2})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")


def parse_date(text: str) -> datetime.date:
    """A date as people say and type it: 1990-05-17, 1990/5/17, 19900517, 1990年5月17日,
    平成2年5月17日, H2.5.17 (full-width too). ValueError for anything else."""
    value = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).upper()
    if match := _WESTERN.fullmatch(value) or _COMPACT.fullmatch(value):
        year, month, day = (int(part) for part in match.groups())
        return datetime.date(year, month, day)
    if match := _ERA.fullmatch(value):
        era, era_year, month_text, day_text = match.groups()
        name = _ERA_LETTERS.get(era, era)
        start = next(start for start, era_name in ERAS if era_name == name)
        year = start.year + (1 if era_year == "元" else int(era_year)) - 1
        date = datetime.date(year, int(month_text), int(day_text))
        following = [s for s, _ in ERAS if s > start]
        if date < start or (following and date >= min(following)):
            raise ValueError(f"{text!r} is outside its era")
        return date
    raise ValueError(f"not a date: {text!r}")
