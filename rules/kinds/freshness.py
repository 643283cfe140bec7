"""freshness: the bureau's columns are kept up to date, and none is blank.

A column's class (crawler.vocabulary.column_class: the configuration's ``column_classes``, else its name —
学前教育, 校园安全 … are work columns, 动态 —, else the class the crawl stored) sets how old its newest item
may be: 动态/要闻 14 days, 通知公告/政策文件 183 days (≈ 6 months), 人事/规划计划 365 days (unconfirmed), as
in 国办秘函〔2019〕19号; 专题 and reference columns (other) have no limit. A column configured ``exclude`` is
listed but not checked. ``facts["columns"]`` holds every column with its verdict: the dashboard's table.
A blank column never had any item. A column the crawler could not read (``unverifiable``: a shell page, an
empty dataproxy answer) is never reported blank or stale.
"""
from __future__ import annotations

import datetime as dt

from crawler.vocabulary import EXCLUDED, SITE_LABELS

from ..params import Invalid, Param, SITES
from . import Kind

DEFAULT_LIMITS = {"动态": 14, "通知公告": 183, "政策文件": 183, "人事": 365, "规划计划": 365}


class Freshness(Kind):
    __kind__ = "freshness"
    met_by_absence = True   # under a crawl-health alarm, finding nothing wrong proves nothing
    description = "columns updated within their class's limit (动态 14 d, 通知公告/政策文件 183 d, 人事/规划计划 365 d), none blank"
    params = {
        "site": Param("strings", ["bureau"], choices=SITES),
        "limits": Param("dict", DEFAULT_LIMITS, doc="days per column class"),
        "max_stale": Param("int", 0, minimum=0, doc="stale columns tolerated (the inspection fails at 5; we report every one)"),
        "max_blank": Param("int", 0, minimum=0, doc="blank columns tolerated"),
        "exclude": Param("strings", [], doc="column ids or names not checked"),
    }

    @classmethod
    def validate(cls, params, node):
        for k, v in params["limits"].items():
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise Invalid(None, f"limit for {k!r} must be a whole number of days ≥ 1", f".limits.{k}")

    def evaluate(self, ctx, requirement, params, as_of):
        limits = params["limits"]
        stale, blank, unreadable, checked, evidence = [], [], [], 0, []
        # facts["columns"]: every column of the checked sites with this rule's verdict (``state``), which the
        # dashboard shows as it is; the other lists keep the columns at fault
        facts: dict = {"stale_columns": [], "blank_columns": [], "unreadable_columns": [], "checked": 0,
                       "limits": dict(limits), "columns": []}
        for site in params["site"]:
            rows = {str(c["column_id"]): c for c in ctx.columns if c["site"] == site}
            last: dict[str, str] = {}
            names: dict[str, str] = {}
            for d in ctx.docs:
                if d.get("site") != site:
                    continue
                cid = str(d.get("column_id") or d.get("column_name") or "")
                if d["published"] > last.get(cid, ""):
                    last[cid] = d["published"]
                names.setdefault(cid, d.get("column_name") or "")
            for cid in sorted(set(rows) | set(last)):
                row = rows.get(cid, {})
                name = row.get("name") or names.get(cid) or cid
                url = row.get("url") or ""
                newest = last.get(cid)
                lid = row.get("last_item_date")
                if lid and lid[:10] <= as_of.isoformat() and (newest is None or lid[:10] > newest):
                    newest = lid[:10]
                newest = newest[:10] if newest else None
                cls = ctx.column_class(site, cid, name)
                limit = limits.get(cls)
                age = (as_of - dt.date.fromisoformat(newest)).days if newest else None
                col = {"site": site, "column_id": cid, "name": name, "url": url, "class": cls, "newest": newest,
                       "age_days": age, "limit_days": limit, "items": row.get("item_count"),
                       "reason": row.get("reason") or None}
                facts["columns"].append(col)
                if cid in params["exclude"] or name in params["exclude"] \
                        or ctx.configured_class(site, cid, name) == EXCLUDED:
                    col["state"] = "excluded"
                    continue
                checked += 1
                if row.get("state") == "unverifiable" and newest is None:
                    col["state"] = "unreadable"
                    unreadable.append(f"{name}（{row.get('reason') or '无法读取'}）")
                    facts["unreadable_columns"].append({"site": site, "column_id": cid, "name": name,
                                                        "reason": row.get("reason") or None})
                    continue
                if newest is None:
                    col["state"] = "blank"
                    blank.append(name)
                    facts["blank_columns"].append({"site": site, "column_id": cid, "name": name, "url": url})
                    evidence.append({"url": url, "title": f"空白栏目：{name}", "published": None, "terms": []})
                    continue
                if limit is None:
                    col["state"] = "no_limit"
                    continue
                if age <= limit:
                    col["state"] = "ok"
                    continue
                col["state"] = "stale"
                stale.append(f"{name}（{cls}类，最近更新{newest}，已{age}天，限{limit}天）")
                facts["stale_columns"].append({"site": site, "column_id": cid, "name": name, "url": url,
                                               "class": cls, "newest": newest, "age_days": age,
                                               "limit_days": limit})
                evidence.append({"url": url, "title": f"长期未更新：{name}", "published": newest, "terms": []})
        where = "、".join(SITE_LABELS.get(s, s) for s in params["site"])
        facts["checked"] = checked
        if checked == 0 or (unreadable and len(unreadable) == checked):
            return [ctx.finding("unverifiable", facts=facts, message=f"{where}没有可检查的栏目" + (
                "：" + "、".join(unreadable) if unreadable else "（未抓取）"))]
        parts = []
        if stale:
            parts.append(f"{len(stale)}个栏目未按时更新：" + "；".join(stale))
        if blank:
            parts.append(f"{len(blank)}个空白栏目：" + "、".join(blank))
        bad = len(stale) > params["max_stale"] or len(blank) > params["max_blank"]
        note = ("；无法读取、未作判断的栏目：" + "、".join(unreadable)) if unreadable else ""
        if bad:
            return [ctx.finding("gap", evidence=evidence, facts=facts, message=f"{where}：" + "；".join(parts) + note)]
        msg = f"{where}：检查{checked}个栏目，更新及时" + ("（" + "；".join(parts) + "，在容许范围内）" if parts else "")
        return [ctx.finding("met", evidence=evidence, facts=facts, message=msg + note)]
