"""kill -9 of `zwgk nightly`: its crawl child dies with it (never crawls beside the next night), and the
next night closes the dead night's runs (运行中 forever before) as failed; a child left behind on a
system without the parent-death signal is killed by its recorded process group."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time

import pytest

from conftest import ZWGK_CMD, run_zwgk
from faultserver import FaultServer, hang, list_html, page, site_config

pytestmark = pytest.mark.reliability


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return open(f"/proc/{pid}/stat").read().split(") ", 1)[1][:1] != "Z"
    except OSError:
        return False


def _runs(db):
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {r[0]: (r[1], r[2]) for r in conn.execute("select id, kind, status from runs")}
    finally:
        conn.close()


def _wait(cond, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = cond()
        if got:
            return got
        time.sleep(0.1)
    return None


def test_kill9_of_the_night_kills_its_crawl_and_the_next_night_closes_it(tmp_path):
    entries = [(f"/art/2020/8/{i}/art_1_{i}.html", f"慢页面{i}", f"2020-08-0{i}") for i in range(1, 5)]
    env = {k: v for k, v in os.environ.items() if k not in ("ZWGK_DB", "ZWGK_CONFIG")}
    with FaultServer({"/robots.txt": page("User-agent: *\nAllow: /\n", "text/plain"),
                      "/col/c1/index.html": page(list_html(entries))}, prefixes={"/art/": hang(60)}) as site:
        cfg = site_config(tmp_path / "zwgk.yaml", site.url, [{"id": "c1", "url": "/col/c1/index.html"}])
        db = tmp_path / "zwgk.db"
        night = subprocess.Popen(ZWGK_CMD + ["--config", cfg, "--db", str(db), "nightly", "--skip-mail", "-q"],
                                 cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 start_new_session=True)
        info_path = tmp_path / "var" / "nightly.lock.json"
        try:
            info = _wait(lambda: info_path.exists() and json.loads(info_path.read_text()).get("child")
                         and site.hits.get("/col/c1/index.html") and json.loads(info_path.read_text()))
            assert info, "the night never started its crawl"
            child = info["child"]
            assert child["stage"] == "crawl" and child["pgid"] == child["pid"] != night.pid
            os.kill(night.pid, signal.SIGKILL)                 # the night only, not its group
            night.wait()
            assert _wait(lambda: not _alive(child["pid"]), 15), "the crawl child outlived its night"
        finally:
            if night.poll() is None:
                os.killpg(night.pid, signal.SIGKILL)
                night.wait()
        before = _runs(db)
        assert ("nightly", "running") in before.values() and ("crawl", "running") in before.values()
        r = run_zwgk(["--config", cfg, "--db", str(db), "nightly", "--skip-crawl", "--skip-mail", "-q"],
                     cwd=tmp_path, timeout=300)
        assert r.returncode in (0, 1, 2), r.stderr[-3000:]   # the check may fail: this config has no plan
    after = _runs(db)
    for rid, (kind, status) in before.items():
        if status == "running":
            assert after[rid] == (kind, "failed"), (rid, kind, after[rid])
    assert "running" not in {s for _, s in after.values()}


def test_a_child_left_behind_is_killed_by_its_recorded_group(tmp_path):
    from crawler.store import Store

    cfg = site_config(tmp_path / "zwgk.yaml", "http://127.0.0.1:9", [{"id": "c1", "url": "/col/c1/index.html"}])
    db = tmp_path / "zwgk.db"
    dead = subprocess.Popen(["true"])
    dead.wait()
    orphan = subprocess.Popen(["sleep", "600"], start_new_session=True)
    try:
        with Store(db) as s:
            old = s.start_run("nightly", stats={"pid": dead.pid})
            crawl = s.start_run("crawl")
        (tmp_path / "var").mkdir(exist_ok=True)
        (tmp_path / "var" / "nightly.lock.json").write_text(json.dumps(
            {"pid": dead.pid, "run": old, "child": {"stage": "crawl", "pid": orphan.pid, "pgid": orphan.pid}}))
        r = run_zwgk(["--config", cfg, "--db", str(db), "nightly", "--skip-crawl", "--skip-mail", "-q"],
                     cwd=tmp_path, timeout=300)
        assert r.returncode in (0, 1, 2), r.stderr[-3000:]   # the check may fail: this config has no plan
        assert _wait(lambda: orphan.poll() is not None, 10)
        runs = _runs(db)
        assert runs[old] == ("nightly", "failed") and runs[crawl] == ("crawl", "failed")
    finally:
        if orphan.poll() is None:
            orphan.kill()
        orphan.wait()
