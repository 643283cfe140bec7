"""The one place where scrapy-redis 0.9.1 meets Scrapy ≥ 2.13. What it changes (README "Crawling on
Redis" says the same):

1. **Start requests pass the duplicate filter.** scrapy-redis builds its start requests with
   ``dont_filter=True`` and reads them through the old ``start_requests()``; a start URL also linked
   from a crawled page is then fetched twice. ``RedisStartMixin`` reads the start list in the async
   ``start()`` of Scrapy 2.13 and in ``spider_idle``, and hands the spider's requests to the scheduler
   unchanged except ``dont_filter=False``, so they enter the shared Redis duplicate filter like any
   other request.
2. **No deprecated ``spider=`` arguments.** scrapy-redis's scheduler passes ``spider=`` to the stats
   collector; ``Scheduler`` here calls the Scrapy 2.13 signatures. (It also asks the duplicate filter and
   pushes to the queue in one Lua call: same keys, same fingerprints, one round trip instead of two.)
3. **Seeds are not lost.** scrapy-redis takes a batch of start entries with LRANGE+LTRIM; a worker
   killed right after loses them. Here a seed moves atomically (LMOVE) into the worker's in-flight
   hash and leaves it only once its requests are on the shared queue.
4. **Idle workers look again soon.** Scrapy's engine polls an idle scheduler every 5 s; a worker whose
   queue was empty while another worker is still producing requests is nudged every
   ``ZWGK_REDIS_POLL`` seconds instead (the engine's private ``_slot.nextcall``: the only private
   Scrapy name used, and only here).

Requests popped from the shared queue are moved into an in-flight hash in the same Lua call and leave
it only when Scrapy has finished with them (response parsed, new requests queued, items pushed), so a
killed worker's requests go back to the queue (``crawler.ingest.recover_dead``).
"""
from __future__ import annotations

import json
import logging

from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler as _RedisScheduler

from crawler.ingest import SEED, Keys

logger = logging.getLogger(__name__)

# pop the best request and remember it as in flight, atomically
_POP = """
local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #r == 0 then return false end
redis.call('ZREM', KEYS[1], r[1])
redis.call('HSET', KEYS[2], r[1], r[2])
return r
"""


# take one seed off the start list and remember it as in flight, atomically
_TAKE_SEED = """
local d = redis.call('LPOP', KEYS[1])
if not d then return false end
redis.call('HSET', KEYS[2], ARGV[1], d)
return d
"""


# the duplicate filter and the queue in one round trip: push only what the filter had not seen
_ENQUEUE = """
if ARGV[1] ~= '' and redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
return 1
"""


class InflightPriorityQueue(PriorityQueue):
    """scrapy-redis's priority queue whose pop also records the request in the worker's in-flight hash."""

    inflight_key: str | None = None

    def pop_raw(self) -> tuple[bytes, object] | None:
        got = self.server.eval(_POP, 2, self.key, self.inflight_key)
        if not got:
            return None
        data = got[0]
        return data, self._decode_request(data)


class Scheduler(_RedisScheduler):
    """scrapy-redis's scheduler, Scrapy-2.13 style, with in-flight tracking (see module doc)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.crawler = None
        self.worker_id: str | None = None
        self.unit: str | None = None
        self.popped: list[tuple[object, bytes]] = []     # (request, payload) not yet finished
        self._poll = None

    @classmethod
    def from_crawler(cls, crawler):
        instance = cls.from_settings(crawler.settings)
        instance.stats = crawler.stats
        instance.crawler = crawler
        instance.worker_id = crawler.settings.get("ZWGK_WORKER_ID")
        instance.unit = crawler.settings.get("ZWGK_UNIT")
        return instance

    def open(self, spider):
        super().open(spider)
        self.queue.inflight_key = Keys.inflight(self.worker_id, self.unit)
        from twisted.internet import task
        self._poll = task.LoopingCall(self._tick)
        self._poll.start(self.crawler.settings.getfloat("ZWGK_REDIS_POLL", 0.25), now=False)

    def close(self, reason):
        if self._poll is not None and self._poll.running:
            self._poll.stop()
        self._release_finished(all_done=reason != "shutdown")
        super().close(reason)

    def enqueue_request(self, request):
        fp = "" if request.dont_filter else self.df.request_fingerprint(request)
        data = self.queue._encode_request(request)
        if not self.server.eval(_ENQUEUE, 2, self.queue.key, self.df.key, fp, -request.priority, data):
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self):
        self._release_finished()
        got = self.queue.pop_raw()
        if got is None:
            return None
        data, request = got
        self.popped.append((request, data))
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self):
        return len(self) > 0

    # --- in flight ---------------------------------------------------------------------------------
    def _inprogress(self) -> set | None:
        slot = getattr(self.crawler.engine, "_slot", None)
        return getattr(slot, "inprogress", None) if slot is not None else None

    def _release_finished(self, all_done: bool = False) -> None:
        """Drop from the in-flight hash the requests the engine is done with."""
        if not self.popped:
            return
        busy = set() if all_done else self._inprogress()
        if busy is None:
            return
        keep, done = [], []
        for request, data in self.popped:
            (keep if request in busy else done).append((request, data))
        if done:
            self.server.hdel(self.queue.inflight_key, *[d for _, d in done])
        self.popped = keep

    def _tick(self) -> None:
        self._release_finished()
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is not None and not slot.closing and not slot.inprogress and len(self.queue) > 0:
            slot.nextcall.schedule()


class RedisStartMixin:
    """Seeds from the Redis start list, through the duplicate filter, without losing one (module doc).

    The spider defines ``seed_requests(payload: dict) -> list[Request]`` and ``redis_server``,
    ``redis_key`` (the start list), ``worker_id``, ``unit_id``."""

    async def start(self):
        self.schedule_seeds()
        return
        yield  # an async generator that yields nothing: the seeds went to the scheduler directly

    def schedule_seeds(self) -> int:
        """Turn every waiting seed into requests on the shared queue; returns how many seeds."""
        r = self.redis_server
        inflight = Keys.inflight(self.worker_id, self.unit_id)
        n = 0
        while True:
            data = r.eval(_TAKE_SEED, 2, self.redis_key, inflight, SEED)   # recover_dead puts it back
            if not data:
                break
            for req in self.seed_requests(json.loads(data)):
                self.crawler.engine.crawl(req.replace(dont_filter=False))
            r.hdel(inflight, SEED)
            n += 1
        return n
