"""The crawl process's garbage collector, set for a long-running reactor.

After start-up a crawl process holds some hundred thousand objects of imported modules (Scrapy, Twisted,
lxml, the spiders) that live as long as the process. CPython's default collector (a young collection every
700 allocations, a full one now and then) walks them again and again: 3–4 % of a worker's CPU in a night
(bench/README.md, 15c). Freezing them after start-up takes them out of every later collection, and a larger
young generation collects the crawl's short-lived objects (requests, responses, items) less often. Every
cycle is still collected, a little later."""
from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000   # allocations between young collections (CPython's default: 700)


def settle_for_crawl() -> None:
    """Call once, after start-up and before the reactor runs."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
