"""The one spider: walk a site's columns, fetch new articles, their attachments, check the links.

    scrapy crawl column -a site=bureau -a config=config/production.yaml [-a columns=3301,3302]

or, from the CLI, ``zwgk crawl`` (zwgk/crawl.py), which passes the loaded Config object.

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
import logging
import os
from pathlib import Path

import scrapy
from scrapy import signals
from scrapy.http import TextResponse

from crawler.allowlist import SiteAllowList
from crawler.config import Config, SiteConfig, database_path, load_config
from crawler.items import ColumnItem, ColumnSyncedItem, WithdrawnItem
from crawler.store import Store
from crawler.vocabulary import column_class

from .adapters import ADAPTERS, ListEntry, ListWalk, adapter_for
from .articles import ArticleFetching
from .faults import FaultHandling
from .linkcheck import LinkChecking
from .pagelinks import breadcrumb_name, column_candidates, column_url, page_links, site_prefix
from .schedule import crawl_settings, full_walk_turn

logger = logging.getLogger(__name__)

WAF = (403, 412, 418, 429, 521)


def _meta(response, name: str) -> str | None:
    low = name.lower()
    value = response.xpath(f"//meta[translate(@name,'{name.upper()}','{low}')='{low}']/@content").get()
    if value and value.strip() and value.strip().lower() not in ("null", "none", "undefined"):
        return value.strip()
    return None


class ColumnSpider(ArticleFetching, LinkChecking, FaultHandling, scrapy.Spider):
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
        self.link_waiting: dict[str, dict[str, tuple]] = {}   # to_url -> {from_url: (kind, link text)}
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
            crawler.settings.set("ZWGK_DB_PATH", str(database_path(spider.config, crawler.settings.get("ZWGK_DB_PATH"))),
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

    def _count(self, key: str, n: int = 1) -> None:
        self.crawler.stats.inc_value(f"zwgk/{key}", n)

    def _request(self, url, callback, errback, **kw) -> scrapy.Request:
        meta = {"handle_httpstatus_all": True, **kw.pop("meta", {})}
        return scrapy.Request(url, callback=callback, errback=errback, meta=meta, **kw)

    def _load_known(self) -> None:
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
            walks = [self._new_walk(c.id, column_url(self.site.base_url, c.id, c.url), c.name, c.cls)
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
            for link, label in page_links(text, response.url):
                yield from self._carry(response.url, link, text=label)
        if not discover:
            return
        walks = []
        found = column_candidates(text, response.url, loose=True, prefix=site_prefix(self.site.base_url))
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
        walk.cls = column_class(self.config.configured_class(self.site_key, walk.column_id, walk.name) or walk.cls,
                                column_type, walk.name)
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
            for link, label in page_links(response.text, response.url):
                if link not in listed:
                    yield from self._carry(walk.url, link, text=label)
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
