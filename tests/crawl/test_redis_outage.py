"""A Redis outage during a distributed night, with real parts: a real redis-server with its append-only file
(as a deployment keeps its queue), stopped mid-crawl and started again on the same port; the replica's 8
bureau sub-sites; two `zwgk crawl --redis` workers and one `zwgk ingest --redis`.

Checked: a short outage (a restart) costs nothing — the night's stores equal an uninterrupted night's and
no URL is fetched twice (a worker that waited for Redis is not declared dead, so nothing it held in flight
is given to the other); a Redis that stays down ends a worker and the ingest with one line and exit 1.
"""
from __future__ import annotations

import collections
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_redis_crawl import (PER_HOST, _district, _documents, _night, _requests, _reset, _start,  # noqa: E402
                              clean, replica)

pytestmark = pytest.mark.timeout(400)
__all__ = ["clean", "replica"]      # the uninterrupted night and the replica, shared with test_redis_crawl

# the worker waits up to 4 s for Redis (half its 8 s heartbeat TTL: the default rule)
WORKERS = ["-s", "ZWGK_REDIS_HEARTBEAT_TTL=8", "--log-level", "INFO", "--json"]
OUTAGE = 4.0


class RedisServer:
    """A redis-server with an append-only file, stopped (SIGTERM: it writes the file out) and started again
    on the same port."""

    def __init__(self, tmp: Path):
        import socket

        self.dir = tmp
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}"
        self.proc = None

    def start(self) -> None:
        import redis

        exe = shutil.which("redis-server")
        self.proc = subprocess.Popen([exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "yes", "--dir", str(self.dir)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        r = redis.Redis(port=self.port)
        for _ in range(200):
            try:
                if r.ping():
                    return
            except redis.exceptions.RedisError:   # not listening yet, or loading its file
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(30)


@pytest.fixture
def aof_redis(tmp_path):
    if shutil.which("redis-server") is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server missing: `make test` installs it (scripts/install-test-deps.sh)")
        pytest.skip("redis-server not installed (scripts/install-test-deps.sh installs it as root)")
    server = RedisServer(tmp_path / "redis")
    server.dir.mkdir()
    server.start()
    yield server
    if server.proc.poll() is None:
        server.stop()


def _answered(urls) -> int:
    return sum(len(v["requests"]) for v in _requests(urls).values())


def test_a_redis_restart_mid_crawl_changes_nothing(clean, replica, aof_redis, tmp_path):
    tmp = tmp_path / "night"
    tmp.mkdir()
    config = _district(tmp, replica)
    _reset(replica)
    total = sum(len(v["requests"]) for v in clean["log"].values())
    ingest = _start(config, aof_redis.url, "ingest", "--redis", aof_redis.url, "--timeout", "300", "--json",
                    log=tmp / "ingest.log")
    workers = [_start(config, aof_redis.url, "crawl", "--redis", aof_redis.url, *WORKERS, log=tmp / f"w{i}.log")
               for i in (1, 2)]
    while _answered(replica) < total // 3:
        assert ingest.poll() is None, (tmp / "ingest.log").read_text()[-2000:]
        time.sleep(0.1)
    aof_redis.stop()                  # mid-crawl: every worker has requests in flight, the queue is full
    before = _answered(replica)
    time.sleep(1.5)                   # down for a moment, shorter than the workers wait (OUTAGE)
    aof_redis.start()
    out, _ = ingest.communicate(timeout=300)
    outs = [w.communicate(timeout=60)[0] for w in workers]
    logs = {p.name: p.read_text()[-3000:] for p in sorted(tmp.glob("*.log"))}
    assert ingest.returncode == 0 and [w.returncode for w in workers] == [0, 0], logs
    assert json.loads(out)["status"] == "ok"
    # Redis really went away mid-crawl, and the night went on after it came back
    assert total // 3 <= before < total
    log = _requests(replica)
    assert sum(len(v["requests"]) for v in log.values()) > before
    # the night's stores are the uninterrupted night's, document for document
    for key in replica:
        assert _documents(tmp, key) == _documents(clean["tmp"], key), key
    # nothing fetched twice: no worker waited long enough to look dead, so no request in flight was given
    # to another worker (robots.txt excepted: each worker reads it once per host)
    for key, v in log.items():
        seen = collections.Counter((r["method"], r["path"], r.get("body")) for r in v["requests"])
        twice = {k: n for k, n in seen.items() if n > 1 and k[1] != "/robots.txt"}
        assert not twice, (key, list(twice)[:5])
        assert seen[("GET", "/robots.txt", "")] <= 2
        assert v["max_in_flight"] <= PER_HOST
    # both workers worked the whole night: each finished every unit, none was declared dead
    for o in outs:
        units = json.loads(o)["units"]
        assert len(units) == len(replica)
        assert all(s["finish_reason"] == "finished" for s in units.values()), units
    assert "is gone" not in logs["ingest.log"]
    for name in ("w1.log", "w2.log"):     # each worker waited for Redis, and said so
        text = (tmp / name).read_text()
        assert "Redis unreachable" in text and "Redis back after" in text, logs[name]


ONE_LINE = re.compile(r"^zwgk: Redis: ConnectionError: unreachable for (\d+\.\d) s \(waits at most (\S+) s\)")


def test_a_redis_that_stays_down_ends_the_worker_and_the_ingest_with_one_line(replica, aof_redis, tmp_path):
    config = _district(tmp_path, replica)
    _reset(replica)
    ingest = _start(config, aof_redis.url, "ingest", "--redis", aof_redis.url, "--timeout", "300", "--json",
                    log=tmp_path / "ingest.log")
    worker = _start(config, aof_redis.url, "crawl", "--redis", aof_redis.url, *WORKERS, log=tmp_path / "w.log")
    while _answered(replica) < 50:
        assert worker.poll() is None, (tmp_path / "w.log").read_text()[-2000:]
        time.sleep(0.1)
    aof_redis.stop()
    # no hang: each ends on its own (the timeout here only turns a hang into a failure)
    worker.communicate(timeout=120)
    ingest.communicate(timeout=120)
    for proc, log, limit in ((worker, tmp_path / "w.log", OUTAGE), (ingest, tmp_path / "ingest.log", 5.0)):
        text = log.read_text()
        assert proc.returncode == 1, text[-2000:]
        last = text.strip().splitlines()[-1]
        got = ONE_LINE.match(last)
        assert got, text[-2000:]
        assert float(got.group(2)) == limit and float(got.group(1)) >= limit
        assert "Traceback" not in text, text[-3000:]
