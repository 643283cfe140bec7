"""A worker's Redis calls across a dropped connection, against a real Redis: the pop's own connection
(spiders/redisio.py PopChannel) reconnects and sends its pop again without popping twice; a claim sent again
claims the same articles; a client waits out a short outage and gives up, once, on a long one
(crawler/redisconn.py)."""
from __future__ import annotations

import socket

import pytest
import redis as redislib
from scrapy import Request

from crawler import redisconn
from crawler.ingest import Keys


@pytest.fixture
def r(redis_url):
    client = redislib.Redis.from_url(redis_url)
    client.flushdb()
    return client


@pytest.fixture
def worker(r, redis_url):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from test_redis_compat import _worker

    w1 = _worker(r, redis_url, "w1")
    w1.queue.last_pop_key = Keys.last_pop("w1", "u")
    w1.persist = True
    for i in range(3):
        w1.enqueue_request(Request(f"http://127.0.0.1:9/{i}", priority=i))
    w1.flush()
    return w1


def _queued(r, w1) -> set[str]:
    return {w1.queue._decode_request(p).url for p in r.zrange(Keys.queue("u"), 0, -1)}


def test_a_pop_whose_answer_was_lost_is_sent_again_and_pops_nothing_more(r, worker):
    import asyncio

    from spiders.redis_compat import _POP, PopChannel

    async def night():
        worker.channel = PopChannel(worker.server, _POP)
        worker.channel.open(lambda: None)
        assert worker.next_request() is None                     # the pop is sent ...
        for _ in range(100):
            if r.hlen(Keys.inflight("w1", "u")):
                break
            await asyncio.sleep(0.01)
        assert r.hlen(Keys.inflight("w1", "u")) == 1             # ... and Redis ran it
        worker.channel._drop()                                   # its answer lost with the connection
        first = worker.next_request()                            # read: sent again on a new connection
        assert first.url == "http://127.0.0.1:9/2"
        # Redis gave the answer it had given: nothing else was popped, nothing is in flight unknown
        assert r.hlen(Keys.inflight("w1", "u")) == 1
        assert _queued(r, worker) == {"http://127.0.0.1:9/0", "http://127.0.0.1:9/1"}
        worker.crawler.engine = type("E", (), {"_slot": type("S", (), {"inprogress": {first}})()})()
        assert worker.next_request() is None
        worker._read_pop()
        assert worker._hand_out().url == "http://127.0.0.1:9/1"  # the next pop is a new one
        assert r.hlen(Keys.inflight("w1", "u")) == 2
        worker.channel.close()

    asyncio.run(night())


def test_a_pop_whose_connection_the_server_closed_is_sent_again(r, worker):
    import asyncio

    from spiders.redis_compat import _POP, PopChannel

    async def night():
        worker.channel = PopChannel(worker.server, _POP)
        worker.channel.open(lambda: None)
        r.client_kill_filter(_type="normal", skipme=True)       # every other client: as a Redis restart does
        assert worker.next_request() is None
        worker._read_pop()
        assert worker._hand_out().url == "http://127.0.0.1:9/2"
        assert r.hlen(Keys.inflight("w1", "u")) == 1 and len(_queued(r, worker)) == 2
        worker.channel.close()

    asyncio.run(night())


def test_the_same_pop_twice_gets_the_same_answer_and_pushes_its_items_once(r, worker):
    from spiders.redis_compat import _POP

    keys, argv = worker.queue.pop_call(token="w1:7", items=['{"kind": "x"}'])
    first = r.eval(_POP, len(keys), *keys, *argv)
    again = r.eval(_POP, len(keys), *keys, *argv)
    assert again == first and worker.queue._decode_request(first[1]).url == "http://127.0.0.1:9/2"
    assert r.hlen(Keys.inflight("w1", "u")) == 1 and r.llen(Keys.items) == 1
    keys, argv = worker.queue.pop_call(token="w1:8")
    assert worker.queue._decode_request(r.eval(_POP, len(keys), *keys, *argv)[1]).url == "http://127.0.0.1:9/1"


def test_a_claim_sent_again_claims_the_same_articles(r):
    from spiders.walkstate import _CLAIM

    keys = [Keys.articles("u"), Keys.claims("w1", "u")]
    assert r.eval(_CLAIM, 2, *keys, "col1", "a", "b") == [1, 1]
    assert r.eval(_CLAIM, 2, *keys, "col1", "a", "b") == [1, 1]      # its answer lost: the same answer
    r.hdel(Keys.claims("w1", "u"), "a")                              # a's request reached the queue
    assert r.eval(_CLAIM, 2, *keys, "col1", "a", "b") == [2, 1]      # a re-fetched list page: already queued
    assert r.eval(_CLAIM, 2, Keys.articles("u"), Keys.claims("w2", "u"), "col1", "b") == [2]
    assert r.eval(_CLAIM, 2, *keys, "col2", "a") == [0]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_client_gives_up_once_redis_stayed_away_longer_than_its_limit_and_every_call_then_fails_at_once():
    told = []
    redisconn.reset()
    redisconn.on_give_up(told.append)
    try:
        client = redisconn.connect(f"redis://127.0.0.1:{_closed_port()}", 0.3)
        with pytest.raises(redislib.ConnectionError, match=r"^unreachable for 0\.3 s \(waits at most 0\.3 s\): "
                                                           r"Error 111 connecting"):
            client.ping()
        assert redisconn.gone() and len(told) == 1
        other = redisconn.connect(f"redis://127.0.0.1:{_closed_port()}", 60)
        with pytest.raises(redislib.ConnectionError, match=r"^unreachable for 0\.0 s"):
            other.ping()                                  # no second wait of 60 s
        assert len(told) == 1
    finally:
        redisconn.reset()


def test_a_connection_redis_answered_with_an_error_is_waiting_no_more():
    # after a restart the first EVALSHA is answered NOSCRIPT: Redis is back, and the next failure, hours
    # later, waits its whole bound again instead of giving up at once
    retry = redisconn.OutageRetry(60)
    errors = iter([redislib.ConnectionError("refused"), redislib.exceptions.NoScriptError("NOSCRIPT")])

    def call():
        raise next(errors)

    with pytest.raises(redislib.exceptions.NoScriptError):
        retry.call_with_retry(call, lambda error: None)
    assert retry.down_since is None and not redisconn.gone()


def test_a_refused_reconnect_inside_a_call_does_not_restart_its_clock():
    # redis-py reconnects inside a command's retry loop, with the same retry object; a refused socket there
    # (an OSError, converted by redis-py afterwards) must not count as Redis having answered
    retry = redisconn.OutageRetry(0.2)
    redisconn.reset()

    def connect():
        raise ConnectionRefusedError(111, "Connection refused")

    def command():
        try:
            retry.call_with_retry(connect, lambda error: None)
        except OSError as e:
            raise redislib.ConnectionError(str(e)) from e

    try:
        with pytest.raises(redislib.ConnectionError, match=r"^unreachable for 0\.2 s"):
            retry.call_with_retry(command, lambda error: None)
    finally:
        redisconn.reset()
