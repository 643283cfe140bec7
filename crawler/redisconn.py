"""How every zwgk process connects to Redis (`zwgk crawl --redis`, `zwgk ingest --redis`): a short outage — a
restart, a failover, a network blip — costs nothing, a long one ends the process with one line.

Each connection retries a failed call with redis-py's own Retry and exponential backoff until Redis has been
unreachable for ``OUTAGE_SECONDS`` (counted from that connection's first failure; any success resets it),
then raises the last error. redis-py bounds retries by a count, and nests a reconnect's retries inside a
command's, so a count bounds nothing in seconds; here the one clock is shared by both loops.

Once one connection of a process has given up, every other call of that process fails at once (``gone``):
the process is ending, and a close path must not wait the whole bound again for each call it makes.
"""
from __future__ import annotations

import logging
import socket
import threading
import time

from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError, ResponseError, TimeoutError
from redis.retry import Retry

logger = logging.getLogger(__name__)

# Seconds a worker or the ingest waits for an unreachable Redis before it ends (exit 1, one line). A worker
# must come back before its heartbeat key expires (spiders/distributed.py HEARTBEAT_TTL, 10 s; the key was
# set at most a quarter of that before the outage), else its requests in flight are given to the others.
OUTAGE_SECONDS = 5.0
ERRORS = (ConnectionError, TimeoutError, socket.timeout)

_gone = threading.Event()     # a connection of this process gave up: the others fail at once
_gave_up: list = []           # callables told once, with the error (a worker stops its reactor)


class OutageRetry(Retry):
    """redis-py's Retry with its exponential backoff (50 ms doubling, at most 0.5 s between tries), bounded
    by seconds of outage rather than by a number of tries (see module doc)."""

    def __init__(self, seconds: float = OUTAGE_SECONDS):
        super().__init__(ExponentialBackoff(cap=0.5, base=0.05), retries=-1, supported_errors=ERRORS)
        self.seconds = float(seconds)
        self.down_since: float | None = None

    def call_with_retry(self, do, fail, is_retryable=None, with_failure_count=False):
        failures = 0
        while True:
            try:
                got = do()
            except self._supported_errors as error:
                if is_retryable and not is_retryable(error):
                    raise
                failures += 1
                fail(error, failures) if with_failure_count else fail(error)
                now = time.monotonic()
                if self.down_since is None:
                    self.down_since = now
                    _outage(True, error, self.seconds)
                if _gone.is_set() or now - self.down_since >= self.seconds:
                    raise give_up(error, now - self.down_since, self.seconds) from error
                time.sleep(min(self._backoff.compute(failures), max(0.0, self.down_since + self.seconds - now)))
            except ResponseError:    # Redis answered, with an error of the command (NOSCRIPT after a restart)
                self._back()
                raise
            else:
                self._back()
                return got

    def _back(self) -> None:
        if self.down_since is not None:
            self.down_since = None
            _outage(False)


_process_down = [None, 0]     # when this process's first failing connection began to wait; how many wait
_lock = threading.Lock()


def _outage(down: bool, error=None, seconds: float = 0.0) -> None:
    """One log line when the process begins to wait for Redis, one when the last waiting connection is back."""
    with _lock:
        if down:
            _process_down[1] += 1
            if _process_down[1] == 1:
                _process_down[0] = time.monotonic()
                logger.warning("Redis unreachable (%s): waiting up to %g s", error, seconds)
        else:
            _process_down[1] = max(0, _process_down[1] - 1)
            if _process_down[1] == 0 and _process_down[0] is not None:
                logger.warning("Redis back after %.1f s", time.monotonic() - _process_down[0])
                _process_down[0] = None


def give_up(error: Exception, waited: float, limit: float = OUTAGE_SECONDS) -> ConnectionError:
    """The error a call raises when it stops waiting (redis-py's ConnectionError: the commands print it as
    their one-line Redis error); the first one of a process tells the listeners."""
    if getattr(error, "gave_up", False):    # an inner retry loop (a reconnect) gave up already
        return error
    gone = ConnectionError(f"unreachable for {waited:.1f} s (waits at most {limit:g} s): {error}")
    gone.gave_up = True
    if not _gone.is_set():
        _gone.set()
        for listener in list(_gave_up):
            listener(gone)
    return gone


def gone() -> bool:
    """A connection of this process gave up on Redis (its callers are ending)."""
    return _gone.is_set()


def on_give_up(listener) -> None:
    """Call *listener(error)* (from whichever thread gave up) the first time a connection gives up."""
    _gave_up.append(listener)


def reset() -> None:
    """Forget an earlier give-up and its listeners (a new worker in the same process: tests)."""
    _gone.clear()
    _gave_up.clear()


class QuietAfterGivingUp:
    """A logging filter: once the process gave up on Redis, the errors that follow from it (every call
    failing at once while the process ends) are not logged — the command says it in one line."""

    def filter(self, record) -> bool:
        if not _gone.is_set() or not record.exc_info:
            return True
        error = record.exc_info[1]
        while error is not None:
            if isinstance(error, ERRORS):
                return False
            error = error.__cause__ or error.__context__
        return True


def client_options(seconds: float = OUTAGE_SECONDS) -> dict:
    """The redis-py client options of every zwgk connection (also Scrapy's REDIS_PARAMS for scrapy-redis)."""
    return {"retry": OutageRetry(seconds), "retry_on_error": list(ERRORS), "retry_on_timeout": False,
            # a silent network drop is noticed after this long, then waited for like a refused connection
            "socket_timeout": max(seconds, 5.0), "socket_connect_timeout": max(seconds, 1.0)}


def connect(url: str, seconds: float = OUTAGE_SECONDS):
    import redis

    return redis.Redis.from_url(url, **client_options(seconds))
