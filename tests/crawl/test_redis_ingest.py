"""`zwgk ingest --redis` and the run rows of an ingest that was SIGKILLed (issue 15): on the next start
they are closed as failed, as the nightly closes a dead night's runs — or carried on, when the new ingest
joins the very night the dead one had opened. Real redis-server; no crawl needed."""
from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import redis as redislib

from crawler.bureaus import crawl_units, load_district
from crawler.ingest import Keys, ingest
from crawler.store import Store

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def r(redis_url):
    client = redislib.Redis.from_url(redis_url)
    client.flushdb()
    return client


def _config(tmp: Path) -> Path:
    path = tmp / "zwgk.yaml"
    path.write_text("contact: t@example.org\npaths: {data: var}\nsites:\n  bureau: {name: 局, base_url: "
                    "\"http://127.0.0.1:9\", platform: jcms}\nunits: [{name: 办公室}]\n", encoding="utf-8")
    return path


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def _rows(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("select id, status, stats from runs where kind = 'crawl' order by id").fetchall()
    finally:
        conn.close()


def _left_running(db: Path, pid: int) -> int:
    with Store(db) as store:
        return store.start_run("crawl", stats={"redis": True, "pid": pid, "host": socket.gethostname()})


def test_a_dead_ingests_run_is_closed_on_the_next_start(r, tmp_path):
    district = load_district(_config(tmp_path))
    db = tmp_path / "zwgk.db"
    dead = _left_running(db, _dead_pid())
    alive = _left_running(db, subprocess.os.getpid())          # a live ingest's row is left alone
    result = ingest(r, district, crawl_units(district), {k: db for k in district.bureaus}, follow=False)
    rows = {i: (status, json.loads(stats)) for i, status, stats in _rows(db)}
    assert rows[dead][0] == "failed" and rows[dead][1]["closed"] == "its ingest died"
    assert rows[alive][0] == "running"
    assert [s for i, (s, _) in rows.items() if i not in (dead, alive)] == ["ok"]
    assert any(f"#{dead}" in p and "ingest that died" in p for p in result.problems), result.problems
    with Store(db) as store:   # the configuration copy reading commands use with --db alone (m6)
        assert store.db.execute("select name from config_units").fetchall() == [("办公室",)]


def test_an_ingest_joining_the_dead_ones_night_carries_its_run_on(r, tmp_path):
    district = load_district(_config(tmp_path))
    db = tmp_path / "zwgk.db"
    key = next(iter(district.bureaus))
    mine = _left_running(db, _dead_pid())
    # the night the killed ingest had opened is still running on Redis (nothing left to crawl)
    r.hset(Keys.night, mapping={"state": "running", "id": "1", "runs": json.dumps({key: mine})})
    result = ingest(r, district, crawl_units(district), {key: db}, settle_seconds=0.2, max_seconds=30)
    assert result.status == "ok" and result.runs == {key: mine}
    assert [(i, s) for i, s, _ in _rows(db)] == [(mine, "ok")]        # one run row for the night, finished
    assert r.hget(Keys.night, "state") == b"done"


def _item(unit: str, item_kind: str, **fields) -> str:
    return json.dumps({"unit": unit, "kind": item_kind, "item": {"site": "bureau", **fields}}, ensure_ascii=False)


def _doc(unit: str, n: int) -> str:
    return _item(unit, "DocumentItem", url=f"http://127.0.0.1:9/art/{n}.html", column_id="1", title=f"财政预算公开{n}",
                 published="2020-03-01", body=f"第{n}号文件：部门预算和三公经费。", attachments=[])


def test_a_batch_a_killed_ingest_left_half_written_is_written_once_with_the_new_items(r, tmp_path):
    """The "being written" list a killed ingest left (its transaction never committed) is taken again,
    topped up with the items that came since: every document stored once, both lists empty."""
    district = load_district(_config(tmp_path))
    unit = crawl_units(district)[0].id
    db = tmp_path / "zwgk.db"
    r.rpush(Keys.ingesting, *[_doc(unit, n) for n in range(3)])
    r.rpush(Keys.items, *[_doc(unit, n) for n in range(3, 8)])
    result = ingest(r, district, crawl_units(district), {k: db for k in district.bureaus}, follow=False)
    assert result.items == 8 and result.per_store[next(iter(district.bureaus))]["bureau"] == {"new": 8}
    assert r.llen(Keys.items) == 0 and r.llen(Keys.ingesting) == 0
    conn = sqlite3.connect(db)
    assert conn.execute("select count(*), count(distinct url) from documents").fetchone() == (8, 8)
    assert conn.execute("select count(*) from documents_fts where documents_fts match '三公'").fetchone() == (8,)
    # the same items again (a kill after the commit, before the list was dropped): nothing new
    r.rpush(Keys.items, *[_doc(unit, n) for n in range(8)])
    again = ingest(r, district, crawl_units(district), {k: db for k in district.bureaus}, follow=False)
    assert again.per_store[next(iter(district.bureaus))]["bureau"] == {"unchanged": 8}
    assert conn.execute("select count(*), max(version) from documents").fetchone() == (8, 1)
    conn.close()


class _AnswersLost:
    """The Redis client, but every take that drops a written batch runs twice, as redis-py's retry sends it
    again when Redis ran it and closed the connection before answering (a restart)."""

    def __init__(self, client):
        self.client, self.replayed = client, 0

    def __getattr__(self, name):
        return getattr(self.client, name)

    def eval(self, script, numkeys, *args):
        from crawler.ingest import _TAKE

        answer = self.client.eval(script, numkeys, *args)
        if script == _TAKE and args[numkeys + 1] not in ("", 0, b""):
            self.replayed += 1
            answer = self.client.eval(script, numkeys, *args)
        return answer


def test_a_take_sent_again_after_its_answer_was_lost_drops_no_batch_unwritten(r, tmp_path):
    """2,500 items, batches of 1,000: the take that drops batch 1 and takes batch 2 runs twice (the first
    answer lost); the second run must give batch 2 again, not drop it unwritten and take batch 3."""
    district = load_district(_config(tmp_path))
    unit = crawl_units(district)[0].id
    db = tmp_path / "zwgk.db"
    r.rpush(Keys.items, *[_doc(unit, n) for n in range(2500)])
    lossy = _AnswersLost(r)
    result = ingest(lossy, district, crawl_units(district), {k: db for k in district.bureaus}, follow=False)
    assert lossy.replayed == 3      # the take after each written batch ran twice
    assert result.per_store[next(iter(district.bureaus))]["bureau"] == {"new": 2500}
    conn = sqlite3.connect(db)
    assert conn.execute("select count(*), count(distinct url) from documents").fetchone() == (2500, 2500)
    conn.close()
    assert r.llen(Keys.items) == 0


def test_links_are_written_in_the_order_they_came_around_a_check_answer(r, tmp_path):
    """A page's links go to the store together, but never past an item that came after them: a link found
    pending, then its check's answer (a LinkItem without from_url), then a link of a page found later."""
    district = load_district(_config(tmp_path))
    unit = crawl_units(district)[0].id
    db = tmp_path / "zwgk.db"
    base = "http://127.0.0.1:9"
    r.hset(Keys.night, "since", "2020-01-01T00:00:00")
    r.rpush(Keys.items,
            _item(unit, "LinkItem", from_url=f"{base}/a.html", to_url=f"{base}/gone.pdf", status=None, error="pending",
                  kind="attachment"),
            _item(unit, "LinkItem", from_url=f"{base}/a.html", to_url=f"{base}/b.html", status=200, error=None,
                  kind="internal"),
            _item(unit, "LinkItem", from_url=None, to_url=f"{base}/gone.pdf", status=404, error=None),
            _item(unit, "LinkItem", from_url=f"{base}/c.html", to_url=f"{base}/gone.pdf", status=None,
                  error="pending", kind="attachment"))
    result = ingest(r, district, crawl_units(district), {k: db for k in district.bureaus}, follow=False)
    conn = sqlite3.connect(db)
    links = dict(((f, t), (s, e)) for f, t, s, e in conn.execute("select from_url, to_url, status, error from links"))
    conn.close()
    assert links == {(f"{base}/a.html", f"{base}/gone.pdf"): (404, None), (f"{base}/a.html", f"{base}/b.html"): (200, None),
                     (f"{base}/c.html", f"{base}/gone.pdf"): (None, "pending")}
    assert result.per_store[next(iter(district.bureaus))]["bureau"] == {"links": 2}


def test_the_nights_end_counts_queued_seeded_in_flight_requests_and_unwritten_items(r):
    from crawler.ingest import _pending, pending_work

    r.zadd(Keys.queue("u1"), {"req-a": 1, "req-b": 2})
    r.rpush(Keys.start("u2"), "seed")
    r.hset(Keys.inflight("w1", "u1"), mapping={"req-c": 1, "req-d": 1, "req-e": 1})
    r.hset(Keys.inflight("w2", "u2"), "req-f", 1)
    r.rpush(Keys.items, "{}", "{}")
    assert _pending(r, ["u1", "u2"]) == (7, 2)
    assert pending_work(r, ["u1"]) == 6         # u2's seed is not u1's; every worker's in-flight request counts
    r.delete(Keys.queue("u1"), Keys.start("u2"), Keys.inflight("w1", "u1"), Keys.inflight("w2", "u2"), Keys.items)
    assert _pending(r, ["u1", "u2"]) == (0, 0)


def test_the_ingest_process_does_not_load_scrapy():
    """`zwgk ingest` writes what the workers crawled: the crawl engine is not loaded in its process."""
    code = "import sys; from zwgk.cli import main; import zwgk.cmd_redis; print('scrapy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr[-2000:]
