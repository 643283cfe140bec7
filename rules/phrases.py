"""A small grammar for the time and count phrases of plans (in the requirement text or the 时限 column).

``when(text)`` → Due: a date (``5月底前`` → 05-31, ``6月30日前`` → 06-30, ``年底前``/``年内`` → 12-31,
``上半年`` → 06-30), a relative rule (``批复后20日内``, ``3个工作日内`` → days after an event), a period
(``每季度``/``按季度`` → quarter, ``每月``/``按月`` → month, ``每半年`` → half) or none at all
(``持续推进``, ``长期坚持``, ``常态化``).
``count(text)`` → Count: ``每季度不少于2篇`` (2 per quarter), ``全年不少于2次`` (2 in the year),
``至少N次``, ``N次以上``; ``两周内至少更新一次`` → an update at least every 14 days.
Each result keeps the words it was read from (``phrase``) for the drafted check's ``why``.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}
NUM = r"(?:\d{1,3}|[零〇一二两三四五六七八九十百]{1,4})"
_PERIODS = {"月": "month", "季度": "quarter", "季": "quarter", "半年": "half", "年": "year"}


def number(s: str) -> int | None:
    """Arabic or Chinese numerals up to 999: 20, 二十, 十二, 两."""
    s = s.strip()
    if s.isdigit():
        return int(s)
    if not s or any(ch not in _CN_DIGITS and ch not in "十百" for ch in s):
        return None
    total, cur = 0, 0
    for ch in s:
        if ch == "百":
            total += (cur or 1) * 100
            cur = 0
        elif ch == "十":
            total += (cur or 1) * 10
            cur = 0
        else:
            cur = _CN_DIGITS[ch]
    return total + cur


@dataclass
class Due:
    phrase: str
    date: str | None = None        # MM-DD in the plan year
    after: str | None = None       # the event a relative deadline counts from (批复, 出台 …)
    days: int | None = None
    workdays: bool = False
    period: str | None = None      # month / quarter / half
    none: bool = False             # 持续推进: no deadline


@dataclass
class Count:
    phrase: str
    n: int
    per: str | None = None         # month / quarter / half / year, None: in the plan year
    unit: str = ""                 # 篇 / 次 / 条 …
    every_days: int | None = None  # 两周内至少更新一次 → 14


_MONTH_END = re.compile(rf"(?<!\d)({NUM})\s*月\s*(?:份)?\s*(?:底|末)\s*(?:前|之前|以前)?")
_MONTH_DAY = re.compile(rf"({NUM})\s*月\s*({NUM})\s*日\s*(?:前|之前|以前|止)")
_MONTH_BEFORE = re.compile(rf"(?<!\d)({NUM})\s*月\s*(?:前|之前|以前)")
_YEAR_END = re.compile(r"年底前|年底以前|年底|年末|年内|年度内|全年完成|12月底")
_FIRST_HALF = re.compile(r"上半年")
_RELATIVE = re.compile(rf"(批复|批准|出台|印发|形成|变更|发布|审定|通过|结束|收到)[^，。；;,]{{0,12}}?(?:后|之日起)\s*({NUM})\s*(个工作日|个?工作日|日|天)内")
_WORKDAYS = re.compile(rf"({NUM})\s*个?工作日内")
_DAYS = re.compile(rf"({NUM})\s*(?:日|天)内")
_PERIOD = re.compile(r"(?:每|按|逐)\s*(月|季度|季|半年)|(?:月度|季度)(?:发布|公开|更新|报送)|定期")
_ONGOING = re.compile(r"持续推进|长期坚持|常态化|长期|持续|日常|及时|随时")
_COUNT = re.compile(rf"(?:(每|全年|年度|一年|每年)\s*(月|季度|季|半年|年)?[^，。；;]{{0,20}}?)?(?:不少于|不低于|至少|最少)[^，。；;\d]{{0,6}}?({NUM})\s*(篇|次|条|期|件|个|项)")
_COUNT_ABOVE = re.compile(rf"(?:(每|全年|年度|每年)\s*(月|季度|季|半年|年)?[^，。；;]{{0,6}}?)?({NUM})\s*(篇|次|条|期|件|个|项)以上")
_EVERY = re.compile(rf"({NUM})\s*(周|个?星期|天|日|个?月)\s*(?:内|以内)?\s*(?:至少|最少)?\s*更新\s*(?:一|1)\s*次")


def _md(month: int, day: int | None = None) -> str | None:
    if not 1 <= month <= 12:
        return None
    last = calendar.monthrange(2021, month)[1]
    day = last if day is None else day
    if not 1 <= day <= last:
        return None
    return f"{month:02d}-{day:02d}"


_QUARTER_END = re.compile(r"(?<![每按逐])第?([一二三四1-4])\s*季度\s*(?:末|底|结束)?\s*(?:前|之前|以前)?")
_BARE_DATE = re.compile(rf"^(?:20\d\d\s*年)?\s*({NUM})\s*月\s*(?:({NUM})\s*日)?\s*(?:份)?$")


def when(text: str) -> Due | None:
    """The first deadline phrase of *text* (a date beats a relative rule, which beats a period).

    A short text that is only a date (a 时限 cell: ``2023年6月``, ``12月31日``) is that date."""
    if not text:
        return None
    m = _BARE_DATE.match(text.strip())
    if m:
        month, day = number(m.group(1)) or 0, number(m.group(2)) if m.group(2) else None
        md = _md(month, day)
        if md:
            return Due(m.group(0), date=md)
    m = _MONTH_DAY.search(text)
    if m:
        md = _md(number(m.group(1)) or 0, number(m.group(2)) or 0)
        if md:
            return Due(m.group(0), date=md)
    m = _MONTH_END.search(text) or _MONTH_BEFORE.search(text)
    if m:
        month = number(m.group(1)) or 0
        md = _md(month) if "底" in m.group(0) or "末" in m.group(0) else (_md(month - 1) if month > 1 else None)
        if md:
            return Due(m.group(0), date=md)
    m = _QUARTER_END.search(text)
    if m and (number(m.group(1)) or 0) in (1, 2, 3, 4):
        q = number(m.group(1))
        return Due(m.group(0), date=_md(q * 3))
    m = _RELATIVE.search(text)
    if m:
        return Due(m.group(0), after=m.group(1), days=number(m.group(2)), workdays="工作日" in m.group(3))
    m = _WORKDAYS.search(text)
    if m:
        return Due(m.group(0), days=number(m.group(1)), workdays=True)
    m = _FIRST_HALF.search(text)
    if m:
        return Due(m.group(0), date="06-30")
    m = _PERIOD.search(text)
    if m:
        unit = m.group(1)
        return Due(m.group(0), period=_PERIODS.get(unit or "", "quarter"))
    m = _YEAR_END.search(text)
    if m:
        return Due(m.group(0), date="12-31")
    m = _DAYS.search(text)
    if m:
        return Due(m.group(0), days=number(m.group(1)))
    m = _ONGOING.search(text)
    if m:
        return Due(m.group(0), none=True)
    return None


def count(text: str) -> Count | None:
    """The first count phrase of *text*."""
    if not text:
        return None
    m = _EVERY.search(text)
    if m:
        n = number(m.group(1)) or 1
        unit = m.group(2)
        days = n * (7 if "周" in unit or "星期" in unit else 30 if "月" in unit else 1)
        return Count(m.group(0), 1, every_days=days, unit="次")
    for rx in (_COUNT, _COUNT_ABOVE):
        m = rx.search(text)
        if m:
            n = number(m.group(3))
            if not n:
                continue
            per = None
            if m.group(1) in ("每",) and m.group(2):
                per = _PERIODS.get(m.group(2))
            elif m.group(1) == "每" and not m.group(2):
                per = None
            elif m.group(2) and m.group(2) != "年":
                per = _PERIODS.get(m.group(2))
            return Count(m.group(0).strip(), n, per=per if per != "year" else None, unit=m.group(4))
    return None
