"""Crawl-health alarms, store side: their lifecycle after the monitors (spiders/health.py) raised them,
how they read in one line, and how old the crawled data behind a check run is.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from .store import Store, now_iso
from .vocabulary import SITE_LABELS

SAMPLES = 5


def site_stats_of(run: dict) -> tuple[dict[str, dict], list[str]]:
    """(per-site statistics, sites the crawl meant to cover) of a crawl run."""
    stats = run.get("stats") or {}
    per_site = {k: v for k, v in stats.items() if isinstance(v, dict) and k in SITE_LABELS}
    planned = stats.get("sites") if isinstance(stats.get("sites"), list) else list(per_site)
    return per_site, list(dict.fromkeys(list(planned) + list(per_site)))


def accept_alarm(store: Store, alarm_id: int, note: str | None = None) -> dict:
    """An operator accepts the new level (a column really was emptied, a site really shrank): the alarm
    closes, and the nights before it stop being the baseline, so the new level is the normal one."""
    a = store.alarm(alarm_id)
    if a is None:
        raise LookupError(f"no alarm #{alarm_id}")
    metric = (a["evidence"] or {}).get("metric")
    with store.db.conn:
        if metric:
            store.db.execute("update health_metrics set flagged = 2 where site = ? and column_id = ? and metric = ? "
                             "and crawl_run_id < ? and flagged = 0", [a["site"], a["column_id"], metric, a["first_run"]])
            store.db.execute("update health_metrics set flagged = 0 where site = ? and column_id = ? and metric = ? "
                             "and crawl_run_id >= ? and flagged = 1", [a["site"], a["column_id"], metric, a["first_run"]])
        if a["state"] == "active":
            store.db["alarms"].update(alarm_id, {"state": "accepted", "resolved": now_iso(),
                                                 "resolution": "已确认为正常变化" + (f"：{note}" if note else ""),
                                                 "updated": now_iso()})
    return store.alarm(alarm_id)


def describe(a: dict, site_names: dict[str, str] | None = None) -> str:
    """One line for an alarm: where, what, since when. Where is the site as configured: the monitors write
    its name into the message (and ``evidence["site_name"]``), so it is prefixed only to a message that
    names no form of its site — with the configured name (*site_names*), else the generic label."""
    site = a.get("site") or ""
    ev = a.get("evidence") if isinstance(a.get("evidence"), dict) else {}
    names = [n for n in ((site_names or {}).get(site), ev.get("site_name"), SITE_LABELS.get(site)) if n]
    message = a.get("message") or ""
    since = f"（自抓取 #{a['first_run']} 起，持续{a['nights']}晚）" if (a.get("nights") or 1) > 1 else ""
    if site and not any(n in message for n in names):
        message = f"{names[0] if names else site}：{message}"
    return message + since


def samples_of(a: dict) -> list[str]:
    return list(((a.get("evidence") or {}).get("samples") or [])[:SAMPLES])


# --- how old the data is ---------------------------------------------------------------------------

STALE_HOURS = 36


def local_time(iso: str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC time (``YYYY-MM-DDTHH:MM:SS``) in this machine's local time."""
    if not iso:
        return "—"
    try:
        t = dt.datetime.fromisoformat(iso).replace(tzinfo=dt.timezone.utc)
    except ValueError:
        return iso
    return t.astimezone().strftime(fmt)


def _site_ok(s: dict | None) -> bool:
    return bool(s) and s.get("finish_reason") == "finished" and not s.get("unreachable")


def _site_problem(s: dict | None) -> str:
    if not s:
        return "抓取未完成"
    if s.get("unreachable"):
        return "无法访问"
    return f"抓取异常结束（{s.get('finish_reason')}）"


def data_freshness(store: Store, before_run: int | None = None, *, now: str | None = None) -> dict:
    """How old the crawled data is that a check run (ids below *before_run*) rests on.

    ``stale`` when the latest crawl did not complete for some source, or is older than STALE_HOURS;
    ``note`` is then the sentence reports and mails carry (数据截至 …); None when fresh or never crawled.
    """
    sql, args = "select * from runs where kind = 'crawl'", []
    if before_run is not None:
        sql += " and id < ?"; args.append(before_run)
    crawls = [store.run(r["id"]) for r in store.db.query(sql + " order by id desc limit 60", args)]
    out: dict[str, Any] = {"stale": False, "note": None, "sites": {}, "data_as_of": None, "last_crawl": None}
    if not crawls:
        return out
    latest = crawls[0]
    out["last_crawl"] = {"id": latest["id"], "started": latest["started"], "finished": latest["finished"],
                         "status": latest["status"]}
    per_site, planned = site_stats_of(latest)
    failed = []
    for site in planned:
        last_good = next((r["finished"] or r["started"] for r in crawls if _site_ok(site_stats_of(r)[0].get(site))), None)
        ok = _site_ok(per_site.get(site))
        out["sites"][site] = {"ok": ok, "last_good": last_good,
                              "problem": None if ok else _site_problem(per_site.get(site))}
        if not ok:
            failed.append(site)
    goods = [v["last_good"] for v in out["sites"].values() if v["last_good"]]
    out["data_as_of"] = min(goods) if goods else None
    reference = now
    if reference is None and before_run is not None:
        ref_run = store.run(before_run)
        reference = (ref_run or {}).get("started")
    reference = reference or now_iso()
    age_h = None
    if latest.get("finished") or latest.get("started"):
        age_h = (dt.datetime.fromisoformat(reference) - dt.datetime.fromisoformat(
            latest.get("finished") or latest["started"])).total_seconds() / 3600
    parts = []
    if failed:
        groups: dict[tuple, list[str]] = {}
        for s in failed:
            groups.setdefault((out["sites"][s]["problem"], out["sites"][s]["last_good"]), []).append(s)
        detail = "；".join(
            f"{'、'.join(SITE_LABELS.get(s, s) for s in sites)}{problem}，数据截至"
            f"{local_time(last_good) if last_good else '（从未抓取成功）'}"
            for (problem, last_good), sites in groups.items())
        parts.append(f"最近一次抓取（{local_time(latest['started'])}）未能全部完成：{detail}")
    if age_h is not None and age_h > STALE_HOURS:
        parts.append(f"最近一次抓取已是{age_h / 24:.1f}天前，数据截至{local_time(latest.get('finished') or latest['started'])}")
    if parts:
        out["stale"] = True
        out["note"] = "注意：" + "；".join(parts) + "。本报告依据的是此前抓取的数据，请以网站实际为准。"
    return out


# --- zwgk health --------------------------------------------------------------------------------
