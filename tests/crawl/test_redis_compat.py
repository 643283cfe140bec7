"""spiders/redis_compat.py against a real Redis: what it changes in scrapy-redis 0.9.1 (README "Crawling on
Redis"): seeds pass the duplicate filter and are never lost, pops are held in flight until done (and go
back to the queue when their worker dies), and no deprecated ``spider=`` argument reaches Scrapy."""
from __future__ import annotations

import json
import warnings

import pytest
import redis as redislib
from scrapy import Request, Spider
from scrapy.utils.test import get_crawler
from scrapy_redis.dupefilter import RFPDupeFilter

from crawler.ingest import SEED, Keys, recover_dead
from spiders.redis_compat import CLAIM, InflightPriorityQueue, RedisStartMixin, Scheduler


class Tiny(Spider):
    name = "tiny"

    def parse(self, response):
        pass


@pytest.fixture
def r(redis_url):
    client = redislib.Redis.from_url(redis_url)
    client.flushdb()
    return client


class FakeEngine:
    """engine.crawl → the scheduler, as Scrapy's engine does."""

    def __init__(self, scheduler):
        self.scheduler, self.crawled = scheduler, []

    def crawl(self, request):
        self.crawled.append(request)
        self.scheduler.enqueue_request(request)


def _scheduler(r, redis_url, spider):
    crawler = get_crawler(Tiny, {"REDIS_URL": redis_url, "ZWGK_WORKER_ID": "w1", "ZWGK_UNIT": "u",
                                 "SCHEDULER_QUEUE_KEY": Keys.queue("u"), "SCHEDULER_DUPEFILTER_KEY": Keys.dupefilter("u"),
                                 "SCHEDULER_QUEUE_CLASS": "spiders.redis_compat.InflightPriorityQueue",
                                 "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter"})
    sched = Scheduler.from_crawler(crawler)
    # open() without its poll timer (no reactor in this process): what open() sets up
    sched.spider = spider
    sched.queue = InflightPriorityQueue(server=r, spider=spider, key=Keys.queue("u"))
    sched.queue.inflight_key = Keys.inflight("w1", "u")
    sched.df = RFPDupeFilter(r, Keys.dupefilter("u"))
    return sched


class Seeder(RedisStartMixin):
    def __init__(self, r, engine):
        self.redis_server, self.redis_key, self.worker_id, self.unit_id = r, Keys.start("u"), "w1", "u"
        self.crawler = type("C", (), {"engine": engine, "zwgk_scheduler": engine.scheduler})()

    def seed_requests(self, payload):
        return [Request(payload["url"], dont_filter=True)]      # as ColumnSpider makes its walks


def test_start_url_passes_the_duplicate_filter(r, redis_url):
    spider = Tiny()
    sched = _scheduler(r, redis_url, spider)
    engine = FakeEngine(sched)
    r.rpush(Keys.start("u"), json.dumps({"url": "http://127.0.0.1:9/col/col1/index.html"}))
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # no deprecated spider= argument on the way
        assert Seeder(r, engine).schedule_seeds() == 1
        assert engine.crawled[0].dont_filter is False
        assert r.zcard(Keys.queue("u")) == 1
        # the same URL linked from a crawled page is a duplicate now (known when the held request is sent)
        sched.enqueue_request(Request("http://127.0.0.1:9/col/col1/index.html"))
        assert sched.flush() == [False]
        assert sched.stats.get_value("dupefilter/filtered") == 1
    assert r.zcard(Keys.queue("u")) == 1
    assert r.hlen(Keys.inflight("w1", "u")) == 0       # the seed left the in-flight hash once queued
    assert r.llen(Keys.start("u")) == 0


def test_pop_is_in_flight_until_done_and_returns_when_the_worker_dies(r, redis_url):
    spider = Tiny()
    sched = _scheduler(r, redis_url, spider)
    sched.crawler.engine = type("E", (), {"_slot": None})()
    for i in range(3):
        sched.enqueue_request(Request(f"http://127.0.0.1:9/{i}", priority=i))
    got = sched.next_request()
    assert got.url == "http://127.0.0.1:9/2"           # priority order kept
    assert r.zcard(Keys.queue("u")) == 2 and r.hlen(Keys.inflight("w1", "u")) == 1
    # worker w1 has no heartbeat key: it is dead; its request goes back to the queue, once
    r.set(Keys.worker("w2"), 1)
    assert recover_dead(r, "w2") == 1
    assert recover_dead(r, "w2") == 0
    assert r.zcard(Keys.queue("u")) == 3 and not list(r.scan_iter(match="zwgk:inflight:*"))


def test_a_dead_workers_seed_goes_back_to_the_start_list(r):
    r.hset(Keys.inflight("dead", "u"), SEED, b'{"url": "http://127.0.0.1:9/"}')
    assert recover_dead(r) == 1
    assert r.lrange(Keys.start("u"), 0, -1) == [b'{"url": "http://127.0.0.1:9/"}']


def test_a_live_workers_requests_stay_in_flight(r, redis_url):
    spider = Tiny()
    sched = _scheduler(r, redis_url, spider)
    sched.enqueue_request(Request("http://127.0.0.1:9/a"))
    request = sched.next_request()
    r.set(Keys.worker("w1"), 1)
    assert recover_dead(r) == 0
    # the engine is done with it: the next pop releases it
    sched.crawler.engine = type("E", (), {"_slot": type("S", (), {"inprogress": set()})()})()
    assert request is not None and sched.next_request() is None
    assert r.hlen(Keys.inflight("w1", "u")) == 0


# --- the kill window of issue 15: an article URL claimed by a list page whose requests never reached the
# queue (the worker was SIGKILLed in between) -------------------------------------------------------------

def _claim(r, worker: str, url: str, column: str) -> int:
    from spiders.distributed import _CLAIM

    return r.eval(_CLAIM, 2, Keys.articles("u"), Keys.claims(worker, "u"), column, url)[0]


def _worker(r, redis_url, wid: str):
    sched = _scheduler(r, redis_url, Tiny())
    sched.worker_id = wid
    sched.queue.inflight_key = Keys.inflight(wid, "u")
    sched.crawler.engine = type("E", (), {"_slot": None})()
    return sched


def test_a_worker_killed_between_claim_and_queue_loses_no_article(r, redis_url):
    from spiders.redis_compat import CLAIM

    w1 = _worker(r, redis_url, "w1")
    w1.enqueue_request(Request("http://127.0.0.1:9/col/col1/index.html"))
    page = w1.next_request()                                 # the list page, in flight on w1
    article = "http://127.0.0.1:9/art/1.html"
    assert _claim(r, "w1", article, "col1") == 1             # w1 claims the article for column col1 ...
    # ... and is SIGKILLed before the article's request reaches the queue (no heartbeat key: dead)
    r.set(Keys.worker("w2"), 1)
    assert recover_dead(r, "w2") == 1                        # the list page is back on the queue
    assert r.hget(Keys.articles("u"), article) is None       # and w1's pending claim is gone with it
    w2 = _worker(r, redis_url, "w2")
    again = w2.next_request()
    assert again.url == page.url
    assert _claim(r, "w2", article, "col1") == 1             # so w2's parse of the same page issues it
    w2.enqueue_request(Request(article, meta={CLAIM: article}))
    assert r.hlen(Keys.claims("w2", "u")) == 1               # held by the worker: still pending
    assert w2.flush() == [True]
    assert r.hlen(Keys.claims("w2", "u")) == 0               # queued: the claim is no longer pending
    assert w2.next_request().url == article
    assert _claim(r, "w2", article, "col9") == 0             # another column listing it leaves it alone


def test_a_worker_killed_after_queueing_its_articles_issues_none_twice(r, redis_url):
    from spiders.redis_compat import CLAIM

    w1 = _worker(r, redis_url, "w1")
    w1.enqueue_request(Request("http://127.0.0.1:9/col/col1/index.html"))
    w1.next_request()
    article = "http://127.0.0.1:9/art/2.html"
    assert _claim(r, "w1", article, "col1") == 1
    w1.enqueue_request(Request(article, meta={CLAIM: article}))
    assert w1.flush() == [True]
    assert recover_dead(r, "w2") == 1                        # killed after: the list page comes back ...
    assert r.hget(Keys.articles("u"), article) == b"col1"    # ... but the queued article keeps its claim
    assert _claim(r, "w2", article, "col1") == 2             # the re-parse counts it, does not issue it
    assert r.zcard(Keys.queue("u")) == 2                     # list page + the article, once


def test_a_pop_leases_a_host_slot_shared_by_all_workers(r, redis_url):
    w1, w2 = _worker(r, redis_url, "w1"), _worker(r, redis_url, "w2")
    for w in (w1, w2):
        w.slots_key, w.limit, w.lease = Keys.slots("127.0.0.1:9"), 2, 30
        r.set(Keys.worker(w.worker_id), 1)
    for i in range(4):
        w1.enqueue_request(Request(f"http://127.0.0.1:9/{i}"))
    a, b = w1.next_request(), w1.next_request()
    assert a and b and r.zcard(Keys.slots("127.0.0.1:9")) == 2
    assert w2.next_request() is None                          # both slots held by w1: the host is busy
    assert r.zcard(Keys.queue("u")) == 2 and w2.stats.get_value("zwgk/host_slot_waits") == 1
    # w1 is done with one (it left the engine without reaching the download): its lease goes with it
    w1.crawler.engine = type("E", (), {"_slot": type("S", (), {"inprogress": {b}})()})()
    w1._release_finished()
    assert w2.next_request() is None                          # w2 was told "busy": no round trip until ...
    w2._tick()                                                # ... its next poll
    assert w2.next_request() is not None and r.zcard(Keys.slots("127.0.0.1:9")) == 2
    # w1 dies: its lease is dropped on the next pop, whoever pops
    r.delete(Keys.worker("w1"))
    assert w2.next_request() is not None
    assert all(t.startswith(b"w2:") for t in r.zrange(Keys.slots("127.0.0.1:9"), 0, -1))


def test_the_ingest_waits_for_each_live_workers_statistics_of_each_of_its_units(r):
    from crawler.ingest import workers_to_report

    r.set(Keys.worker("w1"), json.dumps(["u1", "u2"]))
    r.set(Keys.worker("old"), 1)                      # a worker that does not name its units: until it leaves
    r.hset(Keys.stats("u1"), "w1", "{}")
    assert workers_to_report(r) == ["old", "w1"]
    r.hset(Keys.stats("u2"), "w1", "{}")
    r.hset(Keys.stats("u2"), "gone", "{}")
    assert workers_to_report(r) == ["old"]
    r.delete(Keys.worker("old"))
    assert workers_to_report(r) == []


def test_a_pages_requests_go_to_redis_with_the_next_pop_in_one_call(r, redis_url):
    w1 = _worker(r, redis_url, "w1")
    w1.enqueue_request(Request("http://127.0.0.1:9/col/col1/index.html"))
    page = w1.next_request()
    r.config_resetstat()
    for i in range(20):                                      # what parsing the list page made
        w1.enqueue_request(Request(f"http://127.0.0.1:9/art/{i}.html", priority=-i))
    w1.enqueue_request(Request("http://127.0.0.1:9/col/col1/index.html"))   # a duplicate
    assert r.zcard(Keys.queue("u")) == 0                     # held by the worker ...
    w1.crawler.engine = type("E", (), {"_slot": type("S", (), {"inprogress": set()})()})()   # the page is done
    got = w1.next_request()                                  # ... and sent with the pop that follows
    calls = r.info("commandstats")
    assert calls.get("cmdstat_eval", {}).get("calls", 0) + calls.get("cmdstat_evalsha", {}).get("calls", 0) == 1
    assert got.url == "http://127.0.0.1:9/art/0.html"
    assert r.zcard(Keys.queue("u")) == 19 and w1.stats.get_value("scheduler/enqueued/redis") == 21
    assert w1.stats.get_value("dupefilter/filtered") == 1
    # the list page left the in-flight hash in the same call that queued its articles
    assert r.hkeys(Keys.inflight("w1", "u")) == [w1.popped[-1][1]] and page not in [q for q, _ in w1.popped]


def test_a_columns_last_article_marks_it_synced_in_the_call_that_releases_it(r, redis_url):
    w1 = _worker(r, redis_url, "w1")
    walk = Keys.walk("u", "col1", "")
    r.hset(walk + "state", mapping={"finished": 1, "complete": 1})     # the column's walk is finished
    r.sadd(walk + "issued", "http://127.0.0.1:9/art/1.html", "http://127.0.0.1:9/art/2.html")
    synced = json.dumps({"unit": "u", "kind": "ColumnSyncedItem", "item": {"site": "bureau", "column_id": "col1"}})
    for i in (1, 2):
        w1.enqueue_request(Request(f"http://127.0.0.1:9/art/{i}.html"))
    first, second = w1.next_request(), w1.next_request()
    w1.crawler.engine = type("E", (), {"_slot": type("S", (), {"inprogress": {second}})()})()
    w1.article_done(walk, first.url, False, synced)
    assert r.scard(walk + "done") == 0                       # held until the worker's next call ...
    w1._release_finished()
    assert r.smembers(walk + "done") == {first.url.encode()} and r.llen(Keys.items) == 0   # one of two done
    assert r.hlen(Keys.inflight("w1", "u")) == 1
    w1.crawler.engine = type("E", (), {"_slot": type("S", (), {"inprogress": set()})()})()
    w1.article_done(walk, second.url, False, synced)
    w1.article_done(walk, second.url, False, synced)         # recorded twice (a retried page): one mark
    w1._release_finished()
    assert r.lrange(Keys.items, 0, -1) == [synced.encode()] and r.hget(walk + "state", "synced") == b"1"
    assert r.hlen(Keys.inflight("w1", "u")) == 0


def test_a_failed_article_keeps_its_column_unsynced(r, redis_url):
    w1 = _worker(r, redis_url, "w1")
    walk = Keys.walk("u", "col1", "")
    r.hset(walk + "state", mapping={"finished": 1, "complete": 1})
    r.sadd(walk + "issued", "http://127.0.0.1:9/art/1.html")
    w1.article_done(walk, "http://127.0.0.1:9/art/1.html", True, "{}")
    w1._release_finished()
    assert r.llen(Keys.items) == 0 and r.hget(walk + "state", "article_failures") == b"1"
    assert r.hget(walk + "state", "synced") is None


def test_the_poll_sends_items_with_their_request_not_alone(r, redis_url):
    w1 = _worker(r, redis_url, "w1")
    w1.crawler.zwgk_items = type("P", (), {"waiting": ['{"kind": "LinkItem"}']})()
    w1.crawler.zwgk_items.take = lambda: [w1.crawler.zwgk_items.waiting.pop()]
    w1.enqueue_request(Request("http://127.0.0.1:9/a"))
    page = w1.next_request()                                 # (the item waiting went with this pop)
    assert r.llen(Keys.items) == 1
    w1.crawler.zwgk_items.waiting.append('{"kind": "DocumentItem"}')
    nudged = []
    nextcall = type("N", (), {"schedule": lambda self: nudged.append(1)})()
    w1.crawler.engine = type("E", (), {"_slot": type("S", (), {"inprogress": {page}, "closing": None, "nextcall": nextcall})()})()
    r.config_resetstat()
    w1._tick()                                               # its request is still being parsed: no call
    assert not {"cmdstat_eval", "cmdstat_evalsha"} & set(r.info("commandstats")) and r.llen(Keys.items) == 1
    w1.crawler.engine.__class__._slot.inprogress = set()
    assert nudged == []                                      # busy: the engine is not woken
    w1._tick()                                               # done: the item goes with the release
    assert r.llen(Keys.items) == 2 and r.hlen(Keys.inflight("w1", "u")) == 0
    assert nudged == [1]                                     # idle: the engine looks again (its idle check)


# --- the request serialiser (issue 15: Request.to_dict searched the spider's members for every request) ---

class Aliased(Tiny):
    def parse_page(self, response, n=0):
        pass

    parse_again = parse_page          # one function under two names

    def failed(self, failure):
        pass


def _column_spider():
    from crawler.config import load_config
    from spiders.column import ColumnSpider

    cfg = load_config("config/production.yaml")
    return ColumnSpider(site=next(iter(cfg.sites)), config=cfg)


def test_the_queue_writes_the_dict_scrapy_writes_for_every_callback_of_the_column_spider():
    from scrapy import FormRequest
    from scrapy_redis import picklecompat

    from spiders.redis_compat import request_dict

    spider = _column_spider()
    callbacks = [getattr(spider, n) for n in dir(type(spider))
                 if n.startswith("parse") and callable(getattr(spider, n, None))]
    assert len(callbacks) >= 4          # parse_home, parse_column, parse_article, parse_link ...
    for cb in callbacks:
        request = Request("http://127.0.0.1:9/a.html?x=1", callback=cb, errback=spider.link_failed, priority=-3,
                          meta={"handle_httpstatus_all": True, CLAIM: "u"}, cb_kwargs={"to_url": "x"})
        assert request_dict(request, spider) == request.to_dict(spider=spider)
        back = InflightPriorityQueue(server=None, spider=spider, key="k")._decode_request(
            picklecompat.dumps(request_dict(request, spider)))
        assert back.callback == cb and back.errback == spider.link_failed and back.cb_kwargs == {"to_url": "x"}
    form = FormRequest("http://127.0.0.1:9/s", formdata={"q": "教育"}, callback=spider.parse_link)
    assert request_dict(form, spider) == form.to_dict(spider=spider)
    assert request_dict(form, spider)["_class"] == "scrapy.http.request.form.FormRequest"
    plain = Request("http://127.0.0.1:9/b")
    assert request_dict(plain, spider) == plain.to_dict(spider=spider) and request_dict(plain, spider)["callback"] is None


def test_a_callback_the_spider_does_not_name_fails_as_in_scrapy():
    from spiders.redis_compat import request_dict

    spider, other = Aliased(), Aliased()
    aliased = Request("http://127.0.0.1:9/a", callback=spider.parse_again, errback=spider.failed)
    got = request_dict(aliased, spider)
    assert getattr(spider, got["callback"]).__func__ is Aliased.parse_page and got["errback"] == "failed"
    # a bound method of another object of the spider's class resolves on the spider, as in Scrapy
    assert request_dict(Request("http://127.0.0.1:9/a", callback=other.failed), spider)["callback"] == "failed"
    with pytest.raises(ValueError):     # not a method of the spider at all: Scrapy's own error
        request_dict(Request("http://127.0.0.1:9/a", callback=lambda r: None), spider)


def test_a_walk_ends_in_one_call_and_its_column_is_synced_once_every_article_is_done(r):
    from spiders.distributed import _FINISH, _SYNC
    from spiders.redis_compat import scripts

    keys = [Keys.walk("u", "col1", p) for p in ("state", "issued", "done")]
    arts = [f"http://127.0.0.1:9/art/{i}.html" for i in range(3)]
    assert scripts(r)(_SYNC, keys, [arts[0], 0]) == 0          # an article done before its walk ended
    r.script_load(_FINISH)
    r.config_resetstat()
    assert scripts(r)(_FINISH, keys, [1, *arts]) == 0           # two of three still to come
    assert r.info("commandstats")["cmdstat_evalsha"]["calls"] == 1
    assert r.smembers(keys[1]) == {a.encode() for a in arts}
    assert r.hgetall(keys[0]) == {b"finished": b"1", b"complete": b"1"}
    assert scripts(r)(_SYNC, keys, [arts[1], 0]) == 0
    assert scripts(r)(_SYNC, keys, [arts[2], 0]) == 1           # the last one marks it ...
    assert scripts(r)(_SYNC, keys, [arts[2], 0]) == 0           # ... once
    other = [Keys.walk("u", "col2", p) for p in ("state", "issued", "done")]
    assert scripts(r)(_FINISH, other, [1]) == 1                  # nothing issued: synced when it ends
    partial = [Keys.walk("u", "col3", p) for p in ("state", "issued", "done")]
    assert scripts(r)(_FINISH, partial, [0]) == 0 and r.hget(partial[0], "complete") == b"0"   # an incomplete walk: never


def test_a_worker_does_not_make_the_scrapy_records_no_handler_shows():
    import logging

    from spiders.distributed import _drop_unhandled_records

    scrapy_logger, saved = logging.getLogger("scrapy"), (logging.root.handlers[:], logging.getLogger("scrapy").level)
    shown = logging.StreamHandler()
    shown.setLevel(logging.WARNING)                  # as Scrapy installs it for --log-level WARNING
    logging.root.handlers[:] = [shown]
    try:
        _drop_unhandled_records()
        scraper = logging.getLogger("scrapy.core.scraper")
        assert not scraper.isEnabledFor(logging.DEBUG) and scraper.isEnabledFor(logging.WARNING)
        debug = logging.StreamHandler()
        debug.setLevel(logging.DEBUG)                # someone shows DEBUG (--log-level DEBUG): kept
        logging.root.handlers.append(debug)
        _drop_unhandled_records()
        assert scraper.isEnabledFor(logging.DEBUG)
    finally:
        logging.root.handlers[:] = saved[0]
        scrapy_logger.setLevel(saved[1])


def test_a_pop_sent_without_waiting_is_read_when_it_comes_and_before_any_other_call(r, redis_url):
    import asyncio

    from spiders.redis_compat import _POP, PopChannel

    w1 = _worker(r, redis_url, "w1")
    w1.persist = True                                        # close() keeps the shared queue (as workers do)
    for i in range(2):
        w1.enqueue_request(Request(f"http://127.0.0.1:9/{i}", priority=i))
    w1.flush()

    async def night():
        came = asyncio.Event()
        w1.channel = PopChannel(r, _POP)
        w1.channel.open(lambda: came.set() if w1.channel.answered() else None)
        assert w1.next_request() is None and w1.channel.pending is not None   # sent, not waited for
        await asyncio.wait_for(came.wait(), 5)
        first = w1.next_request()
        assert first.url == "http://127.0.0.1:9/1" and r.hlen(Keys.inflight("w1", "u")) == 1
        w1.crawler.engine = type("E", (), {"_slot": type("S", (), {"inprogress": {first}})()})()
        assert w1.next_request() is None                     # the second pop is on its way ...
        w1.enqueue_request(Request("http://127.0.0.1:9/x"))
        assert w1.flush() == [True]                          # ... and read before this call is made
        assert [q.url for q, *_ in w1.ready] == ["http://127.0.0.1:9/0"] and r.hlen(Keys.inflight("w1", "u")) == 2
        w1.close("shutdown")                                 # popped, never handed out: back on the queue
        assert w1.ready == [] and w1.channel.conn is None

    asyncio.run(night())
    queued = {w1.queue._decode_request(p).url for p in r.zrange(Keys.queue("u"), 0, -1)}
    assert queued == {"http://127.0.0.1:9/0", "http://127.0.0.1:9/x"}
    assert r.hlen(Keys.inflight("w1", "u")) == 1             # the one the engine has: still in flight
