"""Running crawls from the CLI: every configured site's column spider in ONE Scrapy process.

``run_crawl(config, db_path, sites=…, columns=…)`` records a ``runs`` row (kind ``crawl``), runs one
ColumnSpider per site in an AsyncCrawlerProcess (the reactor starts once per process, so call it
once per process) — sites on different hosts at the same time, sites sharing a host one after the
other, so no host ever gets more than crawl.concurrency_per_host requests at once — and returns a
CrawlResult with the per-site statistics that went into the row.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path

from scrapy.settings import Settings

from crawler.config import Config, SITE_KEYS
from crawler.pipelines import site_stats
from crawler.store import Store

logger = logging.getLogger(__name__)


@dataclass
class CrawlResult:
    run_id: int
    status: str                      # ok | failed
    stats: dict[str, dict] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def scrapy_settings(db_path: Path, run_id: int | None = None, *, log_level: str | None = None,
                    log_file: str | None = None, overrides: dict | None = None) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("ZWGK_DB_PATH", str(db_path), priority="cmdline")
    if run_id is not None:
        settings.set("ZWGK_RUN_ID", run_id, priority="cmdline")
    if log_level:
        settings.set("LOG_LEVEL", log_level.upper(), priority="cmdline")
    if log_file:
        settings.set("LOG_FILE", str(log_file), priority="cmdline")
    for k, v in (overrides or {}).items():
        settings.set(k, v, priority="cmdline")
    return settings


def sites_by_host(config: Config, keys: list[str]) -> dict[str, list[str]]:
    """Site keys grouped by the host they are crawled on (bureau and district share www.yanzhou.gov.cn)."""
    from urllib.parse import urlsplit

    groups: dict[str, list[str]] = {}
    for key in keys:
        site = config.sites[key]
        host = urlsplit(site.base_url).netloc.lower()   # host[:port]: replica sites differ by port
        if host.startswith("www."):
            host = host[4:]   # http://www.x and http://x are one server
        groups.setdefault(host, []).append(key)
    return groups


def run_crawl(config: Config, db_path: Path, *, sites: list[str] | None = None,
              columns: list[str] | None = None, log_level: str | None = None,
              log_file: str | None = None, overrides: dict | None = None) -> CrawlResult:
    from scrapy.crawler import AsyncCrawlerProcess

    from spiders.column import ColumnSpider

    keys = [k for k in SITE_KEYS if k in config.sites and (not sites or k in sites)]
    db_path = Path(db_path)
    with Store(db_path) as store:
        run_id = store.start_run("crawl", as_of=dt.date.today().isoformat(),
                                 stats={"sites": keys, "columns": columns or []})
    settings = scrapy_settings(db_path, run_id, log_level=log_level, log_file=log_file, overrides=overrides)
    process = AsyncCrawlerProcess(settings)
    crawlers = {key: process.create_crawler(ColumnSpider) for key in keys}

    def chain(queue: list[str]) -> None:
        """Crawl these sites one after the other (they share a host: each crawler limits its own
        requests per host, so two at once would double the load on it)."""
        key = queue.pop(0)
        task = process.crawl(crawlers[key], site=key, config=config, columns=columns or None)
        if queue:
            # runs after the process's own done-callback and before join() looks again
            task.add_done_callback(lambda _task: chain(queue))

    for group in sites_by_host(config, keys).values():
        chain(list(group))
    problems: list[str] = []
    try:
        process.start()
    except Exception as e:  # the reactor itself failed: nothing sensible was crawled
        problems.append(f"crawl process failed: {type(e).__name__}: {e}")
    stats: dict[str, dict] = {}
    for key, crawler in crawlers.items():
        raw = crawler.stats.get_stats() if getattr(crawler, "_stats", None) is not None else {}
        s = site_stats(raw)
        stats[key] = s
        if getattr(crawler, "spider", None) is None:
            problems.append(f"{key}: the spider did not start (see the log)")
            s["finish_reason"] = "not started"
        elif s["finish_reason"] != "finished":
            problems.append(f"{key}: crawl ended with {s['finish_reason']!r}")
        if s["unreachable"]:
            problems.append(f"{key}: site unreachable")
        elif s["finish_reason"] == "finished" and s["requests"] and not raw.get("downloader/response_count"):
            problems.append(f"{key}: no request got an answer")
    if getattr(process, "bootstrap_failed", False) and not problems:
        problems.append("a crawler failed to start")
    status = "failed" if problems else "ok"
    with Store(db_path) as store:
        store.finish_run(run_id, status, stats)
    return CrawlResult(run_id=run_id, status=status, stats=stats, problems=problems)


def summary_table(result: CrawlResult) -> str:
    """The per-site summary `zwgk crawl` prints."""
    head = ("site", "new", "changed", "unchanged", "withdrawn", "columns", "blank", "unverif.", "links✗",
            "att✗", "errors", "requests")
    rows = [head]
    total = [0] * (len(head) - 1)
    for key, s in result.stats.items():
        vals = [s["new"], s["changed"], s["unchanged"], s["withdrawn"], s["columns"], s["columns_blank"],
                s["columns_unverifiable"], s["broken_links"], s["attachments_failed"], s["errors"], s["requests"]]
        total = [a + b for a, b in zip(total, vals)]
        rows.append((key, *vals))
    rows.append(("total", *total))
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(head))]
    lines = []
    for n, r in enumerate(rows):
        cells = [str(r[0]).ljust(widths[0])] + [str(v).rjust(w) for v, w in zip(r[1:], widths[1:])]
        lines.append("  ".join(cells))
        if n == 0 or n == len(rows) - 2:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
