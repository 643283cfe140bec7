"""A Redis night of a bureau that lives under a path of a district portal (``http://host/jtj/``), with its
columns configured as `zwgk sites discover` prints them (``url: /col/colN/index.html``, relative to the
site): `zwgk crawl --redis` + `zwgk ingest --redis` store what a plain `zwgk crawl` of the same site stores
(documents, versions, search rows, columns, links), and no request left the sub-path.

The replica's ``subsite`` serves the bureau under /jtj/ and answers 404 on the unprefixed paths, as a real
portal does. A recording front on 127.0.0.1 (sitefront.py) sits before it, so the test reads every request
the site got.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from replica import ReplicaServer
from sitefront import SiteFront
from test_redis_crawl import _stored  # noqa: E402 — what a store holds for its readers, as compared there

ROOT = Path(__file__).resolve().parents[2]
ZWGK = [sys.executable, "-c", "from zwgk.cli import main; main()"]
PREFIX = "/jtj"
pytestmark = pytest.mark.timeout(400)


@pytest.fixture(scope="module")
def portal():
    with ReplicaServer(seed=1, scale=0.03, extra_sites=("subsite",)) as r:
        with SiteFront(r.extra_urls["subsite"]) as front:
            yield {"url": front.url, "front": front, "columns": r.manifest["sites"]["bureau"]["columns"],
                   "docs": [d for d in r.manifest["documents"] if d["site"] == "bureau"]}


def _config(tmp: Path, portal) -> Path:
    # the columns as `zwgk sites discover` prints a sub-site's stanza: relative to base_url, so "/col/…"
    # (resolved under the prefix by spiders.pagelinks.column_url; urljoin would put it at the host's root)
    cols = "".join(f"      - {{id: \"{c['id']}\", name: \"{c['name']}\", url: \"{c['url']}\"}}\n"
                   for c in portal["columns"])
    assert all(c["url"].startswith("/col/") for c in portal["columns"])
    path = tmp / "zwgk.yaml"
    path.write_text(
        "contact: zwgk-test@example.org\n"
        "bureau_aliases: [兖州区教育和体育局, 济宁市兖州区教育和体育局]\n"
        "paths: {data: var}\n"
        f"sites:\n  bureau:\n    name: 教体局\n    base_url: {portal['url']}{PREFIX}\n    platform: jcms\n"
        "    columns:\n" + cols +
        "units: [{name: 办公室}]\n"
        "crawl: {concurrency_per_host: 4, download_delay: 0, autothrottle: false, obey_robots: true}\n",
        encoding="utf-8")
    return path


def _env() -> dict:
    return {k: v for k, v in os.environ.items() if k not in ("ZWGK_DB", "ZWGK_CONFIG")}


@pytest.fixture(scope="module")
def nights(portal, redis_url, tmp_path_factory):
    """The same site crawled twice: by `zwgk crawl`, then by one `zwgk crawl --redis` worker and
    `zwgk ingest --redis`; each night's store and the requests the site got."""
    import redis

    front = portal["front"]
    plain_dir, redis_dir = tmp_path_factory.mktemp("plain"), tmp_path_factory.mktemp("redis")
    cfg = _config(plain_dir, portal)
    front.take()
    done = subprocess.run(ZWGK + ["--config", str(cfg), "--db", str(plain_dir / "zwgk.db"), "crawl", "--json",
                                  "--log-level", "warning"], cwd=plain_dir, env=_env(), capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    plain_requests = front.take()

    cfg = _config(redis_dir, portal)
    redis.Redis.from_url(redis_url).flushdb()
    args = ["--config", str(cfg), "--db", str(redis_dir / "zwgk.db")]
    ingest = subprocess.Popen(ZWGK + args + ["ingest", "--redis", redis_url, "--timeout", "300", "--json"],
                              cwd=redis_dir, env=_env(), stdout=subprocess.PIPE,
                              stderr=open(redis_dir / "ingest.log", "w"), text=True)
    worker = subprocess.Popen(ZWGK + args + ["crawl", "--redis", redis_url, "--json", "--log-level", "INFO"],
                              cwd=redis_dir, env=_env(), stdout=subprocess.PIPE,
                              stderr=open(redis_dir / "worker.log", "w"), text=True)
    try:
        out, _ = ingest.communicate(timeout=300)
        worker_out, _ = worker.communicate(timeout=120)
    finally:
        for p in (ingest, worker):
            if p.poll() is None:
                p.kill()
                p.wait()
    # asserted by the tests, so that a failed night still shows what it stored and asked for
    return {"plain": _stored(plain_dir / "zwgk.db"), "redis": _stored(redis_dir / "zwgk.db"),
            "plain_requests": plain_requests, "redis_requests": front.take(),
            "ingest": (ingest.returncode, out, (redis_dir / "ingest.log").read_text()[-3000:]),
            "worker": (worker.returncode, worker_out, (redis_dir / "worker.log").read_text()[-3000:])}


def test_the_redis_night_stores_every_document_under_the_prefix(nights, portal):
    (code, out, log), (wcode, wout, wlog) = nights["ingest"], nights["worker"]
    assert (code, json.loads(out)["status"]) == (0, "ok"), log
    assert wcode == 0, wlog
    units = json.loads(wout)["units"]
    assert len(units) == 1 and [s["finish_reason"] for s in units.values()] == ["finished"], units
    docs = [json.loads(r) for r in nights["redis"]["documents"]]
    want = sorted(portal["url"] + PREFIX + d["url"] for d in portal["docs"])
    assert len(want) > 100
    assert sorted(d["url"] for d in docs) == want
    cols = {c["column_id"]: c["state"] for c in map(json.loads, nights["redis"]["columns"])}
    assert cols == {c["id"]: ("normal" if c["count"] else "blank") for c in portal["columns"]}


@pytest.mark.parametrize("table", ["documents", "versions", "search", "columns", "links"])
def test_the_redis_night_of_a_subsite_is_the_plain_crawls(nights, table):
    plain, redis_night = nights["plain"][table], nights["redis"][table]
    assert plain, table
    assert plain == redis_night, (table, sorted(set(plain) ^ set(redis_night))[:4])


def test_no_request_left_the_subpath(nights):
    """Every request but robots.txt is under /jtj/, on both nights, and each was answered by the site
    (a path outside the prefix answers 404 here): the Redis night asked for exactly what one process asked for."""
    for night in ("plain_requests", "redis_requests"):
        requests = nights[night]
        assert len(requests) > 100, night
        outside = sorted({p for _, p in requests if not p.startswith(PREFIX + "/") and p != "/robots.txt"})
        assert not outside, (night, outside[:5])
    # what was asked, not how often: a retry after a timeout on a loaded machine is no difference
    plain, redis_night = set(nights["plain_requests"]), set(nights["redis_requests"])
    assert redis_night == plain, (sorted(plain - redis_night)[:5], sorted(redis_night - plain)[:5])
