"""Incremental nights on the bureau's JCMS replica, crawled over HTTP in child processes.

1. A first crawl is killed with SIGKILL half-way; the next run resumes: every document exactly once.
2. A night with no change walks each list only until a page of known items and fetches no article.
3. Night 1 (4 items added, 3 edited, 1 withdrawn: 404 and gone from its list): found without any
   re-check due — the withdrawn notice because its list's claimed total no longer adds up — and the
   edits once their re-check turn comes, by conditional requests.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from conftest import ZWGK_CMD, db_rows, manifest_columns, run_zwgk, write_replica_config

from replica import ReplicaServer

pytestmark = pytest.mark.slow
SCALE = 0.1


def _crawl(cfg: Path, db: Path, *settings: str) -> dict:
    args = ["--config", str(cfg), "--db", str(db), "crawl", "--site", "bureau", "--json"]
    for s in settings:
        args += ["-s", s]
    r = run_zwgk(args, cwd=db.parent)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    return json.loads(r.stdout)["sites"]["bureau"]


ROTATION = 1000   # nights between rotating full walks in these tests: a date with no column on its turn exists


LAZY_RECHECK = 400


def _quiet_day(columns: list[str], docs: list[tuple[str, str]]) -> str:
    """A date on which none of these bureau columns has its rotating full-walk turn and none of these
    (url, published) documents its re-check turn (crawl.recheck_days = LAZY_RECHECK)."""
    from spiders.schedule import full_walk_turn, recheck_due

    d = dt.date(2021, 1, 1)
    while any(full_walk_turn("bureau", c, d, ROTATION) for c in columns) or \
            any(recheck_due(u, p, d, LAZY_RECHECK, 90) for u, p in docs):
        d += dt.timedelta(days=1)
    return d.isoformat()


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("incremental")
    with ReplicaServer(seed=1, scale=SCALE, night=0) as rep:
        m0 = json.loads(json.dumps(rep.manifest))
        cols = manifest_columns(m0)
        cfg = write_replica_config(tmp / "zwgk.yaml", rep.urls, columns=cols, recheck_days=0)
        db = tmp / "zwgk.db"
        want = sum(1 for d in m0["documents"] if d["site"] == "bureau")

        # 1. a first night killed half-way (two requests at a time so that there is a middle to kill in)
        slow = tmp / "slow.yaml"
        slow.write_text(cfg.read_text(encoding="utf-8").replace("concurrency_per_host: 8", "concurrency_per_host: 2"),
                        encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k not in ("ZWGK_DB", "ZWGK_CONFIG")}
        proc = subprocess.Popen(ZWGK_CMD + ["--config", str(slow), "--db", str(db), "crawl", "--site", "bureau",
                                            "--log-file", str(tmp / "killed.log")],
                                cwd=str(tmp), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        stored, deadline = 0, time.monotonic() + 120
        while time.monotonic() < deadline:
            if db.exists():
                try:
                    stored = db_rows(db, "select count(*) n from documents")[0]["n"]
                except sqlite3.OperationalError:
                    stored = 0
                if stored >= want // 3:
                    break
            assert proc.poll() is None, "the crawl ended before it could be killed"
            time.sleep(0.02)
        alive = proc.poll() is None
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        killed = {"alive": alive, "docs": db_rows(db, "select count(*) n from documents")[0]["n"],
                  "synced": db_rows(db, "select count(*) n from columns where full_walk_at is not null")[0]["n"],
                  "runs": db_rows(db, "select * from runs"),
                  "integrity": db_rows(db, "pragma integrity_check")}
        resumed = _crawl(cfg, db)
        after_resume = {"docs": db_rows(db, "select url, version from documents"),
                        "versions": db_rows(db, "select url, version from versions"),
                        "columns": db_rows(db, "select * from columns")}

        # 2. the same night again: nothing changed, no re-check due, no full-walk turn
        today = _quiet_day([c["id"] for c in m0["sites"]["bureau"]["columns"]],
                           [(rep.urls["bureau"] + d["url"], d["published"]) for d in m0["documents"]
                            if d["site"] == "bureau"])
        lazy = write_replica_config(tmp / "lazy.yaml", rep.urls, columns=cols, recheck_days=LAZY_RECHECK)
        quiet = (f"ZWGK_TODAY={today}", f"ZWGK_FULL_WALK_DAYS={ROTATION}")
        same = _crawl(lazy, db, *quiet)
        same_columns = db_rows(db, "select * from columns")

        # 3. night 1, first without a re-check due, then with every known article re-checked
        rep.set_night(1)
        m1 = json.loads(json.dumps(rep.manifest))
        n1 = _crawl(lazy, db, *quiet)
        n1_columns = {r["column_id"]: r for r in db_rows(db, "select * from columns")}
        n1_docs = {r["url"]: r for r in db_rows(db, "select url, state, version, withdrawn_on from documents")}
        n1_all = _crawl(cfg, db, *quiet)
        yield {"urls": dict(rep.urls), "m0": m0, "m1": m1, "db": db, "want": want, "killed": killed,
               "resumed": resumed, "after_resume": after_resume, "same": same, "same_columns": same_columns,
               "n1": n1, "n1_columns": n1_columns, "n1_docs": n1_docs, "n1_all": n1_all}


def test_killed_crawl_was_killed_mid_way(nights):
    k = nights["killed"]
    assert k["alive"], "the crawl had already finished"
    assert 0 < k["docs"] < nights["want"]
    assert k["integrity"] == [{"integrity_check": "ok"}]
    assert [r["status"] for r in k["runs"]] == ["running"]       # it never finished


def test_killed_crawl_resumes_without_losing_or_duplicating(nights):
    k, r, a = nights["killed"], nights["resumed"], nights["after_resume"]
    m0, base = nights["m0"], nights["urls"]["bureau"]
    want = {base + d["url"] for d in m0["documents"] if d["site"] == "bureau"}
    assert {d["url"] for d in a["docs"]} == want
    assert r["new"] == len(want) - k["docs"]                    # exactly the ones the killed run had not stored
    assert r["changed"] == 0
    assert Counter(v["url"] for v in a["versions"]) == Counter({u: 1 for u in want})   # one version each
    assert all(d["version"] == 1 for d in a["docs"])
    # every column is synced now (the resume marker), with the manifest's count and state
    cols = {c["column_id"]: c for c in a["columns"]}
    for c in m0["sites"]["bureau"]["columns"]:
        row = cols[c["id"]]
        assert row["full_walk_at"], c["id"]
        assert row["item_count"] == c["count"] and row["state"] == ("normal" if c["count"] else "blank")
    # columns the killed run had not finished were walked fully again
    assert r["walks_full"] >= len(m0["sites"]["bureau"]["columns"]) - k["synced"]


def test_no_change_night_reads_only_first_list_pages(nights):
    s, m0 = nights["same"], nights["m0"]
    columns = len(m0["sites"]["bureau"]["columns"])
    assert s["new"] == s["changed"] == s["withdrawn"] == 0
    assert s["article_requests_new"] == s["article_requests_recheck"] == s["refetched"] == 0
    assert s["walks_full"] + s["walks_incremental"] == columns
    # full walks only where a column page already shows the whole list (≤ 15 items) or it is blank
    small = sum(1 for c in m0["sites"]["bureau"]["columns"] if c["count"] <= 15)
    assert s["walks_full"] == small and s["list_requests"] == 0
    # robots.txt, the home page (its links are checked), one page per column, a few link checks
    assert s["requests"] == s["robots_requests"] + 1 + columns + s["link_requests"]
    assert s["link_requests"] <= 40
    counts = {c["column_id"]: c["item_count"] for c in nights["same_columns"]}
    assert counts == {c["id"]: c["count"] for c in m0["sites"]["bureau"]["columns"]}   # still the real totals
    assert all(c["state"] != "unverifiable" for c in nights["same_columns"])


def test_night1_finds_additions_and_a_withdrawal_without_rechecks(nights):
    s, m1, base = nights["n1"], nights["m1"], nights["urls"]["bureau"]
    ch = m1["changes"]
    bureau_added = [d for d in m1["documents"] if d["site"] == "bureau" and d["url"] in ch["added"]]
    assert s["new"] == len(bureau_added) == 4
    assert s["withdrawn"] == len(ch["withdrawn"]) == 1
    assert s["article_requests_recheck"] == 0 and s["changed"] == 0     # edits wait for their re-check turn
    gone = base + ch["withdrawn"][0]
    assert nights["n1_docs"][gone]["state"] == "withdrawn" and nights["n1_docs"][gone]["withdrawn_on"]
    col = next(d["column"] for d in nights["m0"]["documents"] if d["url"] == ch["withdrawn"][0])
    assert nights["n1_columns"][col]["walk"] == "full"            # its total did not add up: walked to the end
    # the other lists stopped at their first page of known items, unless that was already their end:
    # the column page shows 15 records, each dataproxy call the next 45
    new_in = Counter(d["column"] for d in bureau_added)
    expect = set()
    for c in m1["sites"]["bureau"]["columns"]:
        if c["id"] != col and c["count"] > 15 and (not new_in[c["id"]] or c["count"] > 60):
            expect.add(c["id"])
    assert {k for k, c in nights["n1_columns"].items() if c["walk"] == "incremental"} == expect
    assert len(expect) >= 2
    for c in m1["sites"]["bureau"]["columns"]:
        row = nights["n1_columns"][c["id"]]
        assert (row["item_count"], row["last_item_date"]) == (c["count"], c["last_item_date"]), c["id"]
    for d in bureau_added:
        assert nights["n1_docs"][base + d["url"]]["state"] == "live"


def test_night1_edits_found_by_conditional_rechecks(nights):
    s, m1, base = nights["n1_all"], nights["m1"], nights["urls"]["bureau"]
    edited = m1["changes"]["edited"]
    assert s["changed"] == len(edited) == 3 and s["refetched"] == 3
    live = sum(1 for d in m1["documents"] if d["site"] == "bureau")
    assert s["article_requests_recheck"] == live
    assert s["not_modified"] == live - 3                         # everything else answered 304
    rows = {r["url"]: r for r in db_rows(nights["db"], "select url, version from documents")}
    assert all(rows[base + u]["version"] == 2 for u in edited)
