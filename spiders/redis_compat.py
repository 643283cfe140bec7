"""The one place where scrapy-redis 0.9.1 meets Scrapy ≥ 2.13. What it changes (README "Crawling on
Redis" says the same):

1. **Start requests pass the duplicate filter.** scrapy-redis builds its start requests with
   ``dont_filter=True`` and reads them through the old ``start_requests()``; a start URL also linked
   from a crawled page is then fetched twice. ``RedisStartMixin`` reads the start list in the async
   ``start()`` of Scrapy 2.13 and in ``spider_idle``, and hands the spider's requests to the scheduler
   unchanged except ``dont_filter=False``, so they enter the shared Redis duplicate filter like any
   other request.
2. **No deprecated ``spider=`` arguments.** scrapy-redis's scheduler passes ``spider=`` to the stats
   collector; ``Scheduler`` here calls the Scrapy 2.13 signatures. (It also holds the requests a page
   makes and sends them with its next pop: duplicate filter and queue push in that Lua call, same keys,
   same fingerprints; ``enqueue_request`` returns True and a duplicate is counted and logged when the
   pop answers.)
3. **Seeds are not lost.** scrapy-redis takes a batch of start entries with LRANGE+LTRIM; a worker
   killed right after loses them. Here a seed moves atomically (LMOVE) into the worker's in-flight
   hash and leaves it only once its requests are on the shared queue.
4. **Idle workers look again soon.** Scrapy's engine polls an idle scheduler every 5 s; a worker whose
   queue was empty while another worker is still producing requests is nudged every
   ``ZWGK_REDIS_POLL`` seconds instead, and an idle one runs its idle check (new seeds, the night's
   end) every poll (the engine's private ``_slot.nextcall``: the only private Scrapy name used,
   and only here).

Requests popped from the shared queue are moved into an in-flight hash in the same Lua call and leave
it only when Scrapy has finished with them (response parsed), in the same call that queues the requests
and pushes the items they produced, so a killed worker's requests go back to the queue
(``crawler.ingest.recover_dead``) and nothing they produced is lost. With a running reactor the pop does
not block it (spiders/redisio.py ``PopChannel``): its answer is read when it comes, and before any other
call of the scheduler, so Redis runs them in the order they were made.
"""
from __future__ import annotations

import json
import logging

from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler as _RedisScheduler

from crawler import redisconn
from crawler.ingest import SEED, Keys

from .walkstate import SYNCED
from .redisio import POP_AGAIN, PopChannel, quiet_after_giving_up, request_dict, scripts  # noqa: F401 — request_dict: tests; scripts: distributed, hostslots

logger = logging.getLogger(__name__)

# Lease a slot of a host (the sorted set *slots*): drop expired leases and leases of dead workers (their
# heartbeat key ARGV[4]..worker gone), then take one (token ARGV[3], for ARGV[2] seconds) if fewer than
# ARGV[1] are held. 1 leased, 0 busy. Shared by the pop below and spiders/hostslots.py.
LEASE = """
local function lease(slots)
  local t = redis.call('TIME')
  local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
  redis.call('ZREMRANGEBYSCORE', slots, '-inf', now)
  for _, token in ipairs(redis.call('ZRANGE', slots, 0, -1)) do
    local worker = string.match(token, '^(.*):m?[0-9]+$')
    if worker and redis.call('EXISTS', ARGV[4] .. worker) == 0 then redis.call('ZREM', slots, token) end
  end
  if redis.call('ZCARD', slots) >= tonumber(ARGV[1]) then return 0 end
  redis.call('ZADD', slots, now + tonumber(ARGV[2]), ARGV[3])
  return 1
end
"""

# One round trip per request taken: queue the requests the worker made since its last call (each through
# the duplicate filter, clearing its article claim: see below), push the items its finished requests
# produced, record its finished articles in their columns' walks (and push a column's synced mark when
# that was its last article: spiders/walkstate.py SYNCED), forget the finished requests
# (in-flight hash), free the host slots of finished downloads, then — when ARGV[8] is '1' — lease a
# slot of the unit's host (expired leases and leases of dead workers dropped first) and pop the best
# request into the worker's in-flight hash. A pop's answer is kept under its token (ARGV[3], KEYS[7]): the
# same pop sent again after a dropped connection (spiders/redisio.py) gets it back and changes nothing. What a request produced reaches Redis in the same step that
# forgets it: a worker killed at any point loses nothing and records nothing twice.
# ARGV: limit, lease, token, worker key prefix, n released, m freed, k queued, pop, s articles done; then
# the n released payloads, the m lease tokens, k x (fingerprint, score, payload, claim), s x (walk key
# prefix, article URL, failed 0/1, the synced item's JSON), the items.
# Returns {flags} (nothing popped: queue empty or no pop asked), {flags, 'busy'} (every slot of the host
# leased, by any worker) or {flags, payload, score}; flags: one '1' (queued) or '0' (a duplicate) per request.
_POP = LEASE + SYNCED + POP_AGAIN + """
local n, m, k, s = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[9])
local e0 = 10 + n + m
local s0 = e0 + 4 * k
local flags = {}
for i = e0, s0 - 1, 4 do
  if ARGV[i + 3] ~= '' then redis.call('HDEL', KEYS[6], ARGV[i + 3]) end
  if ARGV[i] ~= '' and redis.call('SADD', KEYS[5], ARGV[i]) == 0 then flags[#flags + 1] = '0'
  else
    redis.call('ZADD', KEYS[1], ARGV[i + 1], ARGV[i + 2])
    flags[#flags + 1] = '1'
  end
end
flags = table.concat(flags)
for i = s0 + 4 * s, #ARGV, 1000 do redis.call('RPUSH', KEYS[4], unpack(ARGV, i, math.min(i + 999, #ARGV))) end
for i = s0, s0 + 4 * s - 1, 4 do
  local walk = ARGV[i]
  redis.call('SADD', walk .. 'done', ARGV[i + 1])
  if ARGV[i + 2] == '1' then redis.call('HSET', walk .. 'state', 'article_failures', 1) end
  if synced(walk .. 'state', walk .. 'issued', walk .. 'done') == 1 then redis.call('RPUSH', KEYS[4], ARGV[i + 3]) end
end
for i = 10, 9 + n do redis.call('HDEL', KEYS[2], ARGV[i]) end
for i = 10 + n, 9 + n + m do redis.call('ZREM', KEYS[3], ARGV[i]) end
if ARGV[8] ~= '1' then return {flags} end
if redis.call('ZCARD', KEYS[1]) == 0 then return answer({flags}) end
if tonumber(ARGV[1]) > 0 and lease(KEYS[3]) == 0 then return answer({flags, 'busy'}) end
local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
redis.call('ZREM', KEYS[1], r[1])
redis.call('HSET', KEYS[2], r[1], r[2])
return answer({flags, r[1], r[2]})
"""


# take one seed off the start list and remember it as in flight, atomically
_TAKE_SEED = """
local d = redis.call('LPOP', KEYS[1])
if not d then return false end
redis.call('HSET', KEYS[2], ARGV[1], d)
return d
"""


# The queueing rule in _POP: a request is pushed only when the duplicate filter had not seen it; an
# article request also clears its claim (spiders/distributed.py) from the worker's pending claims in the
# same step, so a claim is either pending (released if the worker dies) or its request is queued

FLUSH_AFTER = 0.02       # seconds a request made waits for the next pop before it is sent on its own
SLOT = "zwgk_slot"      # request.meta: (slots key, lease token) leased when the request was popped
CLAIM = "zwgk_claim"    # request.meta: the article URL this request was claimed for


class InflightPriorityQueue(PriorityQueue):
    """scrapy-redis's priority queue whose pop also records the request in the worker's in-flight hash
    and leases a slot of the host (see _POP)."""

    inflight_key: str | None = None
    last_pop_key: str | None = None     # the last pop's token and answer (see _POP)

    def _encode_request(self, request):
        return self.serializer.dumps(request_dict(request, self.spider))

    def pop_call(self, slots_key: str = "", limit: int = 0, lease: float = 0, token: str = "",
                 released: list[bytes] = (), items: list[str] = (), freed: list[str] = (),
                 queued: list[tuple[str, float, bytes, str]] = (), pop: bool = True, dupefilter: str = "",
                 claims: str = "", done: list[tuple[str, str, int, str]] = ()) -> tuple[list, list]:
        """The keys and arguments of one _POP call."""
        fields = [f for q in queued for f in q] + [f for d in done for f in d]
        return ([self.key, self.inflight_key, slots_key or self.key + ":noslots", Keys.items,
                 dupefilter or self.key + ":nodupefilter", claims or self.key + ":noclaims",
                 self.last_pop_key or self.key + ":lastpop"],
                [limit, lease, token, Keys.worker(""), len(released), len(freed), len(queued), "1" if pop else "0",
                 len(done), *released, *freed, *fields, *items])

    def pop_answer(self, got) -> tuple[str, tuple[bytes, object, float] | int | None]:
        """(flags of the queued requests, popped (payload, request, score) | 0 busy | None)."""
        flags = got[0].decode() if isinstance(got[0], bytes) else str(got[0])
        if len(got) == 1:
            return flags, None
        if got[1] == b"busy":
            return flags, 0
        return flags, (got[1], self._decode_request(got[1]), float(got[2]))

    def pop_raw(self, *args, **kwargs) -> tuple[str, tuple[bytes, object, float] | int | None]:
        """One _POP call, waiting for its answer (see pop_call, pop_answer)."""
        keys, argv = self.pop_call(*args, **kwargs)
        return self.pop_answer(scripts(self.server)(_POP, keys, argv))


class Scheduler(_RedisScheduler):
    """scrapy-redis's scheduler, Scrapy-2.13 style, with in-flight tracking (see module doc)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.crawler = None
        self.worker_id: str | None = None
        self.unit: str | None = None
        self.popped: list[tuple[object, bytes]] = []     # (request, payload) not yet finished
        self._poll = None
        self.slots_key = ""          # the unit's host: every pop leases one of its slots
        self.limit = 0
        self.lease = 0.0
        self._n = 0
        self.freed: list[str] = []   # lease tokens of the unit's host whose downloads are done
        self._dry = False            # the last pop got nothing (see next_request)
        self._empty = False          # ... because the queue was empty (not: the host's slots were busy)
        self.outbox: list[tuple[object, tuple]] = []   # requests made, not yet sent (enqueue_request)
        self.articles_done: list[tuple[str, str, int, str]] = []   # article_done(), not yet sent
        self._flush_call = None
        self.channel: PopChannel | None = None    # pops sent without waiting (spiders/redisio.py); None: no reactor
        self.ready: list[tuple[object, bytes, float]] = []   # popped, not yet handed to the engine

    @classmethod
    def from_crawler(cls, crawler):
        instance = cls.from_settings(crawler.settings)
        instance.stats = crawler.stats
        instance.crawler = crawler
        crawler.zwgk_scheduler = instance     # HostSlotMiddleware borrows a popped request's lease from it
        instance.worker_id = crawler.settings.get("ZWGK_WORKER_ID")
        instance.unit = crawler.settings.get("ZWGK_UNIT")
        host = crawler.settings.get("ZWGK_HOST")
        if host:
            instance.slots_key = Keys.slots(host)
            instance.limit = max(1, crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 2))
            instance.lease = crawler.settings.getfloat("DOWNLOAD_TIMEOUT", 30) + 15
        return instance

    def open(self, spider):
        super().open(spider)
        self.queue.inflight_key = Keys.inflight(self.worker_id, self.unit)
        self.queue.last_pop_key = Keys.last_pop(self.worker_id, self.unit)
        from twisted.internet import task
        from twisted.internet import reactor

        if reactor.running:
            self.channel = PopChannel(self.server, _POP)
            self.channel.open(self._answered)
        self._poll = task.LoopingCall(self._tick)
        self._poll.start(self.crawler.settings.getfloat("ZWGK_REDIS_POLL", 0.25), now=False)

    def close(self, reason):
        if self._poll is not None and self._poll.running:
            self._poll.stop()
        if redisconn.gone():    # Redis stayed away: nothing can be given back (the dead-worker rule will)
            if self.channel is not None:
                self.channel.close()
            return super().close(reason)
        self._read_pop()
        if self.ready:    # popped, never handed to the engine: back on the queue, their slots freed
            pipe = self.server.pipeline(transaction=True)
            for request, data, score in self.ready:
                pipe.zadd(self.queue.key, {data: score})
                pipe.hdel(self.queue.inflight_key, data)
                if request.meta.get(SLOT):
                    pipe.zrem(*request.meta.pop(SLOT))
            pipe.execute()
            self.ready = []
        self._release_finished(all_done=reason != "shutdown")
        if self.channel is not None:
            self.channel.close()
        super().close(reason)

    def enqueue_request(self, request):
        """Held until this worker's next Redis call (the next pop, a tick, or FLUSH_AFTER seconds at most):
        one round trip for the requests of a whole page and the pop that follows. The parent request
        stays in the worker's in-flight hash until that call, so a worker killed meanwhile loses nothing
        (its parent is fetched again). A duplicate is known, counted and logged only then: like
        scrapy-redis's own filter, it is never fetched."""
        fp = "" if request.dont_filter else self.df.request_fingerprint(request)
        self.outbox.append((request, (fp, -request.priority, self.queue._encode_request(request),
                                      request.meta.get(CLAIM) or "")))
        self._dry = False
        if self._flush_call is None:
            from twisted.internet import reactor

            if reactor.running:
                self._flush_call = reactor.callLater(FLUSH_AFTER, self._flush_later)
        return True

    def _take_outbox(self) -> list:
        out, self.outbox = self.outbox, []
        if self._flush_call is not None:
            if self._flush_call.active():
                self._flush_call.cancel()
            self._flush_call = None
        return out

    def _queued(self, outbox: list, flags: str) -> list[bool]:
        """The duplicate filter's answers (flags) for the requests sent: counted and logged as Scrapy does."""
        out = []
        for (request, _), flag in zip(outbox, flags):
            out.append(flag == "1")
            if flag != "1":
                self.df.log(request, self.spider)
                if self.stats:   # Scrapy's own filter counts it so (scrapy-redis's does not)
                    self.stats.inc_value("dupefilter/filtered")
            elif self.stats:
                self.stats.inc_value("scheduler/enqueued/redis")
        return out

    def flush(self) -> list[bool]:
        """Send the held requests (with whatever else waits: finished requests, items, freed slots) now;
        for each, whether it went on the queue (False: the duplicate filter had seen it)."""
        self._flush_call = None
        return self._release_finished()

    _flush_later = quiet_after_giving_up(flush)     # the FLUSH_AFTER timer's

    def next_request(self):
        if redisconn.gone():
            return None
        if self.ready or (self.channel is not None and self.channel.pending is not None):
            if self.channel is not None and self.channel.answered():
                self._read_pop()
            return self._hand_out()
        released = self._finished()
        if self._dry and not (released or self.outbox or self.freed or self.articles_done or self._has_items()):
            # the last pop found the queue empty or the host busy, and this worker has nothing new to send:
            # no round trip (the engine asks after every event); the next tick looks again
            return None
        self._n += 1
        token = f"{self.worker_id}:{self._n}"
        outbox = self._take_outbox()
        keys, argv = self.queue.pop_call(self.slots_key, self.limit, self.lease, token, released, self._items(),
                                         self._take_freed(), [q for _, q in outbox], True, self.df.key,
                                         Keys.claims(self.worker_id, self.unit), self._take_done())
        if self.channel is not None:       # the answer is read when it comes (_answered)
            self.channel.send(keys, argv, (outbox, token))
            return None
        self._popped(self.queue.pop_answer(scripts(self.server)(_POP, keys, argv)), outbox, token)
        return self._hand_out()

    def _popped(self, answer, outbox: list, token: str) -> None:
        flags, got = answer
        self._queued(outbox, flags)
        self._dry, self._empty = not got, got is None
        if not got:
            if got == 0 and self.stats:
                self.stats.inc_value("zwgk/host_slot_waits")
            return
        data, request, score = got
        if self.limit:
            request.meta[SLOT] = (self.slots_key, token)
        self.ready.append((request, data, score))
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")

    def _hand_out(self):
        """A popped request to the engine: from now on the engine's, in flight until it is done with it."""
        if not self.ready:
            return None
        request, data, _ = self.ready.pop(0)
        self.popped.append((request, data))
        return request

    def _read_pop(self) -> None:
        """The pending pop's answer, waiting for it if need be (before any other call of this scheduler)."""
        if self.channel is not None and self.channel.pending is not None:
            got, (outbox, token) = self.channel.take()
            self._popped(self.queue.pop_answer(got), outbox, token)

    @quiet_after_giving_up
    def _answered(self) -> None:
        """The pending pop's answer came: a request popped goes to the engine now (a dry answer waits for
        the next poll or for something new to send, as in next_request)."""
        if self.channel is not None and self.channel.answered():
            self._read_pop()
            self._wake()

    def _wake(self) -> None:
        slot = getattr(self.crawler.engine, "_slot", None) if self.crawler.engine else None
        if self.ready and slot is not None and not slot.closing and slot.nextcall is not None:
            slot.nextcall.schedule()

    def has_pending_requests(self):
        # asked only when this crawler has nothing else to do: a pop on its way is waited for (a retry
        # after a dry answer would otherwise keep the idle check — new seeds, the night's end — away)
        if redisconn.gone():
            return bool(self.ready)
        if self.channel is not None and self.channel.pending is not None:
            self._read_pop()
            self._wake()
        if self.ready:
            return True
        if self._dry and self._empty:     # the last pop found the queue empty (the engine asks right after)
            return bool(self.outbox)
        return bool(self.outbox) or len(self) > 0

    def nudge(self) -> None:
        """Let the engine look at the queue and, when idle, run its idle check now."""
        slot = getattr(self.crawler.engine, "_slot", None) if self.crawler.engine else None
        if slot is not None and not slot.closing and slot.nextcall is not None:
            self._dry = False
            slot.nextcall.schedule()

    # --- in flight ---------------------------------------------------------------------------------
    def _inprogress(self) -> set | None:
        slot = getattr(self.crawler.engine, "_slot", None)
        return getattr(slot, "inprogress", None) if slot is not None else None

    def _finished(self, all_done: bool = False) -> list[bytes]:
        """The payloads of popped requests the engine is done with (no longer in progress): they leave
        the in-flight hash with the next pop. A lease such a request still holds (a download that never
        reached HostSlotMiddleware) is freed."""
        if not self.popped:
            return []
        busy = set() if all_done else self._inprogress()
        if busy is None:
            return []
        keep, done = [], []
        for request, data in self.popped:
            (keep if request in busy else done).append((request, data))
        self.popped = keep
        for request, _ in done:
            if request.meta.get(SLOT):
                self.free(*request.meta.pop(SLOT))
        return [data for _, data in done]

    def free(self, key: str, token: str) -> None:
        """A lease to give back: with the next pop or tick when it is of the unit's host (no round trip
        of its own; nudged so it does not wait long), else now."""
        if key == self.slots_key:
            self.freed.append(token)
            self._dry = False
            slot = getattr(self.crawler.engine, "_slot", None) if self.crawler.engine else None
            if getattr(slot, "nextcall", None) is not None:
                slot.nextcall.schedule()
        else:
            self.server.zrem(key, token)

    def _take_freed(self) -> list[str]:
        out, self.freed = self.freed, []
        return out

    def _has_items(self) -> bool:
        pipeline = getattr(self.crawler, "zwgk_items", None)
        return bool(pipeline is not None and pipeline.waiting)

    def _items(self) -> list[str]:
        """Items waiting in the worker's item pipeline (spiders/distributed.py RedisItemPipeline): pushed
        in the same call that releases their requests from the in-flight hash, never after it."""
        pipeline = getattr(self.crawler, "zwgk_items", None)
        return pipeline.take() if pipeline is not None else []

    def _release_finished(self, all_done: bool = False, items_alone: bool = True) -> list[bool]:
        """Everything waiting, in one _POP call without a pop; the duplicate filter's answers for the
        held requests. Not *items_alone*: items whose requests are still in progress wait for them
        (they go with their request's release at the latest)."""
        self._read_pop()
        done, freed, outbox, articles = self._finished(all_done), self._take_freed(), self._take_outbox(), self._take_done()
        if not (done or freed or outbox or articles or (items_alone and self._has_items())):
            return []
        items = self._items()
        flags, _ = self.queue.pop_raw(self.slots_key, self.limit, self.lease, "", done, items, freed,
                                      [q for _, q in outbox], False, self.df.key,
                                      Keys.claims(self.worker_id, self.unit), articles)
        return self._queued(outbox, flags)

    def article_done(self, walk_prefix: str, url: str, failed: bool, synced_item: str) -> None:
        """An article of a column's walk is done: recorded with this worker's next Redis call, the one that
        pushes its items and forgets its request; *synced_item* is pushed if that makes its column synced."""
        self.articles_done.append((walk_prefix, url, int(bool(failed)), synced_item))

    def _take_done(self) -> list[tuple[str, str, int, str]]:
        out, self.articles_done = self.articles_done, []
        return out

    @quiet_after_giving_up
    def _tick(self) -> None:
        self._release_finished(items_alone=False)
        dry, self._dry = self._dry, False      # a pop that found nothing: look again now
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is None or slot.closing:
            return
        # a pop that found nothing, or nothing in progress: the engine looks again (a pop, and when the
        # queue is empty its idle check — new seeds, the night's link phase or end — instead of its 5 s
        # heartbeat)
        if dry or not slot.inprogress:
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
            data = scripts(r)(_TAKE_SEED, [self.redis_key, inflight], [SEED])   # recover_dead puts it back
            if not data:
                break
            for req in self.seed_requests(json.loads(data)):
                self.crawler.engine.crawl(req.replace(dont_filter=False))
            scheduler = getattr(self.crawler, "zwgk_scheduler", None)
            if scheduler is not None:
                scheduler.flush()      # its requests on the queue before the seed leaves the in-flight hash
            r.hdel(inflight, SEED)
            n += 1
        return n
