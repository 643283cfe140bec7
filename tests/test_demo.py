"""`zwgk demo` end to end on a small replica: crawl, check, report, mail, table."""
import json
import sqlite3
import subprocess
import sys
from email import message_from_bytes, policy

import pytest

from replica import build_world

ZWGK = [sys.executable, "-c", "from zwgk.cli import main; main()"]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("demo") / "out"
    proc = subprocess.run(ZWGK + ["demo", "--dir", str(workdir), "--scale", "0.2"],
                          capture_output=True, text=True, timeout=600)
    return workdir, proc


def test_demo_exits_0_and_prints_the_unit_table(demo_run):
    workdir, proc = demo_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert "各责任单位情况（截至2020-12-31）" in out
    # 计财科 owes the 2019 final accounts, which the replica never published.
    line = next(l for l in out.splitlines() if l.startswith("计财科 "))
    gap = int(line.split()[1])
    assert gap >= 1
    assert f"Dashboard: {(workdir / 'reports' / 'index.html').resolve()}" in out


def test_demo_stores_what_the_replica_serves(demo_run):
    workdir, proc = demo_run
    manifest = build_world(seed=1, scale=0.2, night=0).manifest()
    expected = {}
    for d in manifest["documents"]:
        expected[d["site"]] = expected.get(d["site"], 0) + 1
    db = sqlite3.connect(workdir / "zwgk.db")
    stored = dict(db.execute("select site, count(*) from documents group by site").fetchall())
    assert stored == expected
    titles = {t for (t,) in db.execute("select title from documents where site = 'bureau'")}
    assert titles == {d["title"] for d in manifest["documents"] if d["site"] == "bureau"}


def test_demo_leaves_reports_and_delivered_mail(demo_run):
    workdir, proc = demo_run
    assert (workdir / "reports" / "index.html").exists()
    assert (workdir / "reports" / "units" / "计财科.html").exists()
    delivered = sorted((workdir / "smtp-received").glob("*.eml"))
    outbox = sorted((workdir / "outbox").rglob("*.eml"))
    assert len(delivered) >= 10 and len(outbox) == len(delivered)
    subjects = {str(message_from_bytes(p.read_bytes(), policy=policy.default)["Subject"]) for p in delivered}
    assert any(s.startswith("【政务公开】计财科：") and s.endswith("（截至2020-12-31）") for s in subjects), subjects


def test_search_finds_the_budget_documents(demo_run):
    workdir, proc = demo_run
    out = subprocess.run(ZWGK + ["--db", str(workdir / "zwgk.db"), "search", "预算", "--json"],
                         capture_output=True, text=True, check=True).stdout
    rows = [json.loads(l) for l in out.splitlines()]
    titles = [r["title"] for r in rows]
    assert any("2020年部门预算" in t for t in titles), titles
    assert all(r["url"].startswith("http://127.0.0.1:") for r in rows)


def test_findings_after_a_real_crawl_equal_the_planted_defects(demo_run):
    """No false gaps, no missed gaps: crawl over HTTP + check reproduces the replica's ground truth."""
    workdir, proc = demo_run
    manifest = build_world(seed=1, scale=0.2, night=0).manifest()
    # Site-level defects (stale/blank columns, broken links, missing attachments) belong to 10.1.
    site_level = {"stale_column", "blank_column", "broken_link", "missing_attachment"}
    expected = {d["requirement"] or ("10.1" if d["type"] in site_level else None)
                for d in manifest["defects"] if d["type"] != "decoy"}
    db = sqlite3.connect(workdir / "zwgk.db")
    rows = db.execute("select requirement, status from findings where run_id = "
                      "(select max(id) from runs where kind = 'check')").fetchall()
    not_met = {req for req, status in rows if status not in ("met", "manual")}
    assert not_met == expected
    assert ("7.1", "late") in rows
    assert not any(status == "unverifiable" for _, status in rows)
