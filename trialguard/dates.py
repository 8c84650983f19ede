"""Date text as written -> the interval of days it can mean.

Sources state dates at many precisions ("2019", "September 2019", "mid-September 2019", "March 20, 2022").
Comparing them as points invents precision, so every date becomes a closed interval [lo, hi] of ISO days;
an order between two events is certain only when one interval ends before the other starts.

Readings (case-insensitive, an optional leading weekday such as "Tuesday," is ignored):

- ``2019`` -> 2019-01-01 .. 2019-12-31
- ``2019-09``, ``September 2019``, ``Sep 2019``, ``Sept. 2019`` -> the month
- ``early September 2019`` -> days 1-10; ``mid-September 2019`` -> 11-20; ``late September 2019`` -> 21-end
- ``early 2019`` -> Jan-Apr; ``mid-2019`` -> May-Aug; ``late 2019`` -> Sep-Dec
- ``2022-03-20``, ``March 20, 2022``, ``20 March 2022``, ``2022 Mar 20`` -> that day
- ``A/B`` (ISO 8601 interval, each side any form above) -> from A's first day to B's last day

Anything else (relative dates such as "nine months later", impossible days) has no interval: None.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

import pandas as pd

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9

_MONTH = r"(?P<month>[a-z]+)\.?"
_YEAR = r"(?P<year>\d{4})"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_PART = r"(?:(?P<part>early|mid|middle|late)[\s-]+)?"

_PATTERNS = [
    re.compile(rf"^{_YEAR}-(?P<mnum>\d{{2}})-(?P<dnum>\d{{2}})$"),
    re.compile(rf"^{_YEAR}-(?P<mnum>\d{{2}})$"),
    re.compile(rf"^{_PART}{_YEAR}$"),
    re.compile(rf"^{_PART}{_MONTH},?\s+{_YEAR}$"),
    re.compile(rf"^{_MONTH}\s+{_DAY},?\s+{_YEAR}$"),
    re.compile(rf"^{_DAY}\s+{_MONTH},?\s+{_YEAR}$"),
    re.compile(rf"^{_YEAR}\s+{_MONTH}\s+{_DAY}$"),
]
_WEEKDAY = re.compile(r"^(?:" + "|".join(d.lower() for d in calendar.day_name) + r"),?\s+")

# Part of a month -> (first day, last day or None for the month's end); part of a year -> months.
_MONTH_PARTS = {"early": (1, 10), "mid": (11, 20), "middle": (11, 20), "late": (21, None)}
_YEAR_PARTS = {"early": (1, 4), "mid": (5, 8), "middle": (5, 8), "late": (9, 12)}


def date_interval(text: str | None) -> tuple[str, str] | None:
    """The ISO (lo, hi) days `text` can mean, or None when it is not a date this module reads."""
    if not isinstance(text, str):
        return None
    t = " ".join(text.strip().lower().split())
    if "/" in t:
        sides = t.split("/")
        if len(sides) != 2:
            return None
        a, b = date_interval(sides[0]), date_interval(sides[1])
        if a is None or b is None or a[0] > b[1]:
            return None
        return a[0], b[1]
    t = _WEEKDAY.sub("", t)
    for pattern in _PATTERNS:
        m = pattern.match(t)
        if m:
            try:
                lo, hi = _span(m.groupdict())
            except (ValueError, KeyError):
                return None
            return lo.isoformat(), hi.isoformat()
    return None


def date_intervals(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(lo, hi) ISO days of a column of date texts, None where a value is not a date; each distinct text is
    read once."""
    t = text.astype("object").where(text.notna(), None)
    spans = {u: span for u in pd.unique(t[t.notna()]) if (span := date_interval(u)) is not None}
    lo = t.map({u: a for u, (a, _) in spans.items()})
    hi = t.map({u: b for u, (_, b) in spans.items()})
    return lo.astype("object").where(lo.notna(), None), hi.astype("object").where(hi.notna(), None)


def _span(g: dict) -> tuple[date, date]:
    year = int(g["year"])
    month = int(g["mnum"]) if g.get("mnum") else (MONTHS[g["month"]] if g.get("month") else None)
    part = g.get("part")
    if month is None:
        first, last = _YEAR_PARTS[part] if part else (1, 12)
        return date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1])
    end = calendar.monthrange(year, month)[1]
    day = g.get("dnum") or g.get("day")
    if day:
        d = date(year, month, int(day))
        return d, d
    first, last = _MONTH_PARTS[part] if part else (1, None)
    return date(year, month, first), date(year, month, last or end)
