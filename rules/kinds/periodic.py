"""periodic: at least one matching document per month / quarter / half-year of the plan year
(定期公开: the quarterly execution of the government work report's tasks).

An item belongs to the period its title names (第二季度, 二季度, 4-6月, 上半年, 5月 …), else to the period
it was published in. A period's item is due at the end of the following month (``grace_months``).
"""
from __future__ import annotations

import datetime as dt
import re

from ..findings import combine, due_status, evidence_of, label, published_status
from ..match import doc_year, select
from ..params import Param
from . import Kind

_CN = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
       "十一": 11, "十二": 12}
_QUARTER = re.compile(r"(?:第)?([一二三四1-4])\s*季度")
_MONTHS = re.compile(r"(\d{1,2})\s*[-—–~至]\s*(\d{1,2})\s*月")
_MONTH = re.compile(r"(?<![\d年])(\d{1,2}|十[一二]?|[一二三四五六七八九])\s*月份?(?!\d)")
PER_YEAR = {"month": 12, "quarter": 4, "half": 2, "year": 1}


def _num(s: str) -> int:
    return int(s) if s.isdigit() else _CN[s]


def period_of_title(title: str, period: str) -> int | None:
    """The period (1-based) a title names, in units of *period*, or None."""
    months = None
    m = _QUARTER.search(title)
    if m:
        months = (3 * _num(m.group(1)) - 2, 3 * _num(m.group(1)))
    elif "上半年" in title:
        months = (1, 6)
    elif "下半年" in title:
        months = (7, 12)
    elif "前三季度" in title:
        months = (1, 9)
    else:
        m = _MONTHS.search(title)
        if m:
            months = (int(m.group(1)), int(m.group(2)))
        else:
            m = _MONTH.search(re.sub(r"20\d\d年", "", title))
            if m and 1 <= _num(m.group(1)) <= 12:
                months = (_num(m.group(1)), _num(m.group(1)))
    if months is None or not 1 <= months[1] <= 12:
        return None
    size = 12 // PER_YEAR[period]
    return (months[1] - 1) // size + 1


def period_bounds(year: int, period: str, n: int) -> tuple[dt.date, dt.date]:
    size = 12 // PER_YEAR[period]
    first_month = (n - 1) * size + 1
    start = dt.date(year, first_month, 1)
    last_month = first_month + size - 1
    end = (dt.date(year + 1, 1, 1) if last_month == 12 else dt.date(year, last_month + 1, 1)) - dt.timedelta(days=1)
    return start, end


def month_end(day: dt.date, months: int) -> dt.date:
    """The last day of the month *months* after *day*'s month."""
    y, m = divmod(day.month - 1 + months, 12)
    first_next = dt.date(day.year + y + (m + 1) // 12, (m + 1) % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


def period_name(year: int, period: str, n: int) -> str:
    return {"month": f"{year}-{n:02d}", "quarter": f"{year}Q{n}", "half": f"{year}H{n}", "year": str(year)}[period]


class Periodic(Kind):
    __kind__ = "periodic"
    description = "at least one matching document per month / quarter / half-year of the plan year"
    params = {
        "match": Param("match", required=True),
        "period": Param("choice", "quarter", choices=tuple(PER_YEAR)),
        "grace_months": Param("int", 1, minimum=0,
                              doc="an item is due at the end of the month N months after its period (unconfirmed: 1)"),
        "grace_days": Param("int", 0, minimum=0, doc="extra days after that"),
        "from_period": Param("int", 1, minimum=1, doc="the first period of the year that must have an item"),
        "what": Param("str", None),
        "min_per_period": Param("int", 1, minimum=1, doc="items each period needs (每季度不少于2篇: 2)"),
    }

    def evaluate(self, ctx, requirement, params, as_of):
        year, period = ctx.plan_year, params["period"]
        what = params["what"] or ctx.check.name
        by_period: dict[int, list] = {}
        for doc, terms in select(ctx, params["match"]):
            n = period_of_title(doc.get("title") or "", period)
            if n is not None and doc_year(doc) != year:
                continue  # names a period of another year
            if n is None:
                pub = dt.date.fromisoformat(doc["published"])
                if pub.year != year:
                    continue
                n = next(k for k in range(1, PER_YEAR[period] + 1) if period_bounds(year, period, k)[1] >= pub)
            by_period.setdefault(n, []).append((doc, terms))
        statuses, notes, evidence, due_last, first_open = [], [], [], None, None
        for n in range(params["from_period"], PER_YEAR[period] + 1):
            _, end = period_bounds(year, period, n)
            due = month_end(end, params["grace_months"]) + dt.timedelta(days=params["grace_days"])
            name = period_name(year, period, n)
            items = by_period.get(n, [])
            need = params["min_per_period"]
            if len(items) >= need:
                doc = items[need - 1][0]
                st = published_status(doc["published"], due)
                evidence += [evidence_of(d, t) for d, t in items[:3]]
                if st == "late":
                    notes.append(f"{name}逾期：{label(doc)}，应于{due.isoformat()}前")
            else:
                st = due_status(as_of, due, ctx.horizon)
                evidence += [evidence_of(d, t) for d, t in items[:3]]
                have = f"仅{len(items)}件，要求至少{need}件，" if items else ""
                if st == "gap":
                    notes.append(f"{name}缺失（{have}应于{due.isoformat()}前发布）")
                elif st == "at_risk":
                    notes.append(f"{name}尚未发布（{due.isoformat()}到期）")
            if len(items) < need and first_open is None:
                first_open = due
            due_last = due
            statuses.append(st)
        status = combine(statuses)
        due_last = first_open or due_last  # the next period still owed, else the last one
        if status in ("gap", "at_risk"):
            problem = ctx.source_problem(params["match"]["site"], params["match"]["column"])
            if problem and not evidence:
                return [ctx.finding("unverifiable", due=due_last, message=f"未发现{what}，但{problem}，无法判断")]
        done = sum(1 for s in statuses if s in ("met", "late"))
        head = f"{what}：{done}/{len(statuses)}期已发布"
        msg = head + ("；" + "；".join(notes) if notes else "")
        return [ctx.finding(status, due=due_last, evidence=evidence, message=msg)]
