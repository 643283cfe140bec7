"""Nothing lost on a kill: `kill -9` of a crawl at random points, then crawls until one completes, gives
the same store as an uninterrupted crawl — documents, versions, search rows and link results."""
from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import time

import pytest

from conftest import ZWGK_CMD, manifest_columns, run_zwgk, write_replica_config

pytestmark = pytest.mark.reliability

replica = pytest.importorskip("crawler.replica")
SCALE = 0.03


def _rows(db, sql):
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return sorted(tuple(r) for r in conn.execute(sql))
    finally:
        conn.close()


def snapshot(db) -> dict:
    return {
        "documents": _rows(db, "select url, site, column_id, title, published, body, attachments, content_hash, "
                               "state, version from documents"),
        "versions": _rows(db, "select url, version, title, published, body, content_hash from versions"),
        "search": _rows(db, "select url, title, body, attachments from documents_fts"),
        "links": _rows(db, "select from_url, to_url, status, kind from links"),
    }


def _count(db, sql) -> int:
    try:
        return _rows(db, sql)[0][0]
    except (sqlite3.Error, IndexError):
        return 0


def _crawl_args(cfg, db):
    return ["--config", str(cfg), "--db", str(db), "crawl", "--json", "--site", "bureau"]


def _kill_when(cfg, db, tmp, ready, timeout=120):
    """Start a crawl, kill -9 it (its whole process group) once ready(db) holds."""
    env = {k: v for k, v in os.environ.items() if k not in ("ZWGK_DB", "ZWGK_CONFIG")}
    proc = subprocess.Popen(ZWGK_CMD + _crawl_args(cfg, db), cwd=tmp, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if ready(db):
                break
            time.sleep(0.05)
        killed = proc.poll() is None
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    return killed


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("kill9")
    with replica.ReplicaServer(seed=3, scale=SCALE) as rep:
        cfg = write_replica_config(tmp / "zwgk.yaml", dict(rep.urls), columns=manifest_columns(rep.manifest))
        ref = tmp / "reference.db"
        r = run_zwgk(_crawl_args(cfg, ref), cwd=tmp, timeout=300)
        assert r.returncode == 0, r.stderr[-3000:]
        yield {"cfg": cfg, "tmp": tmp, "ref": snapshot(ref), "docs": len(snapshot(ref)["documents"])}


def _resume_until_complete(world, db):
    for _ in range(3):
        r = run_zwgk(_crawl_args(world["cfg"], db), cwd=world["tmp"], timeout=300)
        if r.returncode == 0:
            return r
    raise AssertionError(r.stderr[-3000:])


@pytest.mark.parametrize("seed", [1, 2])
def test_kill_during_the_article_phase_loses_nothing(world, seed):
    n = world["docs"]
    at = random.Random(seed).randint(max(1, n // 5), max(2, n * 4 // 5))
    db = world["tmp"] / f"killed-{seed}.db"
    killed = _kill_when(world["cfg"], db, world["tmp"], lambda p: _count(p, "select count(*) from documents") >= at)
    assert killed, "the crawl finished before the kill point"
    assert _count(db, "select count(*) from documents") < n
    _resume_until_complete(world, db)
    got, want = snapshot(db), world["ref"]
    for table in ("documents", "versions", "search", "links"):
        assert got[table] == want[table], (table, set(got[table]) ^ set(want[table]))


def test_kill_during_the_link_checks_loses_no_link(world):
    n = world["docs"]
    db = world["tmp"] / "killed-links.db"
    killed = _kill_when(world["cfg"], db, world["tmp"],
                        lambda p: _count(p, "select count(*) from documents") >= n
                        and _count(p, "select count(*) from links where error = 'pending'") > 0)
    assert killed
    _resume_until_complete(world, db)
    got, want = snapshot(db), world["ref"]
    assert _count(db, "select count(*) from links where error = 'pending'") == 0
    for table in ("documents", "search", "links"):
        assert got[table] == want[table], (table, set(got[table]) ^ set(want[table]))


def test_every_document_has_its_search_row_and_version_after_a_kill(world):
    db = world["tmp"] / "killed-3.db"
    _kill_when(world["cfg"], db, world["tmp"], lambda p: _count(p, "select count(*) from documents") >= 3)
    docs = {r[0] for r in _rows(db, "select url from documents")}
    assert docs
    assert docs == {r[0] for r in _rows(db, "select url from documents_fts")}
    assert docs == {r[0] for r in _rows(db, "select url from versions")}
