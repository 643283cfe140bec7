"""The one spider: walk a site's columns, fetch new articles, their attachments, check the links.

    scrapy crawl column -a site=bureau -a config=config/production.yaml [-a columns=3301,3302]

or, from the CLI, ``zwgk crawl`` (crawler/crawl.py), which passes the loaded Config object.

Columns come from the configuration, else from the home page's navigation. Each column's list is
walked by its platform's adapter (spiders/adapters: jcms, jpaas, trs, generic — the configured platform
first, else detected from the page), and reported as a ColumnItem (normal | blank | unverifiable).

Nights after the first (the incremental design, docs in README "Crawling"):

- **List pages** are read from the top until a page holds only known, unchanged items; the column's
  claimed total (JCMS ``totalRecord``, JPaaS ``共N条``) must then equal the known items plus the new ones,
  and no known item newer than the oldest item read may be missing — otherwise the walk goes on to the
  end of the list tonight (a *full walk*).
- **Full walks** also come by rotation: every column once in ``ZWGK_FULL_WALK_DAYS`` nights (a fixed turn
  per column), and whenever the column was never completely synced (first night, a killed crawl, a
  walk or an article fetch that failed). A full walk is what proves an article *left its list*: known
  live articles of fully walked columns that no list shows any more are withdrawn.
- **Known articles** are not fetched because they are listed; each is re-checked with a conditional
  request (If-Modified-Since / If-None-Match) on its own turn, every ``interval`` nights where
  ``interval = clamp(age_days / 2, crawl.recheck_days, ZWGK_RECHECK_MAX_DAYS)`` — recent articles
  (the ones that get corrected) weekly, old ones quarterly. 304 costs no body; 404/410 withdraws.
- **Resume**: a column is marked synced (``columns.full_walk_at``) only after a full walk whose every
  listed article was stored. A crawl killed mid-way leaves its columns unsynced, so the next run walks
  them fully again; stored articles are known (not fetched again), missing ones are fetched. Documents
  are keyed by URL and written one transaction each, so nothing is lost or duplicated.

Links (bureau site only): every link in the body of each article fetched tonight, every attachment,
and every link of the column pages and the home page (list entries excepted: they are checked by
being fetched as articles) is resolved once per night — from the crawl's own response when the crawl
fetched that URL tonight, else by HEAD (GET when HEAD answers 405/501) once the lists are done — and
stored per (page, link) with its status.

The spider only parses: everything it learns leaves it as an item (crawler/items.py) for
crawler.pipelines.StorePipeline.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
import zlib
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import TextResponse

from crawler.allowlist import SiteAllowList
from crawler.columns import column_class
from crawler.config import Config, SiteConfig, load_config
from crawler.pipelines import PENDING
from crawler.items import (ColumnItem, ColumnSyncedItem, DocumentItem, LinkItem, SeenItem, WithdrawnItem)

from .adapters import ADAPTERS, ListEntry, ListWalk, adapter_for
from .extract import extract
from .guard import EXTERNAL
from .pagelinks import breadcrumb_name, column_candidates, page_links

logger = logging.getLogger(__name__)

_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
GONE = (404, 410)
WAF = (403, 412, 418, 429, 521)
LINK_MAXSIZE = 2 * 1024 * 1024
NOT_FETCHED = "not checked: outside the configured sites"
RECHECK_AGE_DIVISOR = 2       # re-check interval = age / 2, within [crawl.recheck_days, ZWGK_RECHECK_MAX_DAYS]


def resolve_db_path(settings, config: Config | None) -> Path:
    """The SQLite file a crawl writes: setting ZWGK_DB_PATH, else the config's, else $ZWGK_DB/var."""
    if settings.get("ZWGK_DB_PATH"):
        return Path(settings.get("ZWGK_DB_PATH"))
    if os.environ.get("ZWGK_DB"):
        return Path(os.environ["ZWGK_DB"])
    if config is not None:
        return config.db_path or config.data_dir / "zwgk.db"
    from crawler.store import default_db_path
    return default_db_path()


def crawl_settings(config: Config) -> dict:
    """Scrapy settings derived from the configuration (politeness and identity)."""
    from crawler.settings import VERSION

    c = config.crawl
    return {
        "USER_AGENT": f"zwgk/{VERSION} (+mailto:{config.contact})",
        "CONCURRENT_REQUESTS_PER_DOMAIN": c.concurrency_per_host,
        "DOWNLOAD_DELAY": c.download_delay,
        "AUTOTHROTTLE_ENABLED": c.autothrottle,
        "ROBOTSTXT_OBEY": c.obey_robots,
        # a loopback replica needs no back-off; real sites get the default
        "RETRY_BACKOFF_BASE": 2.0 if c.download_delay > 0 else 0.0,
        "ZWGK_FULL_WALK_DAYS": c.full_walk_days,
        "ZWGK_RECHECK_MAX_DAYS": c.recheck_max_days,
        "ZWGK_MAX_WITHDRAW_SHARE": c.max_withdraw_share,
    }


def recheck_interval(published: str | None, today: dt.date, min_days: int, max_days: int) -> int:
    """Nights between two conditional re-checks of a known article: half its age, at least *min_days*,
    at most *max_days* (an undated article counts as new)."""
    if min_days <= 1:
        return 1
    try:
        age = (today - dt.date.fromisoformat(str(published)[:10])).days
    except (TypeError, ValueError):
        age = 0
    return max(min_days, min(max(max_days, min_days), age // RECHECK_AGE_DIVISOR))


def recheck_due(url: str, published: str | None, today: dt.date, min_days: int, max_days: int) -> bool:
    """Is tonight this known article's re-check turn? Each article has a fixed turn in its interval
    (crc32 of its URL path), so about 1/interval of them come up each night with no bookkeeping."""
    n = recheck_interval(published, today, min_days, max_days)
    return n <= 1 or zlib.crc32(_turn_key(url)) % n == today.toordinal() % n


def _turn_key(url: str) -> bytes:
    """An article's turn depends on its path only: the same on http and https, on any port."""
    p = urlsplit(url)
    return (p.path + ("?" + p.query if p.query else "")).encode()


def full_walk_turn(site: str, column_id: str, today: dt.date, days: int) -> bool:
    """Is tonight this column's rotating full-walk turn (once every *days* nights)?"""
    return days <= 1 or zlib.crc32(f"{site}|{column_id}".encode()) % days == today.toordinal() % days


def _charset(response) -> str | None:
    ctype = response.headers.get(b"Content-Type")
    if ctype:
        m = _CHARSET.search(ctype.decode("latin-1"))
        if m:
            return m.group(1)
    return None


def _meta(response, name: str) -> str | None:
    low = name.lower()
    value = response.xpath(f"//meta[translate(@name,'{name.upper()}','{low}')='{low}']/@content").get()
    if value and value.strip() and value.strip().lower() not in ("null", "none", "undefined"):
        return value.strip()
    return None


class ColumnSpider(scrapy.Spider):
    name = "column"

    def __init__(self, site: str | None = None, config: Config | str | None = None,
                 columns: str | list[str] | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if config is None:
            config = os.environ.get("ZWGK_CONFIG")
        if config is None:
            raise ValueError("the column spider needs -a config=PATH (or ZWGK_CONFIG)")
        self.config: Config = config if isinstance(config, Config) else load_config(config)
        if not site:
            raise ValueError("the column spider needs -a site=KEY (one of: %s)" % ", ".join(self.config.sites))
        if site not in self.config.sites:
            raise ValueError(f"site {site!r} is not configured (known: {', '.join(self.config.sites)})")
        self.site_key = site
        self.site: SiteConfig = self.config.sites[site]
        if isinstance(columns, str):
            columns = [c.strip() for c in columns.split(",") if c.strip()]
        self.only_columns = set(columns or [])
        self.check_links = site == "bureau"
        self.allow = SiteAllowList.from_config(self.config)   # nothing else is ever requested
        self.check_external = bool(getattr(self.config.crawl, "check_external_links", False))
        self.max_attachment = self.config.crawl.max_attachment_bytes
        self.recheck_days = self.config.crawl.recheck_days
        self.today = dt.date.today()
        self.full_walk_days = 7
        self.recheck_max_days = 90
        self.max_withdraw_share = 0.2
        self.max_list_pages = getattr(self.config.crawl, "max_list_pages", 200)
        # crawl state
        self.known: dict[str, dict] = {}
        self.known_by_column: dict[str, list[str]] = {}
        self.stored_columns: dict[str, dict] = {}
        self.walks: list[ListWalk] = []
        self.open_walks = 0
        self.walked_columns: set[str] = set()
        self.scheduled: set[str] = set()      # article URLs requested or accounted for this crawl
        self.listed: set[str] = set()         # article URLs some list showed this crawl
        self.withdrawn: set[str] = set()
        self.attachment_cache: dict[str, dict] = {}
        # links: status of every URL the crawl fetched tonight, link targets waiting for one
        self.seen_status: dict[str, tuple[int | None, str | None]] = {}
        self.link_waiting: dict[str, dict[str, str]] = {}   # to_url -> {from_url: kind}
        self.link_requested: set[str] = set()
        self.link_unchecked: set[str] = set()      # robots.txt forbids checking these

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        if "config" not in kwargs and crawler.settings.get("ZWGK_CONFIG"):
            kwargs["config"] = crawler.settings.get("ZWGK_CONFIG")
        spider = super().from_crawler(crawler, *args, **kwargs)
        # the configuration's politeness overrides settings.py (the command line's -s still wins)
        for name, value in crawl_settings(spider.config).items():
            crawler.settings.set(name, value, priority="spider")
        if not crawler.settings.get("ZWGK_DB_PATH"):
            crawler.settings.set("ZWGK_DB_PATH", str(resolve_db_path(crawler.settings, spider.config)),
                                 priority="spider")
        s = crawler.settings
        spider.full_walk_days = s.getint("ZWGK_FULL_WALK_DAYS", 7)
        spider.recheck_max_days = s.getint("ZWGK_RECHECK_MAX_DAYS", 90)
        spider.max_withdraw_share = s.getfloat("ZWGK_MAX_WITHDRAW_SHARE", 0.2)
        if s.get("ZWGK_TODAY"):
            spider.today = dt.date.fromisoformat(str(s.get("ZWGK_TODAY")))
        crawler.signals.connect(spider._idle, signal=signals.spider_idle)
        return spider

    # --- helpers --------------------------------------------------------------------------------
    def _err(self, msg: str, *args) -> None:
        self.crawler.stats.inc_value("zwgk/errors")
        self.logger.warning(msg, *args)

    def _failed(self, url: str, walk: ListWalk | None, kind: str, error: str) -> None:
        """A page that did not load after its retries: whatever it holds is unknown (rules/failures.py
        makes the checks resting on its column unverifiable). Known articles are still in the store."""
        if kind == "article" and url in self.known:
            return
        failed = self.crawler.stats.get_value("zwgk/failed_pages")
        if failed is None:
            failed = []
            self.crawler.stats.set_value("zwgk/failed_pages", failed)
        failed.append({"url": url, "column_id": walk.column_id if walk else None, "kind": kind,
                       "error": str(error)[:200]})

    def _count(self, key: str, n: int = 1) -> None:
        self.crawler.stats.inc_value(f"zwgk/{key}", n)

    def _request(self, url, callback, errback, **kw) -> scrapy.Request:
        meta = {"handle_httpstatus_all": True, **kw.pop("meta", {})}
        return scrapy.Request(url, callback=callback, errback=errback, meta=meta, **kw)

    def _load_known(self) -> None:
        from crawler.store import Store

        path = Path(self.crawler.settings.get("ZWGK_DB_PATH"))
        with Store(path) as store:
            self.known = store.known_documents(self.site_key)
            self.stored_columns = {str(c["column_id"]): c for c in store.columns(self.site_key)}
        for url, info in self.known.items():
            if info.get("state") == "live":
                self.known_by_column.setdefault(str(info.get("column_id")), []).append(url)
        self.logger.info("%s: %d documents already known", self.site_key, len(self.known))
        if self.check_links:
            self._pending_links(path)

    def _pending_links(self, path: Path) -> None:
        """Links found by a crawl that was killed before checking them: checked again tonight."""
        import sqlite3

        from crawler.allowlist import site_key

        mine = site_key(self.site.base_url)
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = conn.execute("select from_url, to_url, kind from links where error = ?", [PENDING]).fetchall()
        except sqlite3.Error:
            rows = []
        finally:
            conn.close()
        for from_url, to_url, kind in rows:
            if site_key(from_url) == mine:
                self.link_waiting.setdefault(to_url, {})[from_url] = kind or self._kind(to_url)
        if rows:
            self.logger.info("%s: %d link checks left pending by an earlier crawl", self.site_key, len(rows))

    def _known_live(self, url: str) -> dict | None:
        info = self.known.get(url)
        return info if info is not None and info.get("state") == "live" else None

    def _listed_differs(self, entry: ListEntry, info: dict) -> bool:
        return bool((entry.title and info.get("title") and entry.title != info["title"]) or
                    (entry.date and info.get("published") and entry.date != info["published"]))

    # --- start ------------------------------------------------------------------------------------
    async def start(self):
        self._load_known()
        home = self.site.start_url or f"{self.site.base_url}/index.html"
        if self.site.columns:
            columns = [c for c in self.site.columns if not self.only_columns or c.id in self.only_columns]
            walks = [self._new_walk(c.id, urljoin(self.site.base_url + "/", c.url) if c.url
                                    else f"{self.site.base_url}/col/col{c.id}/index.html", c.name, c.cls)
                     for c in columns]
            for req in self._start_walks(walks):
                yield req
            if self.check_links and not self.only_columns:   # the home page's links are checked too
                yield self._request(home, self.parse_home, self.home_failed, dont_filter=True,
                                    cb_kwargs={"discover": False})
            return
        yield self._request(home, self.parse_home, self.home_failed, dont_filter=True,
                            cb_kwargs={"discover": True})

    def _new_walk(self, column_id: str, url: str, name: str | None = None, cls: str = "other",
                  candidate: bool = False) -> ListWalk:
        walk = ListWalk(site=self.site_key, column_id=column_id, name=name, cls=cls, url=url, candidate=candidate)
        walk.known_live = len(self.known_by_column.get(column_id, []))
        row = self.stored_columns.get(column_id)
        if walk.known_live == 0:
            walk.full, walk.full_reason = True, "nothing known"
        elif row is None or not row.get("full_walk_at"):
            walk.full, walk.full_reason = True, "never completely synced"
        elif row.get("state") == "unverifiable":
            walk.full, walk.full_reason = True, "unverifiable last time"
        elif full_walk_turn(self.site_key, column_id, self.today, self.full_walk_days):
            walk.full, walk.full_reason = True, "rotation"
        else:
            walk.full, walk.full_reason = False, None
        return walk

    def _start_walks(self, walks: list[ListWalk]):
        walks = [w for w in walks if w.column_id not in self.walked_columns and self.allow.allows(w.url)]
        self.walked_columns.update(w.column_id for w in walks)
        self.walks.extend(walks)
        self.open_walks += len(walks)
        if not walks:
            self.logger.warning("%s: no columns to crawl", self.site_key)
        for walk in walks:
            yield self._request(walk.url, self.parse_column, self.column_failed, cb_kwargs={"walk": walk},
                                dont_filter=True)

    def parse_home(self, response, discover: bool = True):
        yield from self._saw(response.url, response.status)
        if response.status != 200 or not isinstance(response, TextResponse):
            if discover:   # the columns are found there: what the site holds is unknown tonight
                self._err("%s: home page %s answered HTTP %s", self.site_key, response.url, response.status)
                self._failed(response.url, None, "list", f"HTTP {response.status}")
                self.crawler.stats.set_value("zwgk/site_unreachable", 1)
            return
        text = response.text
        if self.check_links:
            for link, _ in page_links(text, response.url):
                yield from self._carry(response.url, link)
        if not discover:
            return
        walks = []
        found = column_candidates(text, response.url, loose=True)
        if any(strong for *_, strong in found) and self.site.platform in ("jcms", "jpaas"):
            found = [c for c in found if c[3]]   # a Hanweb portal: its columns are the /col/colN/ links
        for url, cid, label, strong in found:
            if self.only_columns and cid not in self.only_columns:
                continue
            walks.append(self._new_walk(cid, url, label or None, candidate=not strong))
        self.logger.info("%s: discovered %d column candidates on %s", self.site_key, len(walks), response.url)
        yield from self._start_walks(walks)

    def home_failed(self, failure):
        discover = failure.request.cb_kwargs.get("discover", True)
        yield from self._saw(failure.request.url, None, self._failure_text(failure))
        if discover:
            self._err("%s: home page %s failed: %s", self.site_key, failure.request.url, failure.value)
            self._failed(failure.request.url, None, "list", self._failure_text(failure))
            self.crawler.stats.set_value("zwgk/site_unreachable", 1)

    # --- list walk ----------------------------------------------------------------------------------
    def parse_column(self, response, walk: ListWalk):
        yield from self._saw(walk.url, response.status)
        if response.url != walk.url:
            yield from self._saw(response.url, response.status)
        if response.status != 200:
            why = "WAF or access control" if response.status in WAF else "error"
            walk.fail(f"column page answered HTTP {response.status} ({why})")
            if not walk.candidate:
                self._failed(walk.url, walk, "list", f"HTTP {response.status}")
            if not walk.candidate:
                self._err("%s: column %s (%s) answered HTTP %s", self.site_key, walk.column_id, walk.url,
                          response.status)
            yield from self._finish_walk(walk)
            return
        if not isinstance(response, TextResponse):
            walk.fail("column page is not HTML")
            yield from self._finish_walk(walk)
            return
        name = _meta(response, "ColumnName")
        if name in ("首页",):
            name = None
        name = name or breadcrumb_name(response.text)
        if name:
            walk.name = name
        column_type = _meta(response, "ColumnType")
        walk.cls = column_class(walk.cls, column_type, walk.name)
        adapter = adapter_for(response, self.site.platform)
        walk.adapter = adapter.name
        walk.page_entries = []
        try:
            adapter.first(response, walk)
        except Exception as e:  # a broken list page never stops the crawl
            self.logger.exception("%s: column %s could not be read", self.site_key, walk.url)
            walk.fail(f"list page could not be read: {type(e).__name__}")
        if walk.candidate and not walk.is_list_page and not walk.entries:
            yield from self._finish_walk(walk)   # not a column after all
            return
        self.crawler.stats.inc_value("zwgk/columns_reached")
        if self.check_links:
            listed = set(walk.entries)
            for link, _ in page_links(response.text, response.url):
                if link not in listed:
                    yield from self._carry(walk.url, link)
        self._maybe_stop(walk)
        yield from self._continue(walk)

    def _maybe_stop(self, walk: ListWalk) -> None:
        """An incremental walk stops at a page that holds only known, unchanged items — unless what it
        has seen so far suggests something left the list, which makes it a full walk."""
        if walk.full or walk.complete or walk.failed or not walk.page_entries:
            return
        for e in walk.page_entries:
            info = self._known_live(e.url)
            if info is None or self._listed_differs(e, info):
                return
        reason = self._suspicion(walk)
        if reason:
            walk.full, walk.full_reason = True, reason
            self.logger.info("%s: column %s: full walk tonight: %s", self.site_key, walk.column_id, reason)
            return
        walk.stopped_early = True

    def _suspicion(self, walk: ListWalk) -> str | None:
        new = sum(1 for u in walk.entries if self._known_live(u) is None)
        total = ADAPTERS[walk.adapter].total_hint(walk) if walk.adapter else None
        if total is not None and total != walk.known_live + new:
            return f"the list claims {total} items, {walk.known_live} known + {new} new expected"
        dates = [e.date for e in walk.page_entries if e.date]
        if dates:
            boundary = min(dates)
            missing = [u for u in self.known_by_column.get(walk.column_id, [])
                       if (self.known[u].get("published") or "") > boundary and u not in walk.entries]
            if missing:
                return f"{len(missing)} known item(s) newer than {boundary} no longer listed (e.g. {missing[0]})"
        return None

    def _repeated(self, response, walk: ListWalk, before: int) -> None:
        """A list page that repeats an earlier one (same bytes, or only records this walk already has)
        ends the walk: a server that ignores the page number would otherwise be walked to the cap.
        What the rest of the list holds is unknown, so the column is unverifiable tonight."""
        if walk.failed or walk.complete:
            return
        digest = hashlib.sha1(response.body or b"").hexdigest()
        seen = walk.state.setdefault("zwgk_page_digests", set())
        if digest in seen or (walk.page_entries and len(walk.entries) == before):
            self._count("list_repeats")
            walk.fail(f"list page {response.url} repeats an earlier page: walk stopped")
        seen.add(digest)

    def _continue(self, walk: ListWalk):
        if walk.stopped_early:
            yield from self._finish_walk(walk)
            return
        if not walk.failed and not walk.complete and walk.pages >= self.max_list_pages:
            self._count("list_caps")
            walk.fail(f"list longer than {self.max_list_pages} pages (crawl.max_list_pages): walk stopped")
            yield from self._finish_walk(walk)
            return
        adapter = ADAPTERS[walk.adapter]
        req = None
        try:
            req = adapter.next_request(walk)
        except Exception as e:
            self.logger.exception("%s: column %s: next list request failed", self.site_key, walk.url)
            walk.fail(f"list paging failed: {type(e).__name__}")
        if req is None:
            yield from self._finish_walk(walk)
            return
        yield self._list_request(req, walk)

    def _list_request(self, req: scrapy.Request, walk: ListWalk) -> scrapy.Request:
        self._count("list_requests")
        return req.replace(callback=self.parse_more, errback=self.more_failed, cb_kwargs={"walk": walk},
                           meta={**req.meta, "handle_httpstatus_all": True})

    def parse_more(self, response, walk: ListWalk):
        adapter = ADAPTERS[walk.adapter]
        if response.status != 200:
            retry = None
            try:
                retry = adapter.retry(response, walk)
            except Exception:
                self.logger.exception("%s: column %s: retry failed", self.site_key, walk.url)
            if retry is not None:
                self.logger.info("%s: column %s: %s answered HTTP %s, asking %s instead", self.site_key,
                                 walk.column_id, response.url, response.status, retry.url)
                yield self._list_request(retry, walk)
                return
            walk.fail(f"list page {response.url} answered HTTP {response.status}")
            self._failed(response.url, walk, "list", f"HTTP {response.status}")
            self._err("%s: column %s: %s answered HTTP %s", self.site_key, walk.column_id, response.url,
                      response.status)
        else:
            walk.page_entries = []
            before = len(walk.entries)
            try:
                adapter.more(response, walk)
            except Exception as e:
                self.logger.exception("%s: list page %s could not be read", self.site_key, response.url)
                walk.fail(f"list page could not be read: {type(e).__name__}")
            self._repeated(response, walk, before)
            self._maybe_stop(walk)
        yield from self._continue(walk)

    def more_failed(self, failure):
        walk = failure.request.cb_kwargs["walk"]
        walk.fail(f"list page request failed: {self._failure_text(failure)}")
        self._failed(failure.request.url, walk, "list", self._failure_text(failure))
        self._err("%s: column %s: %s failed: %s", self.site_key, walk.column_id, failure.request.url,
                  failure.value)
        yield from self._finish_walk(walk)

    def column_failed(self, failure):
        walk = failure.request.cb_kwargs["walk"]
        yield from self._saw(walk.url, None, self._failure_text(failure))
        walk.fail(f"column page request failed: {self._failure_text(failure)}")
        if not walk.candidate:
            self._failed(walk.url, walk, "list", self._failure_text(failure))
        if not walk.candidate:
            self._err("%s: column %s failed: %s", self.site_key, walk.url, failure.value)
        yield from self._finish_walk(walk)

    @staticmethod
    def _failure_text(failure) -> str:
        return f"{failure.value.__class__.__name__}: {failure.value}"[:300]

    def _finish_walk(self, walk: ListWalk):
        if walk.finished:
            return
        walk.finished = True
        dropped = walk.candidate and not walk.is_list_page and not walk.entries
        if not dropped:
            yield from self._column_item(walk)
            for entry in walk.entries.values():
                self.listed.add(entry.url)
                yield from self._article(entry, walk)
            yield from self._rechecks(walk)
            yield from self._maybe_synced(walk)
        self.open_walks -= 1
        if self.open_walks == 0:
            if not self.crawler.stats.get_value("zwgk/columns_reached"):
                self.crawler.stats.set_value("zwgk/site_unreachable", 1)  # not one column page answered
            yield from self._withdraw_unlisted()
            self._not_checked()

    def _column_item(self, walk: ListWalk):
        if walk.failed:
            state, reason = "unverifiable", walk.failed
        elif walk.complete or walk.stopped_early:
            state = "normal" if walk.entries else ("blank" if walk.is_list_page else "unverifiable")
            reason = None if state != "unverifiable" else "no records and not a recognisable list page"
        else:
            state, reason = "unverifiable", "list walk did not finish"
        new = sum(1 for u in walk.entries if self._known_live(u) is None)
        if walk.stopped_early:
            hint = ADAPTERS[walk.adapter].total_hint(walk)
            count = hint if hint is not None else walk.known_live + new
            how = "incremental"
        else:
            count = walk.total if walk.total is not None else len(walk.entries)
            how = "full" if walk.complete and not walk.failed else "failed"
        last = walk.last_item_date
        if walk.stopped_early:
            stored = (self.stored_columns.get(walk.column_id) or {}).get("last_item_date")
            last = max([d for d in (last, stored) if d], default=None)
        self._count(f"walks_{how}")
        self.logger.info("%s: column %s %s: %s, %s items, %s walk (%d list pages)%s", self.site_key,
                         walk.column_id, walk.name or "", state, count, how, walk.pages,
                         f" ({reason})" if reason else "")
        yield ColumnItem(site=self.site_key, column_id=walk.column_id, name=walk.name, url=walk.url,
                         platform=walk.adapter, column_class=walk.cls, item_count=count,
                         last_item_date=last, state=state, reason=reason, walk=how, pages=walk.pages)

    def _maybe_synced(self, walk: ListWalk):
        """A full walk whose every article was stored: the column is synced (resume marker)."""
        if (walk.finished and walk.pending == 0 and walk.complete and not walk.failed and not walk.stopped_early
                and walk.article_failures == 0 and not walk.state.get("synced")):
            walk.state["synced"] = True
            yield ColumnSyncedItem(site=self.site_key, column_id=walk.column_id)

    def _withdraw_unlisted(self):
        """Known live articles of completely (fully) walked columns that no list shows any more."""
        complete = {w.column_id for w in self.walks if w.complete and not w.failed and not w.stopped_early}
        gone: dict[str, list[str]] = {}
        for url, info in self.known.items():
            if str(info.get("column_id")) in complete and info.get("state") == "live" \
                    and url not in self.listed and url not in self.withdrawn:
                gone.setdefault(str(info.get("column_id")), []).append(url)
        for column_id, urls in gone.items():
            live = sum(1 for u in self.known_by_column.get(column_id, []) if self.known[u].get("state") == "live")
            if len(urls) > 5 and len(urls) > self.max_withdraw_share * live:
                # A list that loses a large share of its items at once was redesigned or broken, not
                # weeded: withdrawing them would turn a crawl fault into gaps. Articles that answer
                # 404/410 are still withdrawn one by one; the health monitors raise the alarm.
                self.logger.warning("%s: column %s: %d of %d known articles no longer listed; not withdrawn "
                                    "tonight", self.site_key, column_id, len(urls), live)
                self.crawler.stats.inc_value("zwgk/withdrawals_held", len(urls))
                continue
            for url in urls:
                self.withdrawn.add(url)
                info = self.known[url]
                yield WithdrawnItem(site=self.site_key, url=url, column_id=info.get("column_id"),
                                    reason="no longer listed")

    def _not_checked(self) -> None:
        n = sum(1 for u, i in self.known.items() if i.get("state") == "live" and u not in self.scheduled
                and u not in self.withdrawn and str(i.get("column_id")) in self.walked_columns)
        self.crawler.stats.set_value("zwgk/not_checked", n)

    # --- articles -------------------------------------------------------------------------------------
    def _recheck_due(self, url: str, published: str | None = None) -> bool:
        return recheck_due(url, published, self.today, self.recheck_days, self.recheck_max_days)

    def _rechecks(self, walk: ListWalk):
        """Known live articles of this column whose re-check turn is tonight, listed tonight or not."""
        for url in self.known_by_column.get(walk.column_id, []):
            if url in self.scheduled:
                continue
            info = self.known[url]
            if self._recheck_due(url, info.get("published")):
                yield from self._article(ListEntry(url=url, title=info.get("title"), date=info.get("published")),
                                         walk)

    def _article(self, entry: ListEntry, walk: ListWalk):
        url = entry.url
        if url in self.scheduled:
            return
        self.scheduled.add(url)
        if not self.allow.allows(url):   # listed elsewhere (another host, file://): a link, never fetched
            self._count("offsite_entries")
            if self.check_links:
                yield from self._carry(walk.url, url, "external")
            return
        info = self._known_live(url)
        headers = {"Referer": walk.url}
        kind = "new"
        if info is not None:
            if not self._listed_differs(entry, info):
                if not self._recheck_due(url, info.get("published")):
                    yield SeenItem(site=self.site_key, url=url, column_id=info.get("column_id"))
                    return
                kind = "recheck"
                # Last-Modified is the validator of choice: a page's ETag also changes with its chrome
                # (相关链接, counters), which would re-download articles whose text did not change
                if info.get("last_modified"):
                    headers["If-Modified-Since"] = info["last_modified"]
                elif info.get("etag"):
                    headers["If-None-Match"] = info["etag"]
            else:
                kind = "relisted"
        self._count(f"article_requests_{kind}")
        walk.pending += 1
        yield self._request(url, self.parse_article, self.article_failed, headers=headers,
                            cb_kwargs={"entry": entry, "walk": walk})

    def _article_done(self, walk: ListWalk, ok: bool = True):
        walk.pending -= 1
        if not ok:
            walk.article_failures += 1
        yield from self._maybe_synced(walk)

    def parse_article(self, response, entry: ListEntry, walk: ListWalk):
        url = entry.url
        status = 200 if response.status == 304 else response.status
        yield from self._saw(url, status)
        if response.url != url:
            yield from self._saw(response.url, status)
        if response.status == 304:
            self._count("not_modified")
            yield SeenItem(site=self.site_key, url=url, column_id=walk.column_id)
            yield from self._article_done(walk)
            return
        if url in self.known and response.status == 200:
            self._count("refetched")
        if response.status in GONE:
            if url in self.known:
                self.withdrawn.add(url)
                yield WithdrawnItem(site=self.site_key, url=url, column_id=walk.column_id,
                                    reason=f"HTTP {response.status}")
            elif self.check_links:  # a list entry pointing nowhere is a broken link of the list page
                yield LinkItem(site=self.site_key, from_url=walk.url, to_url=url, status=response.status,
                               kind="internal")
            yield from self._article_done(walk)
            return
        if response.status != 200:
            self._err("%s: article %s answered HTTP %s", self.site_key, url, response.status)
            self._failed(url, walk, "article", f"HTTP {response.status}")
            if url in self.known:  # still listed; what it says now is unknown
                yield SeenItem(site=self.site_key, url=url, column_id=walk.column_id)
            yield from self._article_done(walk, ok=False)
            return
        if not isinstance(response, TextResponse):
            # the list links straight to a file: the file is the document
            doc = self._doc(url, walk, entry, {"title": entry.title, "published": entry.date, "body": "",
                                               "attachments": [{"url": url, "name": entry.title or url,
                                                                "type": None}]}, response)
            doc["attachments"] = [self._attachment_record(doc["attachments"][0], response)]
            yield DocumentItem(doc)
            yield from self._article_done(walk)
            return
        try:
            data = extract(response.body, response.url, encoding=_charset(response))
        except Exception:
            self._count("errors")
            self.logger.exception("%s: article %s could not be extracted", self.site_key, url)
            self._failed(url, walk, "article", "could not be extracted")
            yield from self._article_done(walk, ok=False)
            return
        doc = self._doc(url, walk, entry, data, response)
        if self.check_links:
            for link in data.get("links") or []:
                if link != url:
                    yield from self._carry(url, link)
        yield from self._next_attachment(doc, list(doc["attachments"]), [], walk)

    def _doc(self, url, walk: ListWalk, entry: ListEntry, data: dict, response) -> dict:
        def header(name):
            v = response.headers.get(name)
            return v.decode("latin-1") if v else None

        return {
            "url": url, "site": self.site_key, "column_id": walk.column_id,
            "column_name": walk.name or data.get("column"),
            "title": data.get("title") or entry.title, "published": data.get("published") or entry.date,
            "publisher": data.get("publisher"), "source": data.get("source"),
            "index_no": data.get("index_no"), "doc_no": data.get("doc_no"), "category": data.get("category"),
            "body": data.get("body") or "", "attachments": data.get("attachments") or [],
            "etag": header(b"ETag"), "last_modified": header(b"Last-Modified"),
        }

    def article_failed(self, failure):
        url = failure.request.cb_kwargs["entry"].url
        walk = failure.request.cb_kwargs["walk"]
        yield from self._saw(url, None, self._failure_text(failure))
        self._err("%s: article %s failed: %s", self.site_key, url, failure.value)
        self._failed(url, walk, "article", self._failure_text(failure))
        if url in self.known:  # still listed; what it says now is unknown
            yield SeenItem(site=self.site_key, url=url, column_id=walk.column_id)
        yield from self._article_done(walk, ok=False)

    # --- attachments ----------------------------------------------------------------------------------
    def _next_attachment(self, doc: dict, pending: list[dict], done: list[dict], walk: ListWalk):
        while pending:
            att = pending.pop(0)
            if not self.allow.allows(att["url"]):   # hosted elsewhere: recorded, not downloaded
                done.append({"url": att["url"], "name": att.get("name"), "type": att.get("type"), "size": None,
                             "text": None, "status": "external", "error": NOT_FETCHED})
                if self.check_links:
                    yield from self._carry(doc["url"], att["url"], "external")
                continue
            cached = self.attachment_cache.get(att["url"])
            if cached is not None:
                done.append({**cached, "name": att.get("name") or cached.get("name")})
                if self.check_links:
                    yield from self._carry(doc["url"], att["url"], "attachment")
                continue
            yield self._request(att["url"], self.parse_attachment, self.attachment_failed, dont_filter=True,
                                priority=10, meta={"download_maxsize": self.max_attachment,
                                                   "download_warnsize": 0},
                                headers={"Referer": doc["url"]},
                                cb_kwargs={"doc": doc, "pending": pending, "done": done, "att": att,
                                           "walk": walk})
            return
        doc["attachments"] = done
        self._count("documents_parsed")
        yield DocumentItem(doc)
        yield from self._article_done(walk)

    def _attachment_record(self, att: dict, response) -> dict:
        rec = {"url": att["url"], "name": att.get("name"), "type": att.get("type"), "size": None,
               "text": None, "status": None}
        if response.status != 200:
            rec.update(status="failed", error=f"HTTP {response.status}", http_status=response.status)
            return rec
        body = response.body
        rec["size"] = len(body)
        from .attachments import sniff_type
        rec["type"] = sniff_type(body, att.get("type")) or att.get("type")
        text, error = self._extractor().text(body, rec["type"])
        rec.update(text=text, status="ok" if not error else "unreadable", http_status=200)
        if error:
            rec["error"] = error
        return rec

    def _extractor(self):
        """Attachment text comes from a child process with memory and CPU limits (spiders/sandbox.py)."""
        if getattr(self, "sandbox", None) is None:
            from .sandbox import SandboxedExtractor
            self.sandbox = SandboxedExtractor()
            self.crawler.signals.connect(self._close_sandbox, signal=signals.spider_closed)
        return self.sandbox

    def _close_sandbox(self, spider=None):
        if getattr(self, "sandbox", None) is not None:
            self._count("attachments_over_limits", self.sandbox.killed)
            self.sandbox.close()
            self.sandbox = None

    def parse_attachment(self, response, doc, pending, done, att, walk):
        rec = self._attachment_record(att, response)
        self.attachment_cache[att["url"]] = rec
        done.append(rec)
        if self.check_links:
            yield from self._saw(att["url"], response.status)
            yield from self._carry(doc["url"], att["url"], "attachment")
        yield from self._next_attachment(doc, pending, done, walk)

    def attachment_failed(self, failure):
        kw = failure.request.cb_kwargs
        att = kw["att"]
        reason = self._failure_text(failure)
        too_big = "maxsize" in reason.lower() or "cancel" in reason.lower()
        if too_big:
            reason = f"larger than {self.max_attachment} bytes ({reason})"
        rec = {"url": att["url"], "name": att.get("name"), "type": att.get("type"), "size": None,
               "text": None, "status": "failed", "error": reason, "http_status": None}
        self.logger.warning("%s: attachment %s failed: %s", self.site_key, att["url"], reason)
        self.attachment_cache[att["url"]] = rec
        kw["done"].append(rec)
        if self.check_links:
            # too big to download is still there: not a broken link
            yield from self._saw(att["url"], 200 if too_big else None, reason)
            yield from self._carry(kw["doc"]["url"], att["url"], "attachment")
        yield from self._next_attachment(kw["doc"], kw["pending"], kw["done"], kw["walk"])

    # --- link checks -------------------------------------------------------------------------------------
    def _kind(self, to_url: str) -> str:
        from .extract import attachment_type

        if urlsplit(to_url).netloc != urlsplit(self.site.base_url).netloc:
            return "external"
        return "attachment" if attachment_type(to_url) else "internal"

    def _carry(self, from_url: str, to_url: str, kind: str | None = None):
        """A link from one of the bureau's pages: resolved now if the crawl already fetched it tonight,
        else waiting (checked by HEAD once the crawl is otherwise done)."""
        if not self.check_links or to_url in self.link_unchecked:
            return
        kind = kind or self._kind(to_url)
        if not self.allow.allows(to_url):
            kind = "external"
            if not (self.check_external and to_url.lower().startswith(("http://", "https://"))):
                yield LinkItem(site=self.site_key, from_url=from_url, to_url=to_url, status=None,
                               error=NOT_FETCHED, kind=kind)
                return
        if to_url in self.seen_status:
            status, error = self.seen_status[to_url]
            yield LinkItem(site=self.site_key, from_url=from_url, to_url=to_url, status=status, error=error,
                           kind=kind)
            return
        if from_url not in self.link_waiting.get(to_url, {}):
            # stored now, with the page that holds it; its result replaces it later tonight
            yield LinkItem(site=self.site_key, from_url=from_url, to_url=to_url, status=None, error=PENDING,
                           kind=kind)
        self.link_waiting.setdefault(to_url, {})[from_url] = kind

    def _saw(self, url: str, status: int | None, error: str | None = None):
        """The crawl itself fetched *url* tonight: its answer resolves every link waiting for it."""
        if url in self.seen_status and status is None:
            return
        self.seen_status[url] = (status, error)
        if url in self.link_waiting:
            for from_url, kind in self.link_waiting.pop(url).items():
                yield LinkItem(site=self.site_key, from_url=from_url, to_url=url, status=status, error=error,
                               kind=kind)

    def _idle(self, spider=None):
        """Lists and articles done: check the links the crawl did not fetch by itself (HEAD)."""
        todo = [u for u in self.link_waiting if u not in self.link_requested and u not in self.seen_status]
        if not todo:
            return
        for url in todo:
            self.link_requested.add(url)
            self._count("link_requests")
            self.crawler.engine.crawl(self._request(url, self.parse_link, self.link_failed, method="HEAD",
                                                    dont_filter=True, meta={"download_maxsize": LINK_MAXSIZE,
                                                                            EXTERNAL: True},
                                                    cb_kwargs={"to_url": url}))
        raise DontCloseSpider

    def parse_link(self, response, to_url: str):
        if response.request.method == "HEAD" and response.status in (405, 501):
            self._count("link_requests")
            yield self._request(to_url, self.parse_link, self.link_failed, dont_filter=True,
                                meta={"download_maxsize": LINK_MAXSIZE, EXTERNAL: True},
                                cb_kwargs={"to_url": to_url})
            return
        yield from self._saw(to_url, response.status)

    def link_failed(self, failure):
        to_url = failure.request.cb_kwargs["to_url"]
        if failure.check(IgnoreRequest):  # robots.txt forbids it: unknown, not broken
            for from_url, kind in self.link_waiting.pop(to_url, {}).items():
                yield LinkItem(site=self.site_key, from_url=from_url, to_url=to_url, kind=kind, drop=True)
            self.link_unchecked.add(to_url)
            self._count("links_not_checked")
            self.logger.info("link %s not checked: %s", to_url, failure.value)
            return
        yield from self._saw(to_url, None, self._failure_text(failure))
