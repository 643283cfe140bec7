"""Chinese working days: public holidays and adjusted working weekends, per year, as data.

The data comes from ``chinese_calendar`` (the State Council's yearly holiday notices, 2020's extended
Spring Festival included). A year it does not know falls back to Monday–Friday, and ``EXTRA`` can add
days for such a year without new code (date → True for a working day, False for a day off).
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache

EXTRA: dict[dt.date, bool] = {}


@lru_cache(maxsize=4096)
def is_workday(day: dt.date) -> bool:
    if day in EXTRA:
        return EXTRA[day]
    try:
        import chinese_calendar
        return bool(chinese_calendar.is_workday(day))
    except (NotImplementedError, ImportError):
        return day.weekday() < 5


def add_workdays(day: dt.date, n: int) -> dt.date:
    """The n-th working day after *day* (day itself not counted)."""
    cur = day
    while n > 0:
        cur += dt.timedelta(days=1)
        if is_workday(cur):
            n -= 1
    return cur


def workdays_between(start: dt.date, end: dt.date) -> int:
    """Working days from *start* to *end*, both included (0 if end < start)."""
    count, cur = 0, start
    while cur <= end:
        if is_workday(cur):
            count += 1
        cur += dt.timedelta(days=1)
    return count
