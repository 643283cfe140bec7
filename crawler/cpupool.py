"""CPU-heavy work of a crawl (jieba segmentation, article extraction) in worker processes, off the reactor.

The reactor thread runs Scrapy for every request; pure-Python work on it (segmenting a new document,
extracting an article) stalls all downloads meanwhile, and threads do not help (the GIL). Worker processes
(``python -m crawler.cpuworker``) take that work: ``CpuPool.submit(fn, *args)`` gives a Deferred fired on the
reactor with ``fn(*args)``. ``workers = 0`` runs everything in-process, as before: the default where the
setting ZWGK_CPU_WORKERS is absent; crawler/settings.py sets it for our crawls.

No threads: the workers' answers are read by the reactor's own event loop (concurrent.futures'
ProcessPoolExecutor hands every call to a manager thread, and the GIL hand-over to and from it cost the
reactor ~2 ms per call, more than the work saved). Each worker gets one call at a time; frames on its pipes
are an 8-byte length and a pickle. One set of workers per process and event loop, shared by the crawlers of a
``zwgk crawl``, started on first use and kept (tests run many crawls); a worker leaves when its stdin closes,
so also when the crawl is killed. A worker that dies takes no work with it: that call runs in-process.
"""
from __future__ import annotations

import atexit
import logging
import os
import pickle
import subprocess
import sys
from collections import deque
from pathlib import Path

from .cpuworker import WARM

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
HEADER = 8


class WorkerDied(Exception):
    pass


class _Worker:
    """One worker process; ``call(payload, done)`` sends a pickled call, ``done(ok, value)`` gets the answer."""

    def __init__(self, loop, warm: bool = False):
        env = dict(os.environ)
        env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        env[WARM] = "1" if warm else "0"
        self.loop = loop
        self.proc = subprocess.Popen([sys.executable, "-m", "crawler.cpuworker"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, env=env, cwd=str(ROOT))
        self.fd = self.proc.stdout.fileno()
        os.set_blocking(self.fd, False)
        self.out = self.proc.stdin.fileno()
        os.set_blocking(self.out, False)
        self.buf = bytearray()
        self.sending = memoryview(b"")
        self.done = None

    def call(self, payload: bytes, done) -> None:
        """Send without blocking: a page over the pipe's 64 KB would wait for the worker to be scheduled."""
        self.done = done
        self.loop.add_reader(self.fd, self._readable)
        self.sending = memoryview(len(payload).to_bytes(HEADER, "big") + payload)
        self._writable()
        if self.sending:
            self.loop.add_writer(self.out, self._writable)

    def _writable(self) -> None:
        try:
            sent = os.write(self.out, self.sending)
        except BlockingIOError:
            return
        except OSError:
            self.sending = memoryview(b"")
            self.loop.remove_writer(self.out)
            self._finish(False, WorkerDied("worker gone"))
            return
        self.sending = self.sending[sent:]
        if not self.sending:
            self.loop.remove_writer(self.out)

    def _readable(self) -> None:
        try:
            chunk = os.read(self.fd, 1 << 20)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:
            self._finish(False, WorkerDied(f"worker exited ({self.proc.poll()})"))
            return
        self.buf += chunk
        if len(self.buf) >= HEADER:
            size = int.from_bytes(self.buf[:HEADER], "big")
            if len(self.buf) >= HEADER + size:
                ok, value = pickle.loads(bytes(self.buf[HEADER:HEADER + size]))
                del self.buf[:HEADER + size]
                self._finish(ok, value)

    def _finish(self, ok: bool, value) -> None:
        self.loop.remove_reader(self.fd)
        if self.sending:   # (died with the call half sent)
            self.sending = memoryview(b"")
            self.loop.remove_writer(self.out)
        done, self.done = self.done, None
        if done is not None:
            done(ok, value)

    def close(self, wait: float = 5.0) -> None:
        try:
            self.loop.remove_reader(self.fd)
            self.loop.remove_writer(self.out)
        except Exception:  # noqa: BLE001 — the loop may be closed already
            pass
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=wait)   # reaped: its CPU counts as the crawl's (rusage of children)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class _Workers:
    def __init__(self, loop, size: int):
        self.loop, self.size = loop, size
        self.all: list[_Worker] = []
        self.idle: list[_Worker] = []
        self.queue: deque = deque()

    def submit(self, fn, args, d) -> None:
        self.queue.append((fn, args, d))
        self._dispatch()

    def start(self) -> None:
        """All workers started now (each loads jieba's dictionary before its first call) rather than on
        first use, when pages would wait for it. A worker started by a first call loads it only if asked to
        segment (a Redis worker's never is: the ingest indexes; 0.4 CPU s saved per worker)."""
        while len(self.all) < self.size:
            try:
                worker = _Worker(self.loop, warm=True)
            except OSError as e:
                logger.warning("no CPU worker (%s); working in the crawl's process", e)
                return
            self.all.append(worker)
            self.idle.append(worker)

    def _dispatch(self) -> None:
        while self.queue:
            if not self.idle:
                if len(self.all) >= self.size:
                    return
                try:
                    worker = _Worker(self.loop)
                except OSError as e:   # cannot start one (out of processes …): this call runs here
                    logger.warning("no CPU worker (%s); working in the crawl's process", e)
                    fn, args, d = self.queue.popleft()
                    _run_here(fn, args, d)
                    continue
                self.all.append(worker)
                self.idle.append(worker)
            fn, args, d = self.queue.popleft()
            try:
                payload = pickle.dumps((fn, args), protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:  # noqa: BLE001 — what does not pickle is computed here
                _run_here(fn, args, d)
                continue
            worker = self.idle.pop()
            worker.call(payload, lambda ok, value, w=worker, job=(fn, args, d): self._answered(w, job, ok, value))

    def _answered(self, worker: _Worker, job, ok: bool, value) -> None:
        fn, args, d = job
        if isinstance(value, WorkerDied):
            logger.warning("a CPU worker died (%s); %s runs in the crawl's process", value,
                           getattr(fn, "__name__", fn))
            self.all.remove(worker)
            worker.close(wait=1.0)
            _run_here(fn, args, d)
        else:
            self.idle.append(worker)
            if ok:
                d.callback(value)
            else:
                d.errback(value)
        self._dispatch()

    def close(self) -> None:
        for w in self.all:
            w.close()
        self.all, self.idle = [], []


def _run_here(fn, args, d) -> None:
    try:
        result = fn(*args)
    except Exception as e:  # noqa: BLE001 — the caller's errback handles it like a worker's error
        d.errback(e)
    else:
        d.callback(result)


_sets: dict[tuple[int, int], _Workers] = {}


def _event_loop():
    """The asyncio loop under the running Twisted reactor (Scrapy's default), or None."""
    if "twisted.internet.reactor" not in sys.modules:
        return None
    from twisted.internet import reactor

    return getattr(reactor, "_asyncioEventloop", None)


@atexit.register
def shutdown() -> None:
    for workers in list(_sets.values()):
        workers.close()
    _sets.clear()


class CpuPool:
    """``submit(fn, *args)`` → a Deferred with ``fn(*args)``, computed in a worker process (in-process when
    there are no workers or no asyncio reactor). *fn* must be importable by name (a module's function)."""

    def __init__(self, workers: int = 0):
        self.workers = max(0, int(workers))

    @classmethod
    def from_settings(cls, settings) -> "CpuPool":
        return cls(settings.getint("ZWGK_CPU_WORKERS", 0))

    def _workers(self) -> "_Workers | None":
        loop = _event_loop() if self.workers else None
        if loop is None:
            return None
        key = (id(loop), self.workers)
        if key not in _sets:
            _sets[key] = _Workers(loop, self.workers)
        return _sets[key]

    def start(self) -> None:
        """Start the workers ahead of the first call (nothing without workers or an asyncio reactor)."""
        workers = self._workers()
        if workers is not None:
            workers.start()

    def submit(self, fn, *args):
        from twisted.internet import defer

        d = defer.Deferred()
        workers = self._workers()
        if workers is None:
            _run_here(fn, args, d)
            return d
        workers.submit(fn, args, d)
        return d


def deferred_from(future):
    """A Deferred fired on the reactor with a concurrent.futures *future*'s outcome (e.g. a thread's)."""
    from twisted.internet import defer, reactor

    d = defer.Deferred()

    def settle(f) -> None:
        try:
            result = f.result()
        except Exception as e:  # noqa: BLE001
            d.errback(e)
        else:
            d.callback(result)

    future.add_done_callback(lambda f: reactor.callFromThread(settle, f))
    return d
