"""The one spider: walk a site's columns, fetch new articles, their attachments and body links.

    scrapy crawl column -a site=bureau -a config=config/production.yaml [-a columns=3301,3302]

or, from the CLI, ``zwgk crawl`` (crawler/crawl.py), which passes the loaded Config object.

For each column (configured, else discovered from the home page's ``/col/colN/index.html`` links):
the list is walked by the platform's adapter (spiders/adapters), a ColumnItem reports its state
(normal | blank | unverifiable), every listed article not yet in the store is fetched and extracted
(spiders/extract.py), its attachments downloaded and read (spiders/attachments.py), and on the
bureau's site every internal link in the body checked. Known articles are not refetched unless the
list shows a different title or date (or their recheck turn has come, crawl.recheck_days).
After every column's walk, known articles that no complete list shows any more are withdrawn; an
article answering 404/410 is withdrawn too. The spider only parses: everything it learns leaves
it as an item (crawler/items.py) for crawler.pipelines.StorePipeline.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import re
import zlib
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import TextResponse

from crawler.columns import column_class
from crawler.config import Config, SiteConfig, load_config
from crawler.items import ColumnItem, DocumentItem, LinkItem, SeenItem, WithdrawnItem

from .adapters import ListEntry, ListWalk, adapter_for, ADAPTERS
from .attachments import attachment_text
from .extract import extract

logger = logging.getLogger(__name__)

_COL_LINK = re.compile(r"""<a\s[^>]*?href\s*=\s*["']([^"']*?/col/col(\d+)/(?:index\.html?)?[^"']*)["'][^>]*>(.*?)</a>""",
                       re.I | re.S)
_TAGS = re.compile(r"<[^>]+>")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
GONE = (404, 410)


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
    }


def _charset(response) -> str | None:
    ctype = response.headers.get(b"Content-Type")
    if ctype:
        m = _CHARSET.search(ctype.decode("latin-1"))
        if m:
            return m.group(1)
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
        self.max_attachment = self.config.crawl.max_attachment_bytes
        self.recheck_days = self.config.crawl.recheck_days
        self.today = dt.date.today()
        # crawl state
        self.known: dict[str, dict] = {}
        self.walks: list[ListWalk] = []
        self.open_walks = 0
        self.scheduled: set[str] = set()      # article URLs requested or accounted for this crawl
        self.listed: set[str] = set()         # article URLs some list showed this crawl
        self.withdrawn: set[str] = set()
        self.attachment_cache: dict[str, dict] = {}
        self.link_status: dict[str, tuple[int | None, str | None]] = {}
        self.link_waiting: dict[str, list[str]] = {}
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
        return spider

    # --- helpers --------------------------------------------------------------------------------
    def _err(self, msg: str, *args) -> None:
        self.crawler.stats.inc_value("zwgk/errors")
        self.logger.warning(msg, *args)

    def _request(self, url, callback, errback, **kw) -> scrapy.Request:
        meta = {"handle_httpstatus_all": True, **kw.pop("meta", {})}
        return scrapy.Request(url, callback=callback, errback=errback, meta=meta, **kw)

    def _load_known(self) -> None:
        from crawler.store import Store

        path = Path(self.crawler.settings.get("ZWGK_DB_PATH"))
        with Store(path) as store:
            self.known = store.known_documents(self.site_key)
        self.logger.info("%s: %d documents already known", self.site_key, len(self.known))

    # --- start ------------------------------------------------------------------------------------
    async def start(self):
        self._load_known()
        columns = [c for c in self.site.columns if not self.only_columns or c.id in self.only_columns]
        if self.site.columns:
            walks = [ListWalk(site=self.site_key, column_id=c.id, name=c.name, cls=c.cls,
                              url=urljoin(self.site.base_url + "/", c.url) if c.url
                              else f"{self.site.base_url}/col/col{c.id}/index.html")
                     for c in columns]
            for req in self._start_walks(walks):
                yield req
            return
        home = self.site.start_url or f"{self.site.base_url}/index.html"
        yield self._request(home, self.parse_home, self.home_failed, dont_filter=True)

    def _start_walks(self, walks: list[ListWalk]):
        self.walks.extend(walks)
        self.open_walks += len(walks)
        if not walks:
            self.logger.warning("%s: no columns to crawl", self.site_key)
        for walk in walks:
            yield self._request(walk.url, self.parse_column, self.column_failed, cb_kwargs={"walk": walk},
                                dont_filter=True)

    def parse_home(self, response):
        if response.status != 200 or not isinstance(response, TextResponse):
            self._err("%s: home page %s answered HTTP %s", self.site_key, response.url, response.status)
            self.crawler.stats.set_value("zwgk/site_unreachable", 1)
            return
        host = urlsplit(response.url).netloc
        walks, seen = [], set()
        for href, cid, text in _COL_LINK.findall(response.text):
            url = urljoin(response.url, href)
            if urlsplit(url).netloc != host or cid in seen:
                continue
            if self.only_columns and cid not in self.only_columns:
                continue
            seen.add(cid)
            name = re.sub(r"\s+", "", _TAGS.sub("", text)) or None
            walks.append(ListWalk(site=self.site_key, column_id=cid, name=name, url=url.split("#")[0]))
        self.logger.info("%s: discovered %d columns on %s", self.site_key, len(walks), response.url)
        yield from self._start_walks(walks)

    def home_failed(self, failure):
        self._err("%s: home page %s failed: %s", self.site_key, failure.request.url, failure.value)
        self.crawler.stats.set_value("zwgk/site_unreachable", 1)

    # --- list walk ----------------------------------------------------------------------------------
    def parse_column(self, response, walk: ListWalk):
        if response.status != 200:
            walk.fail(f"column page answered HTTP {response.status}")
            self._err("%s: column %s (%s) answered HTTP %s", self.site_key, walk.column_id, walk.url,
                      response.status)
            yield from self._finish_walk(walk)
            return
        if not isinstance(response, TextResponse):
            walk.fail("column page is not HTML")
            yield from self._finish_walk(walk)
            return
        self.crawler.stats.inc_value("zwgk/columns_reached")
        name = response.xpath("//meta[translate(@name,'COLUMNAME','columname')='columnname']/@content").get()
        if name and name.strip() and name.strip().lower() != "null":
            walk.name = name.strip()
        column_type = response.xpath("//meta[translate(@name,'COLUMNTYPE','columntype')='columntype']/@content").get()
        walk.cls = column_class(walk.cls, column_type, walk.name)
        adapter = adapter_for(response, self.site.platform)
        walk.adapter = adapter.name
        try:
            adapter.first(response, walk)
        except Exception as e:  # a broken list page never stops the crawl
            self.logger.exception("%s: column %s could not be read", self.site_key, walk.url)
            walk.fail(f"list page could not be read: {type(e).__name__}")
        yield from self._continue(walk)

    def _continue(self, walk: ListWalk):
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
        yield req.replace(callback=self.parse_more, errback=self.more_failed, cb_kwargs={"walk": walk},
                          meta={**req.meta, "handle_httpstatus_all": True})

    def parse_more(self, response, walk: ListWalk):
        if response.status != 200:
            walk.fail(f"list page {response.url} answered HTTP {response.status}")
            self._err("%s: column %s: %s answered HTTP %s", self.site_key, walk.column_id, response.url,
                      response.status)
        else:
            try:
                ADAPTERS[walk.adapter].more(response, walk)
            except Exception as e:
                self.logger.exception("%s: list page %s could not be read", self.site_key, response.url)
                walk.fail(f"list page could not be read: {type(e).__name__}")
        yield from self._continue(walk)

    def more_failed(self, failure):
        walk = failure.request.cb_kwargs["walk"]
        walk.fail(f"list page request failed: {failure.value}")
        self._err("%s: column %s: %s failed: %s", self.site_key, walk.column_id, failure.request.url,
                  failure.value)
        yield from self._finish_walk(walk)

    def column_failed(self, failure):
        walk = failure.request.cb_kwargs["walk"]
        walk.fail(f"column page request failed: {failure.value.__class__.__name__}: {failure.value}"[:300])
        self._err("%s: column %s failed: %s", self.site_key, walk.url, failure.value)
        yield from self._finish_walk(walk)

    def _finish_walk(self, walk: ListWalk):
        if walk.complete and not walk.failed:
            state = "normal" if walk.entries else ("blank" if walk.is_list_page else "unverifiable")
            reason = None if state != "unverifiable" else "no records and not a recognisable list page"
        else:
            state, reason = "unverifiable", walk.failed or "list walk did not finish"
        count = walk.total if (walk.complete and walk.total is not None) else len(walk.entries)
        self.logger.info("%s: column %s %s: %s, %d listed%s", self.site_key, walk.column_id, walk.name or "",
                         state, count, f" ({reason})" if reason else "")
        yield ColumnItem(site=self.site_key, column_id=walk.column_id, name=walk.name, url=walk.url,
                         platform=walk.adapter, column_class=walk.cls, item_count=count,
                         last_item_date=walk.last_item_date, state=state, reason=reason)
        for entry in walk.entries.values():
            self.listed.add(entry.url)
            yield from self._article(entry, walk)
        self.open_walks -= 1
        if self.open_walks == 0:
            if not self.crawler.stats.get_value("zwgk/columns_reached"):
                self.crawler.stats.set_value("zwgk/site_unreachable", 1)  # not one column page answered
            yield from self._withdraw_unlisted()

    def _withdraw_unlisted(self):
        """Known live articles of completely walked columns that no list shows any more."""
        complete = {w.column_id for w in self.walks if w.complete and not w.failed}
        for url, info in self.known.items():
            if info.get("column_id") in complete and info.get("state") == "live" \
                    and url not in self.listed and url not in self.withdrawn:
                self.withdrawn.add(url)
                yield WithdrawnItem(site=self.site_key, url=url, column_id=info.get("column_id"),
                                    reason="no longer listed")

    # --- articles -------------------------------------------------------------------------------------
    def _recheck_due(self, url: str) -> bool:
        """Is it this known article's turn for a conditional recheck? Every article has a fixed turn
        in a cycle of recheck_days days (0 or 1: every crawl), so each is re-validated about that
        often without any bookkeeping; unchanged ones answer 304 and are not downloaded again."""
        if self.recheck_days <= 1:
            return True
        return zlib.crc32(url.encode()) % self.recheck_days == self.today.toordinal() % self.recheck_days

    def _article(self, entry: ListEntry, walk: ListWalk):
        url = entry.url
        if url in self.scheduled:
            return
        self.scheduled.add(url)
        info = self.known.get(url)
        headers = {"Referer": walk.url}
        if info is not None:
            listed_differs = (entry.title and info.get("title") and entry.title != info["title"]) or \
                             (entry.date and info.get("published") and entry.date != info["published"])
            if not listed_differs:
                if not self._recheck_due(url):
                    yield SeenItem(site=self.site_key, url=url, column_id=info.get("column_id"))
                    return
                # Last-Modified is the validator of choice: a page's ETag also changes with its chrome
                # (相关链接, counters), which would re-download articles whose text did not change
                if info.get("last_modified"):
                    headers["If-Modified-Since"] = info["last_modified"]
                elif info.get("etag"):
                    headers["If-None-Match"] = info["etag"]
        yield self._request(url, self.parse_article, self.article_failed, headers=headers,
                            cb_kwargs={"entry": entry, "walk": walk})

    def parse_article(self, response, entry: ListEntry, walk: ListWalk):
        url = entry.url
        if response.status == 304:
            self.crawler.stats.inc_value("zwgk/not_modified")
            yield SeenItem(site=self.site_key, url=url, column_id=walk.column_id)
            return
        if url in self.known and response.status == 200:
            self.crawler.stats.inc_value("zwgk/refetched")
        if response.status in GONE:
            if url in self.known:
                self.withdrawn.add(url)
                yield WithdrawnItem(site=self.site_key, url=url, column_id=walk.column_id,
                                    reason=f"HTTP {response.status}")
            elif self.check_links:  # a list entry pointing nowhere is a broken link of the list page
                yield LinkItem(site=self.site_key, from_url=walk.url, to_url=url, status=response.status)
            return
        if response.status != 200:
            self._err("%s: article %s answered HTTP %s", self.site_key, url, response.status)
            if url in self.known:  # still listed; what it says now is unknown
                yield SeenItem(site=self.site_key, url=url, column_id=walk.column_id)
            return
        if not isinstance(response, TextResponse):
            # the list links straight to a file: the file is the document
            doc = self._doc(url, walk, entry, {"title": entry.title, "published": entry.date, "body": "",
                                               "attachments": [{"url": url, "name": entry.title or url,
                                                                "type": None}]}, response)
            doc["attachments"] = [self._attachment_record(doc["attachments"][0], response)]
            yield DocumentItem(doc)
            return
        try:
            data = extract(response.body, response.url, encoding=_charset(response))
        except Exception:
            self.crawler.stats.inc_value("zwgk/errors")
            self.logger.exception("%s: article %s could not be extracted", self.site_key, url)
            return
        doc = self._doc(url, walk, entry, data, response)
        if self.check_links:
            host = urlsplit(response.url).netloc
            for link in data.get("links") or []:
                if urlsplit(link).netloc == host and link != url:
                    yield from self._check_link(url, link)
        yield from self._next_attachment(doc, list(doc["attachments"]), [])

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
        self._err("%s: article %s failed: %s", self.site_key, url, failure.value)
        if url in self.known:  # still listed; what it says now is unknown
            yield SeenItem(site=self.site_key, url=url, column_id=failure.request.cb_kwargs["walk"].column_id)

    # --- attachments ----------------------------------------------------------------------------------
    def _next_attachment(self, doc: dict, pending: list[dict], done: list[dict]):
        while pending:
            att = pending.pop(0)
            cached = self.attachment_cache.get(att["url"])
            if cached is not None:
                done.append({**cached, "name": att.get("name") or cached.get("name")})
                continue
            yield self._request(att["url"], self.parse_attachment, self.attachment_failed, dont_filter=True,
                                priority=10, meta={"download_maxsize": self.max_attachment,
                                                   "download_warnsize": 0},
                                headers={"Referer": doc["url"]},
                                cb_kwargs={"doc": doc, "pending": pending, "done": done, "att": att})
            return
        doc["attachments"] = done
        self.crawler.stats.inc_value("zwgk/documents_parsed")
        yield DocumentItem(doc)

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
        text, error = attachment_text(body, rec["type"])
        rec.update(text=text, status="ok" if not error else "unreadable", http_status=200)
        if error:
            rec["error"] = error
        return rec

    def parse_attachment(self, response, doc, pending, done, att):
        rec = self._attachment_record(att, response)
        self.attachment_cache[att["url"]] = rec
        done.append(rec)
        yield from self._next_attachment(doc, pending, done)

    def attachment_failed(self, failure):
        kw = failure.request.cb_kwargs
        att = kw["att"]
        reason = f"{failure.value.__class__.__name__}: {failure.value}"[:300]
        if "maxsize" in reason.lower() or "cancel" in reason.lower():
            reason = f"larger than {self.max_attachment} bytes ({reason})"
        rec = {"url": att["url"], "name": att.get("name"), "type": att.get("type"), "size": None,
               "text": None, "status": "failed", "error": reason, "http_status": None}
        self.logger.warning("%s: attachment %s failed: %s", self.site_key, att["url"], reason)
        self.attachment_cache[att["url"]] = rec
        kw["done"].append(rec)
        yield from self._next_attachment(kw["doc"], kw["pending"], kw["done"])

    # --- link checks -------------------------------------------------------------------------------------
    def _check_link(self, from_url: str, to_url: str, method: str = "HEAD"):
        if to_url in self.link_unchecked:
            return
        if to_url in self.link_status:
            status, error = self.link_status[to_url]
            yield LinkItem(site=self.site_key, from_url=from_url, to_url=to_url, status=status, error=error)
            return
        if to_url in self.link_waiting:
            if from_url not in self.link_waiting[to_url]:
                self.link_waiting[to_url].append(from_url)
            return
        self.link_waiting[to_url] = [from_url]
        yield self._request(to_url, self.parse_link, self.link_failed, method=method, dont_filter=True,
                            meta={"download_maxsize": 2 * 1024 * 1024}, cb_kwargs={"to_url": to_url})

    def _link_done(self, to_url: str, status: int | None, error: str | None):
        self.link_status[to_url] = (status, error)
        for from_url in self.link_waiting.pop(to_url, []):
            yield LinkItem(site=self.site_key, from_url=from_url, to_url=to_url, status=status, error=error)

    def parse_link(self, response, to_url: str):
        if response.request.method == "HEAD" and response.status in (405, 501):
            yield self._request(to_url, self.parse_link, self.link_failed, dont_filter=True,
                                meta={"download_maxsize": 2 * 1024 * 1024}, cb_kwargs={"to_url": to_url})
            return
        yield from self._link_done(to_url, response.status, None)

    def link_failed(self, failure):
        to_url = failure.request.cb_kwargs["to_url"]
        if failure.check(IgnoreRequest):  # robots.txt forbids it: unknown, not broken
            self.link_waiting.pop(to_url, None)
            self.link_unchecked.add(to_url)
            self.logger.debug("link %s not checked: %s", to_url, failure.value)
            return
        yield from self._link_done(to_url, None, f"{failure.value.__class__.__name__}: {failure.value}"[:300])
