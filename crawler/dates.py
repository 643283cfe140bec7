"""Dates, read once for everyone: the extractor's page text, list rows, imported documents, stored values.

A date is written 2020-06-03, 2020-06-03 09:12:44, 2020.09.28, 2020/6/3 or 2020年06月10日; the store keeps
YYYY-MM-DD (a time may follow).
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})(?!\d)\s*日?")
_ONLY_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?\s*$")


def parse_date(text: str | None, *, strict: bool = False) -> str | None:
    """The first valid date in *text* as YYYY-MM-DD; None if there is none.

    ``strict``: *text* must be a date (and optionally a time) and nothing else — for fields that are dates.
    """
    if not isinstance(text, str) or not text:
        return None
    matches = [m] if strict and (m := _ONLY_DATE.match(text)) else [] if strict else _DATE.finditer(text)
    for m in matches:
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
        except ValueError:
            continue
    return None


def to_date(value: Any) -> dt.date | None:
    """A stored date (``YYYY-MM-DD…``), a date or a datetime as a date; None if it is none of these."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = parse_date(str(value)) if value else None
    return dt.date.fromisoformat(text) if text else None


def quarter_of(day: dt.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"
