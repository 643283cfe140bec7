"""Politeness across Redis workers (issue 15): at most ``crawl.concurrency_per_host`` downloads per host in
flight over all workers. A host's slots are leases in ``zwgk:slots:<host>`` (a sorted set of expiries);
the scheduler's pop leases one with the request (spiders/redis_compat.py), this middleware uses it, leases
for requests that did not come from the queue, and frees the lease when the answer or error comes back."""
from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from crawler.ingest import Keys

from .redis_compat import LEASE, SLOT, scripts
from .redisio import worker_connect


# lease a slot of a host (redis_compat.LEASE: expired leases and dead workers' dropped first)
_ACQUIRE = LEASE + "return lease(KEYS[1])\n"


class HostSlotMiddleware:
    """At most CONCURRENT_REQUESTS_PER_DOMAIN downloads per host over ALL workers: each download
    leases a slot in ``zwgk:slots:<host>`` (a sorted set of lease expiries) and frees it when its
    answer or error comes back. A killed worker's leases go when its heartbeat key expires (at the
    latest after the download timeout)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.server = worker_connect(crawler.settings)
        self.worker = crawler.settings.get("ZWGK_WORKER_ID")
        self.lease = crawler.settings.getfloat("DOWNLOAD_TIMEOUT", 30) + 15
        self.held: dict[int, tuple[str, str]] = {}
        self.n = 0

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @staticmethod
    def host(url: str) -> str:
        host = urlsplit(url).netloc.lower()
        return host[4:] if host.startswith("www.") else host

    async def process_request(self, request, spider=None):
        key = Keys.slots(self.host(request.url))
        leased = request.meta.get(SLOT)
        if leased and leased[0] == key:     # leased by the scheduler's pop (spiders/redis_compat.py)
            self.held[id(request)] = request.meta.pop(SLOT)
            return None
        if leased:                          # popped for another host (a redirect target): not this one
            self.server.zrem(*request.meta.pop(SLOT))
        borrowed = self._borrow(key)
        if borrowed:
            self.held[id(request)] = borrowed
            return None
        limit = max(1, self.crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 2))
        self.n += 1
        token = f"{self.worker}:m{self.n}"
        wait = 0.01
        while not scripts(self.server)(_ACQUIRE, [key], [limit, self.lease, token, Keys.worker("")]):
            self.crawler.stats.inc_value("zwgk/host_slot_waits")
            await asyncio.sleep(wait)
            wait = min(0.1, wait * 1.5)
        self.held[id(request)] = (key, token)
        return None

    def _borrow(self, key: str) -> tuple[str, str] | None:
        """A request made on the way to a download (robots.txt, asked for by a popped request that waits
        for it) takes over the lease of a popped request of this worker that has not reached the download
        yet (that one leases again when it gets here): otherwise requests holding every slot of a host
        would wait for a robots.txt that waits for a slot."""
        scheduler = getattr(self.crawler, "zwgk_scheduler", None)
        for request, _ in getattr(scheduler, "popped", ()):
            got = request.meta.get(SLOT)
            if got and got[0] == key:
                return request.meta.pop(SLOT)
        return None

    def _release(self, request) -> None:
        got = self.held.pop(id(request), None)
        if got:
            scheduler = getattr(self.crawler, "zwgk_scheduler", None)
            if scheduler is not None:
                scheduler.free(*got)     # with the scheduler's next Redis call (redis_compat.py)
            else:
                self.server.zrem(*got)

    def process_response(self, request, response, spider=None):
        self._release(request)
        return response

    def process_exception(self, request, exception, spider=None):
        self._release(request)
        return None
