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
from crawler.configcopy import save_config_copy
from crawler.store import Store, now_iso
from crawler.heap import settle_for_crawl

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
              log_file: str | None = None, overrides: dict | None = None, progress=None) -> CrawlResult:
    """Crawl *sites* into the store. ``progress`` (optional): called about once a second with
    {site: its live figures} while the crawl runs (the command's progress lines): ``site_stats`` plus
    ``by_column`` ({column id: name, pages, new, errors}) and ``current_column`` (spiders/progress.py)."""
    from scrapy.crawler import AsyncCrawlerProcess

    from spiders.column import ColumnSpider
    from spiders.progress import CURRENT, column_progress

    keys = [k for k in SITE_KEYS if k in config.sites and (not sites or k in sites)]
    db_path = Path(db_path)
    with Store(db_path) as store:
        run_id = store.start_run("crawl", as_of=dt.date.today().isoformat(),
                                 stats={"sites": keys, "columns": columns or []})
        save_config_copy(store, config, now_iso())   # reading commands work with the database alone
    settings = scrapy_settings(db_path, run_id, log_level=log_level, log_file=log_file, overrides=overrides)
    if progress is not None:   # per-column figures in the stats (spiders/progress.py)
        settings.set("EXTENSIONS", {**settings.getdict("EXTENSIONS"), "spiders.progress.ColumnProgress": 600},
                     priority="cmdline")
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
    loop = None
    if progress is not None:
        from twisted.internet import task  # deferred: the reactor Scrapy installed above

        def live(raw: dict) -> dict:
            return {**site_stats(raw), "by_column": column_progress(raw), "current_column": raw.get(CURRENT)}

        def tick() -> None:
            progress({k: live(c.stats.get_stats()) for k, c in crawlers.items()
                      if getattr(c, "_stats", None) is not None})
        loop = task.LoopingCall(tick)
        loop.start(1.0, now=False)
    settle_for_crawl()
    try:
        process.start()
    except Exception as e:  # the reactor itself failed: nothing sensible was crawled
        problems.append(f"crawl process failed: {type(e).__name__}: {e}")
    if loop is not None and loop.running:
        loop.stop()
    if loop is not None:
        tick()   # the final figures, every site done
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


def progress_lines(live: dict[str, dict], columns: int | None = None) -> list[str]:
    """One line per site: its pages fetched, new documents and errors, then the column being crawled with
    its own figures (failed pages count as its errors), or that the site is done; each line cut to *columns*
    display columns."""
    from crawler.vocabulary import SITE_LABELS

    lines = []
    for key, s in live.items():
        line = f"{SITE_LABELS.get(key, key)}：页面 {s['responses']}，新增 {s['new']}，错误 {s['errors']}"
        by_column = s.get("by_column") or {}
        if s.get("finish_reason"):   # this site is done (others may still run)
            lines.append(_cut(line + f"；已结束，栏目 {len(by_column)} 个", columns))
            continue
        if by_column:
            line += f"；已到栏目 {len(by_column)} 个"
        current = by_column.get(str(s.get("current_column")))
        if current is not None:
            name = " ".join(str(current["name"] or s["current_column"]).split())[:20]   # crawled words
            line += f"，当前“{name}”：页面 {current['pages']}，新增 {current['new']}，错误 {current['errors']}"
        lines.append(_cut(line, columns))
    return lines


def _cut(line: str, columns: int | None) -> str:
    from .textwidth import width

    if not columns or width(line) <= columns:
        return line
    while width(line + "…") > columns:
        line = line[:-1]
    return line + "…"


def _terminal_columns() -> int:
    """The width of the terminal the progress goes to (stderr), else $COLUMNS or 100."""
    import os
    import shutil
    import sys

    try:
        return os.get_terminal_size(sys.stderr.fileno()).columns or 100
    except (OSError, ValueError, AttributeError):
        return shutil.get_terminal_size((100, 24)).columns


class ProgressBlock:
    """The progress lines, redrawn in place on a terminal (cursor up, clear, rewrite): no scrolling."""

    def __init__(self, write, columns=None):
        self.write, self.columns, self.drawn = write, columns, 0

    def __call__(self, live: dict[str, dict]) -> None:
        width = self.columns or _terminal_columns() - 1   # a line filling the width would wrap
        lines = progress_lines(live, width)
        up = f"\033[{self.drawn - 1}A" if self.drawn > 1 else ""
        self.write(up + "\r\033[J" + "\n".join("\r\033[K" + line for line in lines))
        self.drawn = len(lines)


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
