"""Column freshness as the dashboard shows it: per column its class, newest item, limit and verdict, and per
source the columns counted by verdict. A view of the freshness rule's findings (rules/kinds/freshness.py):
their ``facts["columns"]`` hold every checked column with the rule's verdict; nothing is judged again here."""
from __future__ import annotations

from typing import Iterable

from .statuses import status_rank

#: the rule's per-column state → (the dashboard's words, status)
VERDICTS = {
    "blank": ("空白栏目", "gap"),
    "unreadable": ("无法核实", "unverifiable"),
    "ok": ("正常", "met"),
    "no_limit": ("未设时限", "met"),
    "excluded": ("不检查（配置排除）", "met"),
}


def freshness_columns(f) -> list[dict]:
    """The columns a freshness finding checked (its ``facts["columns"]``), or []."""
    cols = (getattr(f, "facts", None) or {}).get("columns")
    return [c for c in cols if isinstance(c, dict) and c.get("state")] if isinstance(cols, list) else []


def limits_note(findings: Iterable) -> str:
    """The limits the freshness rule applied, in words (动态类14天，通知公告类183天 …), or ""."""
    for f in findings:
        limits = (getattr(f, "facts", None) or {}).get("limits")
        if freshness_columns(f) and isinstance(limits, dict) and limits:
            return "，".join(f"{cls}类{days}天" for cls, days in limits.items())
    return ""


def _verdict(c: dict) -> tuple[str, str]:
    if c["state"] == "stale":
        return f"栏目更新不及时（超期{(c.get('age_days') or 0) - (c.get('limit_days') or 0)}天）", "gap"
    return VERDICTS.get(c["state"], ("无法核实", "unverifiable"))


def column_rows(findings: Iterable, site_names: dict[str, str]) -> list[dict]:
    """One row per column the freshness findings checked, worst first. A finding that an alarm made
    unverifiable turns its columns at fault unverifiable too (the crawl behind them cannot be trusted)."""
    out, seen = [], set()
    for f in findings:
        for c in freshness_columns(f):
            key = (c.get("site"), str(c.get("column_id")))
            if key in seen:
                continue
            seen.add(key)
            verdict, status = _verdict(c)
            reason = c.get("reason") or ""
            if getattr(f, "status", None) == "unverifiable" and status == "gap":
                verdict, status, reason = "无法核实", "unverifiable", f"本次抓取有告警，读取时为：{verdict}"
            excluded = c["state"] == "excluded"
            out.append({"site": c.get("site"), "site_name": site_names.get(c.get("site"), c.get("site")),
                        "name": c.get("name") or c.get("column_id"), "url": c.get("url"), "class": c.get("class"),
                        "last_item_date": c.get("newest") or "", "days": c.get("age_days"),
                        "limit": None if excluded else c.get("limit_days"), "items": c.get("items"),
                        "state": c["state"], "verdict": verdict, "status": status, "reason": reason})
    out.sort(key=lambda c: (status_rank(c["status"]), c["site"] or "", -(c["days"] or 0), c["name"] or ""))
    return out


def column_sources(columns: list[dict], site_order: Iterable[str] = ()) -> list[dict]:
    """Freshness per source: one row per site with its columns counted by verdict, the newest item and
    how many days ago it was, and the site's columns (worst first)."""
    by_site: dict[str, dict] = {}
    for c in columns:
        s = by_site.setdefault(c["site"], {"site": c["site"], "site_name": c["site_name"], "columns": [],
                                           "total": 0, "stale": 0, "blank": 0, "unverifiable": 0, "ok": 0,
                                           "excluded": 0, "newest": "", "days": None})
        s["columns"].append(c)
        s["total"] += 1
        if c["state"] == "excluded":
            s["excluded"] += 1
        elif c["state"] == "blank":
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
