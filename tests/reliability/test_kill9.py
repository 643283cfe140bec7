"""Nothing lost on a kill: `kill -9` of a crawl at random points, then crawls until one completes, gives
the same store as an uninterrupted crawl — documents, versions, search rows and link results.

The bureau's site is served through a front (tests/crawl/sitefront.py) that holds a few articles until the
kill: the crawl cannot finish before it, so the kill always lands in the article phase, at any count of
stored documents up to all but the held ones. (A kill point on the count alone can be jumped: the store
commits in batches, and on a loaded machine one batch can hold every document.)"""
from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import time

import pytest

from conftest import ZWGK_CMD, manifest_columns, run_zwgk, write_replica_config
from sitefront import SiteFront

pytestmark = pytest.mark.reliability

import replica  # noqa: E402 — crawl tests fail, never skip, without the replica
SCALE = 0.03
HELD = 3   # articles held by the front until the kill (the crawl's 8 requests per host leave 5 to go on)


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


def _kill_when(world, db, ready, held=(), timeout=120):
    """Start a crawl with the *held* article paths held by the front, kill -9 it (its whole process group)
    once ready(db) holds, then let the front answer them again. True when the crawl was still running."""
    env = {k: v for k, v in os.environ.items() if k not in ("ZWGK_DB", "ZWGK_CONFIG")}
    world["front"].hold(held)
    proc = subprocess.Popen(ZWGK_CMD + _crawl_args(world["cfg"], db), cwd=world["tmp"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
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
        world["front"].release()
    return killed


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("kill9")
    with replica.ReplicaServer(seed=3, scale=SCALE) as rep, SiteFront(rep.urls["bureau"]) as front:
        urls = {**rep.urls, "bureau": front.url}
        cfg = write_replica_config(tmp / "zwgk.yaml", urls, columns=manifest_columns(rep.manifest))
        ref = tmp / "reference.db"
        r = run_zwgk(_crawl_args(cfg, ref), cwd=tmp, timeout=300)
        assert r.returncode == 0, r.stderr[-3000:]
        articles = sorted(d["url"] for d in rep.manifest["documents"] if d["site"] == "bureau")
        assert {front.url + a for a in articles} == {row[0] for row in snapshot(ref)["documents"]}
        yield {"cfg": cfg, "tmp": tmp, "ref": snapshot(ref), "docs": len(articles), "articles": articles,
               "front": front}


def _resume_until_complete(world, db):
    for _ in range(3):
        r = run_zwgk(_crawl_args(world["cfg"], db), cwd=world["tmp"], timeout=300)
        if r.returncode == 0:
            return r
    raise AssertionError(r.stderr[-3000:])


@pytest.mark.parametrize("seed", [1, 2])
def test_kill_during_the_article_phase_loses_nothing(world, seed):
    n = world["docs"]
    rnd = random.Random(seed)
    held = rnd.sample(world["articles"], HELD)
    at = rnd.randint(max(1, n // 5), n - HELD)   # every document but the held ones is stored in time
    db = world["tmp"] / f"killed-{seed}.db"
    killed = _kill_when(world, db, lambda p: _count(p, "select count(*) from documents") >= at, held)
    assert killed, "the crawl finished before the kill point"
    assert at <= _count(db, "select count(*) from documents") <= n - HELD
    _resume_until_complete(world, db)
    got, want = snapshot(db), world["ref"]
    for table in ("documents", "versions", "search", "links"):
        assert got[table] == want[table], (table, set(got[table]) ^ set(want[table]))


def test_kill_with_link_checks_pending_loses_no_link(world):
    """Links found but not yet checked when the crawl dies are stored pending and checked by the next crawl."""
    db = world["tmp"] / "killed-links.db"
    # killed in the article phase (held articles keep it open, and links are checked after it), at the
    # first committed batch that holds pending links
    killed = _kill_when(world, db, lambda p: _count(p, "select count(*) from documents") > 0
                        and _count(p, "select count(*) from links where error = 'pending'") > 0,
                        random.Random(5).sample(world["articles"], HELD))
    assert killed
    _resume_until_complete(world, db)
    got, want = snapshot(db), world["ref"]
    assert _count(db, "select count(*) from links where error = 'pending'") == 0
    for table in ("documents", "search", "links"):
        assert got[table] == want[table], (table, set(got[table]) ^ set(want[table]))


def test_every_document_has_its_search_row_and_version_after_a_kill(world):
    db = world["tmp"] / "killed-3.db"
    killed = _kill_when(world, db, lambda p: _count(p, "select count(*) from documents") >= 3,
                        random.Random(3).sample(world["articles"], HELD))
    docs = {r[0] for r in _rows(db, "select url from documents")}
    assert killed and 3 <= len(docs) <= world["docs"] - HELD
    assert docs == {r[0] for r in _rows(db, "select url from documents_fts")}
    assert docs == {r[0] for r in _rows(db, "select url from versions")}


def _findings(db) -> list[tuple]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        run = conn.execute("select max(id) from runs where kind = 'check' and status = 'ok'").fetchone()[0]
        rows = conn.execute("select requirement, check_name, status, evidence from findings where run_id = ?",
                            [run]).fetchall()
    finally:
        conn.close()
    import json as _json
    return sorted((r, c, s, tuple(sorted(e.get("url") or "" for e in _json.loads(ev or "[]")))) for r, c, s, ev in rows)


def _night_config(world):
    """The crawl's configuration with the real unit list (the 2020 plan names them all)."""
    import yaml

    from zwgk.demo import PRODUCTION

    production = yaml.safe_load(PRODUCTION.read_text(encoding="utf-8"))
    units = yaml.safe_dump({"units": production["units"], "lead_unit": production["lead_unit"]},
                           allow_unicode=True, sort_keys=False)
    text = world["cfg"].read_text(encoding="utf-8")
    short = "units: [{name: 办公室}, {name: 计财科}, {name: 基础教育科}]"
    assert short in text
    path = world["tmp"] / "night.yaml"
    path.write_text(text.replace(short, units.strip()), encoding="utf-8")
    return path


def _night_args(world, db):
    return ["--config", str(world["night_cfg"]), "--db", str(db), "nightly", "--as-of", "2020-12-31",
            "--skip-mail", "--site", "bureau", "-q"]


def test_kill9_of_a_night_then_the_next_night_equals_an_uninterrupted_night(world):
    tmp = world["tmp"]
    world["night_cfg"] = _night_config(world)
    ref = tmp / "night-ref.db"
    r = run_zwgk(_night_args(world, ref), cwd=tmp, timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    db = tmp / "night-killed.db"
    env = {k: v for k, v in os.environ.items() if k not in ("ZWGK_DB", "ZWGK_CONFIG")}
    rnd = random.Random(7)
    world["front"].hold(rnd.sample(world["articles"], HELD))   # the night's crawl is killed in its article phase
    at = rnd.randint(max(1, world["docs"] // 4), world["docs"] - HELD)
    night = subprocess.Popen(ZWGK_CMD + _night_args(world, db), cwd=tmp, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and night.poll() is None \
                and _count(db, "select count(*) from documents") < at:
            time.sleep(0.05)
        assert night.poll() is None, "the night finished before the kill point"
        assert at <= _count(db, "select count(*) from documents") <= world["docs"] - HELD
        os.kill(night.pid, signal.SIGKILL)        # the night only: its crawl child must die with it
        night.wait()
    finally:
        if night.poll() is None:
            os.killpg(night.pid, signal.SIGKILL)
            night.wait()
        world["front"].release()
    r = run_zwgk(_night_args(world, db), cwd=tmp, timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    got, want = snapshot(db), snapshot(ref)
    for table in ("documents", "versions", "search", "links"):
        assert got[table] == want[table], (table, set(got[table]) ^ set(want[table]))
    assert _findings(db) == _findings(ref)
    assert _count(db, "select count(*) from runs where status = 'running'") == 0
