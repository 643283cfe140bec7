"""Crawl health: after each crawl, compare tonight with previous nights, per source and per column.

A spider that silently stops finding things produces false gaps, the worst failure this product can have.
So after every crawl (``zwgk nightly`` does it; ``zwgk health evaluate`` by hand) the monitors here read the
crawl's run statistics (runs.stats, one dict per site), the ``columns`` rows the crawl touched and the stored
documents, record one figure per monitor in ``health_metrics``, and compare each with its baseline (the
median of the last BASELINE_NIGHTS healthy nights):

per source   unreachable · finish reason · error ratio · timeouts (Scrapy's stats) · items listed
             (sum over columns) dropping sharply or to zero · columns found · articles withdrawn ·
             articles without a published date · articles without a usable title
per column   items listed dropping sharply or to zero · a column that could be read and now cannot

A figure that fires raises an **alarm** (table ``alarms``) with its evidence: what dropped, from what to what,
on which nights, sample URLs. The figure is flagged so it never becomes part of a baseline: a site that stays
broken keeps its alarm until it is healthy again (then the alarm is *resolved*: a recovery, reported once)
or until an operator accepts the new level (``zwgk health accept ID``).

While an alarm is active, the checks resting on its source or column are ``unverifiable`` instead of ``gap``
(rules/engine.py), and the office's summary mail carries new alarms and recoveries once each
(reports/mailer.py).
"""
from __future__ import annotations

import json
import re
import statistics
from dataclasses import dataclass, field

from crawler.alarms import SAMPLES, site_stats_of
from crawler.store import Store, now_iso
from crawler.vocabulary import SITE_LABELS, finish_reason_words

BASELINE_NIGHTS = 7

# thresholds (one place, so operators can read what "sharply" means)
SITE_LISTED_DROP = 0.30        # items listed over all columns: a drop of 30 % or more
SITE_LISTED_MIN = 10           # … when the baseline had at least this many
COLUMN_LISTED_DROP = 0.50      # one column: half or more of its items gone
COLUMN_LISTED_MIN = 10
COLUMN_ZERO_MIN = 3            # a column with at least 3 items that lists none
COLUMNS_DROP = 0.20            # columns found on a site
ERROR_RATIO = 0.10             # failed requests / requests
ERROR_MIN = 5
TIMEOUT_RATIO = 0.05
TIMEOUT_MIN = 5
DOC_DELTA_MIN = 3              # withdrawn / undated / untitled articles: at least 3 more than usual …
DOC_DELTA_SHARE = 0.02         # … and 2 % of the site's documents
WITHDRAWN_DELTA_MIN = 5
WITHDRAWN_DELTA_SHARE = 0.05
TONIGHT_SHARE = 0.5            # of the articles fetched tonight, half or more without a date/title
TONIGHT_MIN = 5

MONITOR_LABELS = {
    "crawl_incomplete": "抓取未完成", "unreachable": "网站无法访问", "finish_reason": "抓取异常结束",
    "errors": "请求出错比例过高", "timeouts": "请求超时过多", "listed_drop": "列出条目骤降",
    "columns_drop": "栏目数减少", "withdrawn": "大量文章被判为撤稿", "undated": "文章缺少发布日期",
    "untitled": "文章缺少标题", "column_drop": "栏目条目骤降", "column_unreadable": "栏目无法读取",
    "withdrawals_held": "成批消失的文章未判为撤稿",
}


@dataclass
class Firing:
    monitor: str
    site: str
    message: str
    evidence: dict
    column_id: str = ""
    column_name: str | None = None
    severity: str = "warning"

    @property
    def key(self) -> str:
        return f"{self.site}|{self.column_id}|{self.monitor}"


@dataclass
class HealthResult:
    crawl_run_id: int | None
    sites: list[str] = field(default_factory=list)       # sites evaluated
    fired: list[Firing] = field(default_factory=list)
    new: list[int] = field(default_factory=list)         # alarm ids opened tonight
    ongoing: list[int] = field(default_factory=list)     # still active (already reported)
    resolved: list[int] = field(default_factory=list)    # recovered tonight
    metrics: int = 0
    note: str | None = None

    def to_dict(self) -> dict:
        return {"crawl_run": self.crawl_run_id, "sites": self.sites, "fired": len(self.fired), "new": self.new,
                "ongoing": self.ongoing, "resolved": self.resolved, "metrics": self.metrics, "note": self.note}


def _bad_title_sql(site: str, names: list[str]) -> tuple[str, list]:
    """SQL condition for a title that says nothing: empty, the site's own name, the column's name, or one
    shared by 3+ live articles of the site (every page titled alike: the extractor read the page chrome)."""
    marks = ", ".join("?" for _ in names) or "''"
    cond = (f"(title is null or trim(title) = '' or title in ({marks}) or title = column_name "
            "or title in (select title from documents d2 where d2.site = ? and d2.state = 'live' "
            "group by title having count(*) >= 3))")
    return cond, [*names, site]


def _site_names(config, site: str) -> list[str]:
    names = []
    if config is not None and site in getattr(config, "sites", {}):
        n = config.sites[site].name
        names += [n, re.sub(r"（[^）]*）$", "", n)]
    if site == "bureau":
        names += list(getattr(config, "bureau_aliases", None) or [])
    return [n for n in dict.fromkeys(names) if n]


# --- the monitors -------------------------------------------------------------------------------

class Monitors:
    """One evaluation of one crawl run."""

    def __init__(self, store: Store, config, run: dict):
        self.store, self.config, self.run = store, config, run
        self.rid = run["id"]
        self.started = run.get("started") or ""
        self.per_site, self.planned = site_stats_of(run)
        self.metrics: list[tuple[str, str, str, float]] = []     # (site, column, metric, value)
        self.fired: list[Firing] = []
        self.evaluated_columns: set[tuple[str, str]] = set()
        self.unreachable: set[str] = set()

    # baselines ------------------------------------------------------------------------------------
    def history(self, site: str, column: str, metric: str) -> list[tuple[int, float]]:
        rows = self.store.db.execute(
            "select crawl_run_id, value from health_metrics where site = ? and column_id = ? and metric = ? "
            "and crawl_run_id < ? and flagged = 0 order by crawl_run_id desc limit ?",
            [site, column, metric, self.rid, BASELINE_NIGHTS]).fetchall()
        return [(r[0], r[1]) for r in rows]

    def baseline(self, site: str, column: str, metric: str) -> tuple[float | None, list[int]]:
        h = self.history(site, column, metric)
        if not h:
            return None, []
        return statistics.median(v for _, v in h), [r for r, _ in h]

    def measure(self, site: str, column: str, metric: str, value: float) -> None:
        self.metrics.append((site, column, metric, float(value)))

    def fire(self, f: Firing) -> None:
        if isinstance(f.evidence, dict):   # the name the message uses, for crawler.alarms.describe
            f.evidence.setdefault("site_name", self._label(f.site))
        self.fired.append(f)

    # per site -------------------------------------------------------------------------------------
    def evaluate(self) -> None:
        for site in self.planned:
            s = self.per_site.get(site)
            base_url = self._base_url(site)
            if s is None:
                self.fire(Firing("crawl_incomplete", site, f"{self._label(site)}：本次抓取未完成，没有统计数据"
                                 f"（抓取运行 #{self.rid}，状态 {self.run.get('status')}）",
                                 {"metric": "statistics", "from": "present", "to": "missing", "samples": [base_url]},
                                 severity="critical"))
                continue
            self.site(site, s, base_url)

    def _label(self, site: str) -> str:
        """The site as the configuration names it (the operator's words), else the generic label."""
        cfg = getattr(self.config, "sites", {}) if self.config is not None else {}
        return cfg[site].name if site in cfg and cfg[site].name else SITE_LABELS.get(site, site)

    def _base_url(self, site: str) -> str:
        if self.config is not None and site in getattr(self.config, "sites", {}):
            return self.config.sites[site].base_url
        return ""

    def site(self, site: str, s: dict, base_url: str) -> None:
        label = self._label(site)
        requests, responses = int(s.get("requests") or 0), int(s.get("responses") or 0)
        errors = int(s.get("errors") or 0)
        reason = s.get("finish_reason")
        unreachable = bool(s.get("unreachable")) or (requests > 0 and responses == 0)
        self.measure(site, "", "reachable", 0 if unreachable else 1)
        if unreachable:
            self.unreachable.add(site)
            # never "无法访问" beside "得到应答3次": say what the answers were
            said = (f"请求{requests}次，均无应答" if responses == 0 else
                    f"请求{requests}次，得到{responses}次应答，但没有一次是可用的页面（错误{errors}次）")
            ended = "" if reason == "finished" else f"（抓取{finish_reason_words(reason)}）"
            self.fire(Firing("unreachable", site, f"{label}无法访问：{said}{ended}",
                             {"metric": "reachable", "from": "可访问", "to": f"无应答（{responses}/{requests}）",
                              "responses": responses, "requests": requests,
                              "errors": errors, "finish_reason": reason,
                              "samples": ([base_url] if base_url else []) + _samples(s, "failure_samples")[:SAMPLES - 1]},
                             severity="critical"))
        elif reason not in ("finished", None):
            self.fire(Firing("finish_reason", site, f"{label}抓取异常结束：{finish_reason_words(reason)}",
                             {"metric": "finish_reason", "from": "finished", "to": reason,
                              "samples": _samples(s, "failure_samples")}, severity="critical"))
        ratio = errors / requests if requests else 0.0
        self.measure(site, "", "error_ratio", ratio)
        if not unreachable and errors >= ERROR_MIN and ratio >= ERROR_RATIO:
            base, runs = self.baseline(site, "", "error_ratio")
            self.fire(Firing("errors", site, f"{label}请求出错比例{ratio:.0%}（{errors}/{requests}）"
                             + (f"，此前约{base:.0%}" if base is not None else ""),
                             {"metric": "error_ratio", "from": base, "to": round(ratio, 4), "errors": errors,
                              "requests": requests, "baseline_runs": runs, "samples": _samples(s, "failure_samples")}))
        timeouts = int(s.get("timeouts") or 0)   # Scrapy's downloader/exception_type_count/…Timeout…
        self.measure(site, "", "timeouts", timeouts)
        if not unreachable and timeouts >= TIMEOUT_MIN and requests and timeouts / requests >= TIMEOUT_RATIO:
            base, runs = self.baseline(site, "", "timeouts")
            self.fire(Firing("timeouts", site, f"{label}请求超时{timeouts}次（共{requests}次请求）"
                             + (f"，此前约{base:.0f}次" if base is not None else ""),
                             {"metric": "timeouts", "from": base, "to": timeouts, "requests": requests,
                              "baseline_runs": runs, "samples": _samples(s, "timeout_samples")}))
        if unreachable:
            return  # nothing below means anything for a site that did not answer
        cols = [c for c in self.store.columns(site) if (c.get("checked_at") or "") >= self.started]
        self.columns(site, cols)
        self.documents(site, s)

    def columns(self, site: str, cols: list[dict]) -> None:
        label = self._label(site)
        listed = sum(int(c.get("item_count") or 0) for c in cols)
        self.measure(site, "", "columns", len(cols))
        self.measure(site, "", "listed", listed)
        base, runs = self.baseline(site, "", "columns")
        if base is not None and base >= 3 and len(cols) <= base * (1 - COLUMNS_DROP):
            self.fire(Firing("columns_drop", site, f"{label}找到的栏目由{base:.0f}个减少到{len(cols)}个",
                             {"metric": "columns", "from": base, "to": len(cols), "baseline_runs": runs,
                              "samples": [self._base_url(site) + "/index.html"] if self._base_url(site) else []}))
        base, runs = self.baseline(site, "", "listed")
        drops = []
        for c in cols:
            cid = str(c["column_id"])
            self.evaluated_columns.add((site, cid))
            n = int(c.get("item_count") or 0)
            self.measure(site, cid, "listed", n)
            readable = 0 if c.get("state") == "unverifiable" else 1
            self.measure(site, cid, "readable", readable)
            cb, cruns = self.baseline(site, cid, "listed")
            name = c.get("name") or cid
            if cb is not None and ((cb >= COLUMN_LISTED_MIN and n <= cb * (1 - COLUMN_LISTED_DROP))
                                   or (cb >= COLUMN_ZERO_MIN and n == 0)):
                gone = self._unlisted(site, cid)
                drops.append((cb - n, c.get("url")))
                self.fire(Firing("column_drop", site,
                                 f"{label}“{name}”栏目列出条目由{cb:.0f}条降至{n}条（{_pct(n, cb)}）",
                                 {"metric": "listed", "from": cb, "to": n, "change": _change(n, cb),
                                  "baseline_runs": cruns, "column_url": c.get("url"), "state": c.get("state"),
                                  "samples": ([c["url"]] if c.get("url") else []) + gone},
                                 column_id=cid, column_name=name))
            rb, rruns = self.baseline(site, cid, "readable")
            if rb is not None and rb >= 0.5 and readable == 0:
                self.fire(Firing("column_unreadable", site,
                                 f"{label}“{name}”栏目此前可以读取，本次无法读取（{c.get('reason') or '未解析到列表'}）",
                                 {"metric": "readable", "from": "readable", "to": "unverifiable",
                                  "reason": c.get("reason"), "baseline_runs": rruns,
                                  "samples": [c["url"]] if c.get("url") else []},
                                 column_id=cid, column_name=name))
        if cols and listed == 0 and (base is None or base > 0):
            self.fire(Firing("listed_drop", site, f"{label}的{len(cols)}个栏目一条也没有列出"
                             + (f"（此前约{base:.0f}条）" if base else ""),
                             {"metric": "listed", "from": base, "to": 0, "baseline_runs": runs,
                              "samples": [c["url"] for c in cols[:SAMPLES] if c.get("url")]}, severity="critical"))
        elif base is not None and base >= SITE_LISTED_MIN and listed <= base * (1 - SITE_LISTED_DROP):
            drops.sort(key=lambda x: -x[0])
            self.fire(Firing("listed_drop", site, f"{label}各栏目列出的条目合计由{base:.0f}条降至{listed}条（{_pct(listed, base)}）",
                             {"metric": "listed", "from": base, "to": listed, "change": _change(listed, base),
                              "baseline_runs": runs, "columns_dropped": len(drops),
                              "samples": [u for _, u in drops[:SAMPLES] if u]}))

    def _unlisted(self, site: str, cid: str) -> list[str]:
        """Articles of a column that tonight's lists no longer showed."""
        return [r["url"] for r in self.store.db.query(
            "select url from documents where site = ? and column_id = ? and (last_seen < ? or state = 'withdrawn') "
            "order by published desc limit ?", [site, cid, self.started, SAMPLES - 1])]

    def documents(self, site: str, s: dict) -> None:
        label = self._label(site)
        db = self.store.db
        total = db.execute("select count(*) from documents where site = ?", [site]).fetchone()[0]
        live = db.execute("select count(*) from documents where site = ? and state = 'live'", [site]).fetchone()[0]
        # withdrawn: a level (documents now withdrawn), so the alarm lasts while they stay withdrawn
        withdrawn = total - live
        self.measure(site, "", "withdrawn", withdrawn)
        base, runs = self.baseline(site, "", "withdrawn")
        if base is not None:
            delta = withdrawn - base
            if delta >= WITHDRAWN_DELTA_MIN and delta >= WITHDRAWN_DELTA_SHARE * max(total, 1):
                samples = [r["url"] for r in db.query(
                    "select url from documents where site = ? and state = 'withdrawn' "
                    "order by withdrawn_on desc, published desc limit ?", [site, SAMPLES])]
                self.fire(Firing("withdrawn", site,
                                 f"{label}被判为撤稿的文章由{base:.0f}篇增至{withdrawn}篇（本次新增{int(s.get('withdrawn') or 0)}篇，"
                                 f"占全部{total}篇的{withdrawn / max(total, 1):.0%}）",
                                 {"metric": "withdrawn", "from": base, "to": withdrawn, "tonight": s.get("withdrawn"),
                                  "documents": total, "baseline_runs": runs, "samples": samples}))
        held = int(s.get("withdrawals_held") or 0)
        if held:
            # the spider refused to withdraw them (too many vanished from one list at once): say so
            self.fire(Firing("withdrawals_held", site,
                             f"{label}有{held}篇文章从栏目列表中成批消失，疑为改版或列表故障，今晚未判为撤稿",
                             {"metric": "withdrawals_held", "from": 0, "to": held, "documents": total}))
        if not live:
            return
        names = _site_names(self.config, site)
        bad_title, args = _bad_title_sql(site, names)
        for metric, cond, cargs, what in (
                ("undated", "(published is null or trim(published) = '')", [], "发布日期"),
                ("untitled", bad_title, args, "可用的标题")):
            count = db.execute(f"select count(*) from documents where site = ? and state = 'live' and {cond}",
                               [site, *cargs]).fetchone()[0]
            self.measure(site, "", metric, count)
            # tonight: the articles whose current text was stored by this crawl
            tn, tbad = db.execute(
                f"select count(*), coalesce(sum(case when {cond} then 1 else 0 end), 0) from documents "
                f"where site = ? and state = 'live' and url in (select url from versions where seen >= ?)",
                [*cargs, site, self.started]).fetchone()
            base, runs = self.baseline(site, "", metric)
            delta = count - (base if base is not None else 0)
            level = base is not None and delta >= DOC_DELTA_MIN and delta >= DOC_DELTA_SHARE * live
            tonight = tn >= TONIGHT_MIN and tbad >= DOC_DELTA_MIN and tbad / tn >= TONIGHT_SHARE
            if not (level or tonight):
                continue
            samples = [r["url"] for r in db.query(
                f"select url from documents where site = ? and state = 'live' and {cond} "
                f"order by last_seen desc, published desc limit ?", [site, *cargs, SAMPLES])]
            titles = [r["title"] for r in db.query(
                f"select title, count(*) n from documents where site = ? and state = 'live' and {cond} "
                f"group by title order by n desc limit 3", [site, *cargs])]
            msg = f"{label}没有{what}的文章" + (f"由{base:.0f}篇增至{count}篇" if base is not None else f"共{count}篇")
            if tn:
                msg += f"（本次抓取的{tn}篇中{tbad}篇）"
            self.fire(Firing(metric, site, msg,
                             {"metric": metric, "from": base, "to": count, "live": live, "tonight_fetched": tn,
                              "tonight_bad": tbad, "baseline_runs": runs, "titles": titles, "samples": samples}))


def _samples(site_stats: dict, field: str) -> list[str]:
    """Sample URLs the crawl kept in its stats (spiders.middlewares.FailureSamples)."""
    return [u for u in (site_stats.get(field) or [])[:SAMPLES] if isinstance(u, str)]


def _change(now: float, base: float) -> float | None:
    return round((now - base) / base, 3) if base else None


def _pct(now: float, base: float) -> str:
    c = _change(now, base)
    return f"{c:+.0%}" if c is not None else "—"


# --- alarms -------------------------------------------------------------------------------------

def evaluate_crawl(store: Store, config=None, crawl_run_id: int | None = None) -> HealthResult:
    """Run every monitor on one crawl run (default: the latest), record the figures, open, update and
    resolve alarms. Evaluating the same run again replaces its figures and does not count a night twice."""
    run = store.run(crawl_run_id) if crawl_run_id is not None else store.latest_run("crawl", status=None)
    if run is None or run.get("kind") != "crawl":
        return HealthResult(crawl_run_id, note="没有抓取记录，未作健康检查")
    m = Monitors(store, config, run)
    m.evaluate()
    rid = run["id"]
    now = now_iso()
    fired_keys = {(f.site, f.column_id, f.evidence.get("metric")) for f in m.fired}
    with store.db.conn:
        store.db.execute("delete from health_metrics where crawl_run_id = ?", [rid])
        store.db["health_metrics"].insert_all([
            {"crawl_run_id": rid, "site": s, "column_id": c, "metric": k, "value": v,
             "flagged": 1 if (s, c, k) in fired_keys else 0, "recorded": now} for s, c, k, v in m.metrics])
    result = HealthResult(rid, sites=[s for s in m.planned], metrics=len(m.metrics), fired=m.fired)
    active = {a["key"]: a for a in store.alarms("active")}
    seen_keys = set()
    with store.db.conn:
        for f in m.fired:
            if f.key in seen_keys:
                continue
            seen_keys.add(f.key)
            evidence = dict(f.evidence, crawl_run=rid)
            old = active.get(f.key)
            if old is not None:
                first = old["evidence"].get("first") or {k: old["evidence"].get(k) for k in ("from", "to", "crawl_run")}
                evidence["first"] = first
                nights = (old["nights"] or 1) + (1 if (old["last_run"] or 0) < rid else 0)
                store.db["alarms"].update(old["id"], {
                    "message": f.message, "evidence": json.dumps(evidence, ensure_ascii=False),
                    "last_run": max(rid, old["last_run"] or 0), "nights": nights, "updated": now,
                    "severity": f.severity, "column_name": f.column_name or old.get("column_name")})
                result.ongoing.append(old["id"])
            else:
                aid = store.db["alarms"].insert({
                    "key": f.key, "site": f.site, "column_id": f.column_id, "column_name": f.column_name,
                    "monitor": f.monitor, "severity": f.severity, "state": "active", "message": f.message,
                    "evidence": json.dumps(evidence, ensure_ascii=False), "first_run": rid, "last_run": rid,
                    "nights": 1, "opened": now, "updated": now}).last_pk
                result.new.append(aid)
        for key, old in active.items():
            if key in seen_keys or (old["first_run"] or 0) > rid:
                continue
            if old["site"] not in m.per_site:
                continue  # the site was not crawled (or the crawl has no figures): nothing proves recovery
            if old["column_id"] and (old["site"], old["column_id"]) not in m.evaluated_columns:
                continue
            if old["site"] in m.unreachable and old["monitor"] != "unreachable":
                continue  # an unreachable site says nothing about its columns or documents
            store.db["alarms"].update(old["id"], {
                "state": "resolved", "resolved": now, "resolved_run": rid, "updated": now,
                "resolution": f"抓取运行 #{rid} 恢复正常"})
            result.resolved.append(old["id"])
    return result

