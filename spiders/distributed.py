"""A crawl worker on Redis: ``zwgk crawl --redis URL`` (the night itself: crawler/ingest.py).

One worker process runs one crawler per crawl unit (a site, crawled once for every bureau that has it).
Each crawler's spider is the ordinary ColumnSpider with scrapy-redis underneath:

- requests go through the shared Redis queue and duplicate filter of their unit (spiders/redis_compat.py),
  so any number of workers on any machines share the work; a list walk travels in its list-page
  requests (pickled with them), so whichever worker fetches page n+1 continues the walk;
- what the spider kept in memory for one site becomes Redis state: the known documents and columns
  (published by the ingest), the article URLs claimed tonight, and per column the articles issued and
  done (a column is synced when its full walk is finished and every article it issued is done);
- withdrawals of a fully walked column are decided when its walk finishes (same rule and share guard);
- items go to ``zwgk:items`` (RedisItemPipeline), never to SQLite: ``zwgk ingest`` is the one writer;
- politeness across workers: a download needs one of ``crawl.concurrency_per_host`` leased slots of its
  host in Redis, leased in the same Lua call that pops the request (HostSlotMiddleware for the rest);
- link checks: every answer is published for the night's link phase, which checks what no worker
  fetched (crawler/redislinks.py); each worker reports its statistics, from which the ingest decides
  "site unreachable" over all workers (crawler/ingest.py).
"""
from __future__ import annotations

import copy
import json
import logging
import os
import socket
import threading
import uuid
import weakref

import scrapy

from crawler.bureaus import CrawlUnit
from crawler import redisconn
from crawler.heap import settle_for_crawl
from crawler.ingest import LINK_ANSWER, Keys, night_state, recover_dead
from crawler.items import ColumnSyncedItem, LinkItem
from crawler.rediskeys import seen_key

from scrapy.exceptions import IgnoreRequest

from .column import ColumnSpider
from .guard import EXTERNAL
from .linkcheck import LINK_MAXSIZE
from .pagelinks import column_url
from .redis_compat import CLAIM, RedisStartMixin, scripts
from .redisio import stop_on_give_up, worker_connect
from .walkstate import _CLAIM, _FINISH, _SYNC

logger = logging.getLogger(__name__)

HEARTBEAT_TTL = 10.0   # seconds without a heartbeat before a worker counts as dead
_LIVE: weakref.WeakSet = weakref.WeakSet()   # this process's spiders (one per crawl unit)


class DistributedColumnSpider(RedisStartMixin, ColumnSpider):
    # no name: not a spider of its own for `scrapy crawl` (whose loader would then find two "column"s);
    # run_worker names the per-unit subclasses it makes
    name = None

    def __init__(self, *args, unit: CrawlUnit | None = None, **kwargs):
        super().__init__(*args, site=unit.site, config=unit.config, **kwargs)
        self.unit = unit
        self.unit_id = unit.id
        self.redis_server = None
        self._claimed: dict[str, dict[str, int]] = {}   # column -> its finishing walk's claims
        self.redis_key = Keys.start(unit.id)
        self.worker_id = None
        self._idle_since = None
        self._issued: dict[str, list[str]] = {}
        self._recovered_at = 0.0
        self._known_loaded = False     # (a first night's known sets are empty: load them once, not per page)

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.redis_server = worker_connect(crawler.settings)
        spider.worker_id = crawler.settings.get("ZWGK_WORKER_ID")
        # a worker started between two nights waits for the next one instead of ending with the last
        spider._night_at_start = spider.redis_server.hget(Keys.night, "id")
        spider._waiting_for_new = night_state(spider.redis_server) != "running"
        _LIVE.add(spider)
        crawler.signals.connect(spider._redis_idle, signal=scrapy.signals.spider_idle)
        crawler.signals.connect(spider._report_stats, signal=scrapy.signals.spider_closed)
        return spider

    # --- state from Redis instead of SQLite ------------------------------------------------------------
    def _load_known(self) -> None:
        self._known_loaded = True
        r = self.redis_server
        self.known = {k.decode(): json.loads(v) for k, v in r.hgetall(Keys.known(self.unit_id)).items()}
        self.stored_columns = {k.decode(): json.loads(v) for k, v in r.hgetall(Keys.columns(self.unit_id)).items()}
        self.known_by_column = {}
        for url, info in self.known.items():
            if info.get("state") == "live":
                self.known_by_column.setdefault(str(info.get("column_id")), []).append(url)

    def seed_requests(self, payload: dict) -> list[scrapy.Request]:
        """ColumnSpider.start(): the configured columns' walks, else the home page to discover them.
        The night's column choice (``zwgk ingest --column``) comes with the seed."""
        if payload.get("links"):
            return self._link_requests(payload["links"])
        self._load_known()
        self.only_columns = set(payload.get("columns") or [])
        home = self.site.start_url or f"{self.site.base_url}/index.html"
        if self.site.columns:
            cols = [c for c in self.site.columns if not self.only_columns or c.id in self.only_columns]
            walks = [self._new_walk(c.id, column_url(self.site.base_url, c.id, c.url), c.name, c.cls) for c in cols]
            out = list(self._start_walks(walks))
            if self.check_links and not self.only_columns:   # the home page's links are checked too, as in start()
                out.append(self._request(home, self.parse_home, self.home_failed, dont_filter=True,
                                         cb_kwargs={"discover": False}))
            return out
        return [self._request(home, self.parse_home, self.home_failed,
                              cb_kwargs={"discover": True, "columns": sorted(self.only_columns)})]

    def parse_home(self, response, discover: bool = True, columns: list[str] | None = None):
        if not self._known_loaded:
            self._load_known()
        if columns:    # whichever worker fetched the home page discovers only the night's columns
            self.only_columns = set(columns)
        yield from super().parse_home(response, discover)

    def parse_column(self, response, walk):
        if not self._known_loaded:   # a worker that did not take the seed
            self._load_known()
        yield from super().parse_column(response, walk)

    # --- walks and articles across workers -----------------------------------------------------------
    def _article(self, entry, walk):
        if entry.url in self.scheduled:
            return
        # claim the URL for this column's walk (another column listing it leaves it alone); a claim stays
        # "pending" in Redis until its request is on the queue, so a worker killed in between loses nothing
        got = self._claimed.get(walk.column_id, {}).pop(entry.url, None)
        if got is None:
            got = self._claim([entry.url], walk.column_id)[entry.url]
        if not got:
            self.scheduled.add(entry.url)   # another walk (maybe on another worker) has it
            return
        for out in super()._article(entry, walk):
            if isinstance(out, scrapy.Request):
                # recorded before the walk is marked finished (_finish_walk), so before a sync check can
                # compare issued with done
                self._issued.setdefault(walk.column_id, []).append(entry.url)
                if got == 2:     # queued by an earlier try of this list page (its worker was killed)
                    continue
                # the article carries a small copy of its walk (no list entries), marked with its URL
                slim = copy.copy(walk)
                slim.entries, slim.page_entries = {}, []
                slim.zwgk_article = entry.url
                out = out.replace(cb_kwargs={**out.cb_kwargs, "walk": slim}, meta={**out.meta, CLAIM: entry.url})
            yield out

    def _claim(self, urls: list[str], column_id: str) -> dict[str, int]:
        """Claim article URLs for a column in one round trip (see _CLAIM)."""
        got = scripts(self.redis_server)(_CLAIM, [Keys.articles(self.unit_id), Keys.claims(self.worker_id, self.unit_id)],
                                         [column_id, *urls])
        return dict(zip(urls, (int(g) for g in got)))

    def _article_done(self, walk, ok: bool = True):
        url = getattr(walk, "zwgk_article", None) or ""
        scheduler = getattr(self.crawler, "zwgk_scheduler", None)
        if url and scheduler is not None:
            # with the worker's next Redis call, which also pushes this article's items (no round trip of
            # its own); the column's synced mark is pushed there when this was its last article
            synced = json.dumps({"unit": self.unit_id, "kind": "ColumnSyncedItem",
                                 "item": {"site": self.site_key, "column_id": walk.column_id}}, ensure_ascii=False)
            scheduler.article_done(Keys.walk(self.unit_id, walk.column_id, ""), url, not ok, synced)
            return
        if self._sync_check(walk.column_id, url, 0 if ok else 1):
            yield ColumnSyncedItem(site=self.site_key, column_id=walk.column_id)

    def _sync_check(self, column_id: str, done_url: str = "", failed: int = 0) -> bool:
        """Record a finished article (if any) and tell whether this call marked the column synced."""
        keys = [Keys.walk(self.unit_id, column_id, p) for p in ("state", "issued", "done")]
        return bool(scripts(self.redis_server)(_SYNC, keys, [done_url, failed]))

    def _finish_walk(self, walk):
        """ColumnSpider._finish_walk for one column at a time: withdrawals and the sync mark of this
        column are decided here, whichever worker finishes its walk."""
        if walk.finished:
            return
        walk.finished = True
        if walk.candidate and not walk.is_list_page and not walk.entries:
            return
        # every article this walk may issue, claimed at once (the listed ones and tonight's re-checks)
        urls = [e.url for e in walk.entries.values() if e.url not in self.scheduled]
        urls += [u for u in self.known_by_column.get(walk.column_id, []) if u not in self.scheduled
                 and u not in walk.entries and self._recheck_due(u, self.known[u].get("published"))]
        # per column: another walk's callback may run between two of this generator's steps
        self._claimed[walk.column_id] = self._claim(urls, walk.column_id) if urls else {}
        yield from self._column_item(walk)
        for entry in walk.entries.values():
            self.listed.add(entry.url)
            yield from self._article(entry, walk)
        yield from self._rechecks(walk)
        self.walks = [walk]
        yield from self._withdraw_unlisted()
        ok = walk.complete and not walk.failed and not walk.stopped_early
        # the articles it issued and its end, then the sync rule: one round trip (_FINISH)
        keys = [Keys.walk(self.unit_id, walk.column_id, p) for p in ("state", "issued", "done")]
        if scripts(self.redis_server)(_FINISH, keys, [int(bool(ok)), *self._issued.pop(walk.column_id, [])]):
            yield ColumnSyncedItem(site=self.site_key, column_id=walk.column_id)

    def _maybe_synced(self, walk):
        return iter(())   # decided in Redis (_sync_check)

    def _not_checked(self) -> None:
        pass

    # --- lifetime ----------------------------------------------------------------------------------
    # --- link checks across workers (crawler/redislinks.py) ------------------------------------------
    def _idle(self, spider=None):
        pass   # links are checked in the night's link phase, not when one worker idles

    def _saw(self, url: str, status: int | None, error: str | None = None):
        if self.check_links and (status is not None or url not in self.seen_status):
            answer = {"unit": self.unit_id, "kind": LINK_ANSWER, "item": {"url": url, "answer": [status, error]}}
            items = getattr(self.crawler, "zwgk_items", None)
            if items is not None:
                # with the items of the request whose answer this is, in the call that releases it: once
                # nothing is in flight and every item is written, the link phase knows every answer
                items.waiting.append(json.dumps(answer, ensure_ascii=False))
            else:   # a spider without the worker's item pipeline
                self.redis_server.hset(seen_key(self.unit_id), url, json.dumps([status, error]))
        yield from super()._saw(url, status, error)

    def _link_requests(self, urls: list[str]) -> list[scrapy.Request]:
        self._count("link_requests", len(urls))
        return [self._request(url, self.parse_link, self.link_failed, method="HEAD", dont_filter=True,
                              meta={"download_maxsize": LINK_MAXSIZE, EXTERNAL: True}, cb_kwargs={"to_url": url})
                for url in urls]

    # on a worker, every link check comes from a link seed (any worker may fetch it): its answer resolves
    # the link on every page that carries it (a LinkItem without from_url)
    def parse_link(self, response, to_url: str):
        if not (response.request.method == "HEAD" and response.status in (405, 501)):   # else GET follows
            yield LinkItem(site=self.site_key, from_url=None, to_url=to_url, status=response.status, error=None)
        yield from super().parse_link(response, to_url)

    def link_failed(self, failure):
        to_url = failure.request.cb_kwargs["to_url"]
        if failure.check(IgnoreRequest):   # robots.txt forbids it: unknown, not broken
            yield LinkItem(site=self.site_key, from_url=None, to_url=to_url, drop=True)
        else:
            yield LinkItem(site=self.site_key, from_url=None, to_url=to_url, status=None,
                           error=self._failure_text(failure))
        yield from super().link_failed(failure)

    def _redis_idle(self, spider=None):
        """Stay open until the ingest says the night is done; take new seeds; requeue dead workers'."""
        import time

        from scrapy.exceptions import DontCloseSpider

        r = self.redis_server
        # seeds waiting and the night's state in one round trip (seeds come before a night is "running")
        pipe = r.pipeline(transaction=False)
        pipe.llen(self.redis_key)
        pipe.hmget(Keys.night, "state", "id")
        waiting, (state, night_id) = pipe.execute()
        if waiting:
            self.schedule_seeds()
            _nudge_peers(self)    # the night (or its link phase) began: the other units have seeds too
        if time.monotonic() - self._recovered_at > 2.0:
            self._recovered_at = time.monotonic()
            recover_dead(r, self.worker_id)
        state = state.decode() if state else None
        if state == "done" and (not self._waiting_for_new or night_id != self._night_at_start):
            _nudge_peers(self)    # the night is over: the other units close now too
            return
        if state != "running":
            self._idle_since = self._idle_since or time.monotonic()
            if time.monotonic() - self._idle_since > self.crawler.settings.getfloat("ZWGK_REDIS_WAIT", 60):
                self.logger.error("no night on Redis after %.0f s (start `zwgk ingest --redis URL`)",
                                  time.monotonic() - self._idle_since)
                return
        raise DontCloseSpider

    def _close_sandbox(self, spider=None):
        """The attachment sandbox ends in a thread: its child's exit (0.2 s) no longer blocks the reactor,
        so a worker's crawlers close (and report) together, not one child's exit after another."""
        from twisted.internet.threads import deferToThread

        return deferToThread(super()._close_sandbox, spider)

    def _report_stats(self, spider=None, reason=None):
        from crawler.pipelines import site_stats

        if redisconn.gone():
            return
        stats = dict(self.crawler.stats.get_stats())
        stats["finish_reason"] = reason
        summary = site_stats(stats)
        summary["columns_reached"] = int(stats.get("zwgk/columns_reached") or 0)   # the ingest's unreachable
        try:
            self.redis_server.hset(Keys.stats(self.unit_id), self.worker_id, json.dumps(summary, default=str))
        except Exception:   # pragma: no cover - Redis gone at shutdown
            self.logger.exception("could not report the worker's statistics")


def _nudge_peers(spider) -> None:
    """This worker's other crawlers look at Redis now rather than at their next poll (at most every 0.2 s)."""
    import time

    if time.monotonic() - _NUDGED[0] < 0.2:
        return
    _NUDGED[0] = time.monotonic()
    for peer in list(_LIVE):
        scheduler = getattr(peer.crawler, "zwgk_scheduler", None)
        if peer is not spider and scheduler is not None:
            scheduler.nudge()


_NUDGED = [0.0]


class RedisItemPipeline:
    """Every item to ``zwgk:items`` as JSON {unit, kind, item}; the ingest writes it to SQLite. Items wait
    here and go to Redis in the call that releases their request from the worker's in-flight hash
    (spiders/redis_compat.py): one round trip per request, however many links a page has."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.server = worker_connect(crawler.settings)
        self.unit = crawler.settings.get("ZWGK_UNIT")
        self.waiting: list[str] = []
        crawler.zwgk_items = self

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item, spider=None):
        self.waiting.append(json.dumps({"unit": self.unit, "kind": type(item).__name__, "item": dict(item)},
                                       ensure_ascii=False, default=str))
        self.crawler.stats.inc_value(f"zwgk/items_{type(item).__name__}")
        return item

    def take(self) -> list[str]:
        out, self.waiting = self.waiting, []
        return out

    def close_spider(self, spider=None):
        if self.waiting and not redisconn.gone():
            self.server.rpush(Keys.items, *self.take())


def worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


def unit_settings(unit: CrawlUnit, redis_url: str, wid: str) -> dict:
    return {
        "REDIS_URL": redis_url,
        "SCHEDULER": "spiders.redis_compat.Scheduler",
        "SCHEDULER_QUEUE_CLASS": "spiders.redis_compat.InflightPriorityQueue",
        "SCHEDULER_QUEUE_KEY": Keys.queue(unit.id),
        "SCHEDULER_DUPEFILTER_KEY": Keys.dupefilter(unit.id),
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True,
        # one crawler per unit (= one host): taking more requests off the shared queue than the host
        # may get at once would only park them here while another worker could fetch them
        "CONCURRENT_REQUESTS": max(1, unit.config.crawl.concurrency_per_host),
        "ZWGK_UNIT": unit.id,
        "ZWGK_HOST": unit.host,
        "ZWGK_WORKER_ID": wid,
        "ITEM_PIPELINES": {"spiders.distributed.RedisItemPipeline": 300},
        # Scrapy re-parses a callback's source for this warning whenever the bound method is new — which
        # is every request read back from Redis (a quarter of a worker's CPU in a profile)
        "WARN_ON_GENERATOR_RETURN_VALUE": False,
        "DOWNLOADER_MIDDLEWARES": {
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "spiders.middlewares.BackoffRetryMiddleware": 550,
            "spiders.middlewares.SchemeFallbackMiddleware": 560,
            # last before the download, first to see its answer: the slot is held only while fetching
            "spiders.hostslots.HostSlotMiddleware": 990,
        },
    }


#: bytes of fetched pages a Redis worker holds unparsed, over all its units (Scrapy's soft limit per crawler)
REDIS_BACKLOG_BYTES = 200_000


def _drop_unhandled_records() -> None:
    """Scrapy's handlers drop records below LOG_LEVEL, but its loggers let every record be made first (a
    DEBUG "Scraped from" per item, "Crawled" per response; each crawler resets the root logger to NOTSET):
    the "scrapy" loggers skip what no handler would show (nothing shown changes)."""
    loggers = [logging.root, *(lg for name, lg in logging.Logger.manager.loggerDict.items()
                               if isinstance(lg, logging.Logger) and (name + ".").startswith("scrapy."))]
    levels = [h.level for lg in loggers for h in lg.handlers if not isinstance(h, logging.NullHandler)]
    if levels and min(levels) > logging.NOTSET:
        logging.getLogger("scrapy").setLevel(min(levels))


def run_worker(units: list[CrawlUnit], redis_url: str, *, log_level: str | None = None,
               log_file: str | None = None, overrides: dict | None = None) -> dict[str, dict]:
    """Run one crawl worker until the night is done; returns {unit: this worker's site stats}."""
    from scrapy.crawler import AsyncCrawlerProcess

    from scrapy.settings import Settings

    from crawler.pipelines import site_stats

    wid = worker_id()
    ttl = float((overrides or {}).get("ZWGK_REDIS_HEARTBEAT_TTL") or HEARTBEAT_TTL)
    # an outage is waited out only while the worker's heartbeat key (set at most ttl/4 before) still lives
    outage = float((overrides or {}).get("ZWGK_REDIS_OUTAGE") or min(redisconn.OUTAGE_SECONDS, ttl / 2))
    overrides = {**(overrides or {}), "ZWGK_REDIS_OUTAGE": outage, "REDIS_PARAMS": redisconn.client_options(outage)}
    if outage > 0.75 * ttl:
        logger.warning("ZWGK_REDIS_OUTAGE %g s outlives the heartbeat key (%g s TTL): after an outage that long "
                       "the worker's requests in flight may be fetched again by another worker", outage, ttl)
    gave_up = stop_on_give_up()
    r = redisconn.connect(redis_url, outage)
    r.ping()
    # the heartbeat key names the worker's units: the ingest knows when it has reported all of them
    alive = json.dumps([u.id for u in units])
    r.set(Keys.worker(wid), alive, px=int(ttl * 1000))
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    for name, value in {"LOG_LEVEL": (log_level or "").upper() or None, "LOG_FILE": log_file,
                        **(overrides or {})}.items():
        if value is not None:
            settings.set(name, value, priority="cmdline")
    process = AsyncCrawlerProcess(settings)
    crawlers = {}
    # a page fetched but not yet parsed (waiting for the CPU worker) is still in flight on Redis: a killed
    # worker's backlog is fetched again by the others, so the units of one worker share one small backlog
    backlog = {"SCRAPER_SLOT_MAX_ACTIVE_SIZE": max(20_000, REDIS_BACKLOG_BYTES // max(1, len(units)))}
    for unit in units:
        cls = type(f"Unit_{len(crawlers)}", (DistributedColumnSpider,),
                   {"name": "column-redis",
                    "custom_settings": {**unit_settings(unit, redis_url, wid), **backlog, **(overrides or {})}})
        crawlers[unit.id] = process.create_crawler(cls)
        process.crawl(crawlers[unit.id], unit=unit)

    _drop_unhandled_records()

    # the heartbeat beats on its own thread: a reactor busy for a few seconds (a big callback, a loaded
    # machine) must not make a live worker look dead (its leases and in-flight requests taken over)
    stop = threading.Event()

    def beat():
        hb = redisconn.connect(redis_url, outage)
        while not stop.wait(ttl / 4):
            try:
                hb.set(Keys.worker(wid), alive, px=int(ttl * 1000))   # waits out a short outage
            except Exception:   # Redis stayed away: the worker is stopping (stop_on_give_up)
                return

    heart = threading.Thread(target=beat, name="zwgk-heartbeat", daemon=True)
    heart.start()
    logger.info("worker %s: %d crawl unit(s) on %s", wid, len(units), redis_url)
    settle_for_crawl()
    try:
        process.start()
    finally:
        stop.set()
        heart.join(5)
        if not redisconn.gone():
            r.delete(Keys.worker(wid))
    if gave_up:
        raise gave_up[0]
    return {uid: site_stats(c.stats.get_stats()) if getattr(c, "_stats", None) is not None else {}
            for uid, c in crawlers.items()}
