"""Column freshness as the dashboard shows it: per column its newest item, its class's limit and a verdict;
per source the columns counted by verdict. The limits are the freshness rule's (rules/kinds/freshness.py)."""
from __future__ import annotations

import datetime as dt
from typing import Iterable

from crawler.dates import to_date
from crawler.vocabulary import infer_class
from rules.kinds.freshness import DEFAULT_LIMITS

from .statuses import status_rank

#: the freshness rule's limits, so the dashboard's verdicts are the rule's
FRESHNESS_LIMITS = DEFAULT_LIMITS


def _configured_classes(config) -> dict[tuple[str, str], str]:
    out = {}
    for key, site in (getattr(config, "sites", None) or {}).items():
        for c in getattr(site, "columns", None) or []:
            cls = getattr(c, "cls", None)
            if cls and cls != "other":
                out[(key, str(getattr(c, "id", "")))] = cls
    return out


def column_class(stored: str | None, configured: str | None, name: str | None) -> str:
    """A column's freshness class as the freshness rule sees it: stored class, else the configured one,
    else what its name reveals (工作动态 → 动态), else ``other`` (no time limit)."""
    if stored and stored != "other":
        return stored
    if configured and configured != "other":
        return configured
    return infer_class(name) or "other"


def column_rows(store, as_of: dt.date | None, site_names: dict[str, str], config=None) -> list[dict]:
    cols = store.columns()
    configured = _configured_classes(config)
    newest: dict[tuple, dt.date] = {}  # the newest stored item of each column, as of the check date
    rows = store.db.query(
        "select site, column_id, max(substr(published, 1, 10)) as newest from documents "
        "where published is not null and published != '' and substr(published, 1, 10) <= ? "
        "and coalesce(state, 'live') != 'withdrawn' group by site, column_id",
        [(as_of or dt.date.max).isoformat()])
    for r in rows:
        d = to_date(r["newest"])
        if d:
            newest[(r["site"], str(r["column_id"]))] = d
    out = []
    for c in cols:
        last = to_date(c.get("last_item_date"))
        if last and as_of and last > as_of:  # an item dated after the as-of date does not count
            last = None
        stored = newest.get((c.get("site"), str(c.get("column_id"))))
        if stored and (last is None or stored > last):
            last = stored
        days = (as_of - last).days if (as_of and last) else None
        name = c.get("name") or c.get("column_id")
        cls = column_class(c.get("class"), configured.get((c.get("site"), str(c.get("column_id")))), name)
        limit = FRESHNESS_LIMITS.get(cls)
        state = c.get("state") or "normal"
        if state == "unverifiable":
            verdict, status = "无法核实", "unverifiable"
        elif state == "blank" and last is None:
            verdict, status = "空白栏目", "gap"
        elif days is None:
            verdict, status = "无日期", "unverifiable"
        elif limit is not None and days > limit:
            verdict, status = f"超期（{days - limit}天）", "gap"
        elif limit is None:
            verdict, status = "未设时限", "met"
        else:
            verdict, status = "正常", "met"
        out.append({"site": c.get("site"), "site_name": site_names.get(c.get("site"), c.get("site")),
                    "name": name, "url": c.get("url"), "class": cls,
                    "last_item_date": last.isoformat() if last else "", "days": days, "limit": limit,
                    "items": c.get("item_count"), "state": state, "verdict": verdict, "status": status,
                    "reason": c.get("reason") or ""})
    out.sort(key=lambda c: (status_rank(c["status"]), c["site"] or "", -(c["days"] or 0), c["name"] or ""))
    return out


def column_sources(columns: list[dict], site_order: Iterable[str] = ()) -> list[dict]:
    """Freshness per source: one row per site with its columns counted by verdict, the newest item and
    how many days ago it was, and the site's columns (worst first)."""
    by_site: dict[str, dict] = {}
    for c in columns:
        s = by_site.setdefault(c["site"], {"site": c["site"], "site_name": c["site_name"], "columns": [],
                                           "total": 0, "stale": 0, "blank": 0, "unverifiable": 0, "ok": 0,
                                           "newest": "", "days": None})
        s["columns"].append(c)
        s["total"] += 1
        if c["verdict"] == "空白栏目":
            s["blank"] += 1
        elif c["status"] == "unverifiable":
            s["unverifiable"] += 1
        elif c["status"] == "gap":
            s["stale"] += 1
        else:
            s["ok"] += 1
        if c["last_item_date"] and c["last_item_date"] > s["newest"]:
            s["newest"], s["days"] = c["last_item_date"], c["days"]
    order = {k: i for i, k in enumerate(site_order)}
    out = sorted(by_site.values(), key=lambda s: (order.get(s["site"], len(order)), s["site"] or ""))
    for s in out:
        s["status"] = ("gap" if (s["stale"] or s["blank"]) else
                       "unverifiable" if s["unverifiable"] else "met")
    return out


