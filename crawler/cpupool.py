"""CPU-heavy work of a crawl (jieba segmentation, article extraction) in worker processes, off the reactor.

The reactor thread runs Scrapy for every request; pure-Python work on it (segmenting a new document,
extracting an article) stalls all downloads meanwhile, and threads do not help (the GIL). A small process
pool takes that work: ``submit(fn, *args)`` gives a Deferred fired on the reactor with the result.
``workers = 0`` runs everything in-process, as before: the default where the setting ZWGK_CPU_WORKERS is
absent; crawler/settings.py sets it for our crawls.

One pool per process, shared by the crawlers of a ``zwgk crawl``, created on first use and kept for the
process's life (tests run many crawls). Workers are spawned (not forked from a threaded reactor) and leave
when their parent goes, even on ``kill -9`` of the crawl.
"""
from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

logger = logging.getLogger(__name__)

_pools: dict[int, ProcessPoolExecutor] = {}
_lock = threading.Lock()


def _watch_parent(parent: int) -> None:
    import time

    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)   # the crawl is gone (killed): nothing left to work for


def _init_worker(parent: int) -> None:
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    from . import textseg

    textseg.segment("预热")   # the dictionary loads once per worker, before the first document


def pool(workers: int) -> ProcessPoolExecutor | None:
    """The process's pool of *workers* processes (None for 0: work in-process)."""
    if workers <= 0:
        return None
    with _lock:
        p = _pools.get(workers)
        if p is None:
            p = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                    initializer=_init_worker, initargs=(os.getpid(),))
            _pools[workers] = p
        return p


def _discard(workers: int, broken: ProcessPoolExecutor) -> None:
    with _lock:
        if _pools.get(workers) is broken:
            del _pools[workers]
    broken.shutdown(wait=False, cancel_futures=True)


@atexit.register
def _shutdown() -> None:
    for p in list(_pools.values()):
        p.shutdown(wait=True, cancel_futures=True)   # (reaped: their CPU counts as ours)
    _pools.clear()


class CpuPool:
    """``submit(fn, *args)`` → a Deferred with ``fn(*args)``, computed in a worker process (or here when
    the pool has no workers or is broken: a worker killed by the OOM killer must not lose a document)."""

    def __init__(self, workers: int = 0):
        self.workers = max(0, int(workers))

    @classmethod
    def from_settings(cls, settings) -> "CpuPool":
        return cls(settings.getint("ZWGK_CPU_WORKERS", 0))

    def submit(self, fn, *args):
        from twisted.internet import defer, reactor

        executor = pool(self.workers)
        if executor is None:
            return defer.maybeDeferred(fn, *args)
        try:
            future = executor.submit(fn, *args)
        except (BrokenProcessPool, RuntimeError):
            _discard(self.workers, executor)
            return defer.maybeDeferred(fn, *args)
        d = defer.Deferred()

        def done(f: Future) -> None:   # (a pool thread: hand over to the reactor)
            reactor.callFromThread(self._settle, d, f, fn, args, executor)

        future.add_done_callback(done)
        return d

    def _settle(self, d, future: Future, fn, args, executor) -> None:
        try:
            result = future.result()
        except BrokenProcessPool:
            logger.warning("a CPU worker died; %s runs in the crawl's process", getattr(fn, "__name__", fn))
            _discard(self.workers, executor)
            try:
                result = fn(*args)
            except Exception as e:  # noqa: BLE001 — the caller's errback handles it like a worker's error
                d.errback(e)
                return
        except Exception as e:  # noqa: BLE001
            d.errback(e)
            return
        d.callback(result)


def deferred_from(future: Future):
    """A Deferred fired on the reactor with a concurrent.futures *future*'s outcome (e.g. a thread's)."""
    from twisted.internet import defer, reactor

    d = defer.Deferred()

    def settle(f: Future) -> None:
        try:
            result = f.result()
        except Exception as e:  # noqa: BLE001
            d.errback(e)
        else:
            d.callback(result)

    future.add_done_callback(lambda f: reactor.callFromThread(settle, f))
    return d
