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
