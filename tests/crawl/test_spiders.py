"""Crawling a replica over HTTP through the CLI, compared with the replica's manifest.

One module-scoped replica (seed 1, scale 0.1) is crawled twice in child processes (the Twisted
reactor starts once per process): night 0, then night 1 after ``rep.set_night(1)``. The store after
night 0 is snapshotted so both nights can be checked.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter

import pytest

from conftest import ROOT, db_rows, manifest_columns, run_zwgk, snapshot_db, write_replica_config

from replica import ReplicaServer

pytestmark = pytest.mark.slow

SCALE = 0.1


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("crawl")
    with ReplicaServer(seed=1, scale=SCALE, night=0) as rep:
        m0 = json.loads(json.dumps(rep.manifest))
        # the bureau's columns come from the config (with their freshness class); the upper sites'
        # columns are discovered from their home pages
        cols = manifest_columns(m0)
        cfg = write_replica_config(tmp / "zwgk.yaml", rep.urls, columns=cols, recheck_days=0)
        db = tmp / "zwgk.db"
        r0 = run_zwgk(["--config", str(cfg), "--db", str(db), "crawl", "--json", "--log-file", str(tmp / "n0.log")],
                      cwd=tmp)
        assert r0.returncode == 0, r0.stdout + r0.stderr + (tmp / "n0.log").read_text()[-3000:]
        db0 = tmp / "night0.db"
        snapshot_db(db, db0)
        search = run_zwgk(["--db", str(db), "search", "预算", "-n", "200", "--json"], cwd=tmp)
        rep.set_night(1)
        m1 = json.loads(json.dumps(rep.manifest))
        r1 = run_zwgk(["--config", str(cfg), "--db", str(db), "crawl", "--json", "--log-file", str(tmp / "n1.log")],
                      cwd=tmp)
        assert r1.returncode == 0, r1.stdout + r1.stderr + (tmp / "n1.log").read_text()[-3000:]
        yield {"urls": dict(rep.urls), "m0": m0, "m1": m1, "db0": db0, "db": db, "run0": json.loads(r0.stdout),
               "run1": json.loads(r1.stdout), "search": search, "tmp": tmp}


def absolute(n, doc_or_site, path=None) -> str:
    if path is None:
        return n["urls"][doc_or_site["site"]] + doc_or_site["url"]
    return n["urls"][doc_or_site] + path


# --- night 0 ------------------------------------------------------------------------------------------

def test_document_count_per_site_equals_manifest(nights):
    want = Counter(d["site"] for d in nights["m0"]["documents"])
    got = Counter(r["site"] for r in db_rows(nights["db0"], "select site from documents where state = 'live'"))
    assert got == want
    assert nights["run0"]["status"] == "ok"
    assert {k: v["new"] for k, v in nights["run0"]["sites"].items()} == dict(want)


def test_titles_dates_publishers_equal_manifest(nights):
    stored = {r["url"]: r for r in db_rows(nights["db0"], "select * from documents")}
    wrong = []
    for d in nights["m0"]["documents"]:
        row = stored.get(absolute(nights, d))
        assert row is not None, d["url"]
        for field, col in (("title", "title"), ("published", "published"), ("publisher", "publisher")):
            if row[col] != d[field]:
                wrong.append((d["url"], field, d[field], row[col]))
        if d.get("index_no") and row["index_no"] != d["index_no"]:
            wrong.append((d["url"], "index_no", d["index_no"], row["index_no"]))
        # only 信息公开 pages (with an 索引号) have a 文号 cell; an empty one stays empty (not the next label)
        if d.get("index_no") and row["doc_no"] != (d.get("doc_no") or None):
            wrong.append((d["url"], "doc_no", d.get("doc_no"), row["doc_no"]))
    assert wrong == []


def test_gbk_pages_are_decoded(nights):
    gbk = [d for d in nights["m0"]["documents"] if d["encoding"] == "gbk"]
    assert gbk, "the replica plants GBK pages"
    for d in gbk:
        row = db_rows(nights["db0"], "select title, body from documents where url = ?", [absolute(nights, d)])[0]
        assert row["title"] == d["title"]
        assert "\ufffd" not in row["body"] and row["body"].strip()


def test_attachments_stored_with_text_and_missing_one_failed(nights):
    stored = {r["url"]: json.loads(r["attachments"]) for r in db_rows(nights["db0"], "select url, attachments from documents")}
    seen_ok = 0
    for d in nights["m0"]["documents"]:
        if not d["attachments"]:
            continue
        got = {a["url"]: a for a in stored[absolute(nights, d)]}
        for a in d["attachments"]:
            rec = got.get(absolute(nights, d["site"], a["url"]))
            assert rec is not None, (d["url"], a["url"])
            if a["missing"]:
                assert rec["status"] == "failed" and rec.get("http_status") == 404
            else:
                assert rec["status"] == "ok", rec
                assert rec["size"] > 0
                if a["type"] in ("pdf", "docx", "xlsx"):
                    assert rec["text"], (d["url"], a["name"])
                    seen_ok += 1
    assert seen_ok > 0
    missing = [x for x in nights["m0"]["defects"] if x["type"] == "missing_attachment"]
    assert missing
    for x in missing:
        recs = stored[absolute(nights, x["site"], x["urls"][0])]
        assert [r["status"] for r in recs if r["url"] == absolute(nights, x["site"], x["attachment"])] == ["failed"]


def test_budget_pdf_text_is_searchable(nights):
    r = nights["search"]
    assert r.returncode == 0, r.stderr
    found = {json.loads(line)["url"] for line in r.stdout.splitlines() if line.strip()}
    budgets = [d for d in nights["m0"]["documents"] if d["kind"] == "budget"]
    assert budgets
    for d in budgets:
        assert absolute(nights, d) in found, d["title"]


def test_columns_states(nights):
    rows = {(r["site"], r["column_id"]): r for r in db_rows(nights["db0"], "select * from columns")}
    blank = {(x["site"], x["column"]) for x in nights["m0"]["defects"] if x["type"] == "blank_column"}
    assert blank
    for key in blank:
        assert rows[key]["state"] == "blank"
    for site, s in nights["m0"]["sites"].items():
        for c in s["columns"]:
            row = rows.get((site, c["id"]))
            assert row is not None, (site, c["id"])
            if (site, c["id"]) in blank:
                continue
            assert row["state"] in ("normal", "unverifiable"), row
            if row["state"] == "normal":
                assert row["item_count"] == c["count"], (site, c["id"])
                assert row["last_item_date"] == c["last_item_date"], (site, c["id"])
                assert row["name"] == c["name"]
    normal = [r for r in rows.values() if r["state"] == "normal"]
    assert len(normal) >= len(rows) - len(blank) - 2   # at most a couple of planted unverifiable ones


def test_broken_internal_links_recorded_404(nights):
    broken = [x for x in nights["m0"]["defects"] if x["type"] == "broken_link"]
    assert broken
    links = {(r["from_url"], r["to_url"]): r["status"] for r in db_rows(nights["db0"], "select * from links")}
    words = {(r["from_url"], r["to_url"]): r["text"] for r in db_rows(nights["db0"], "select * from links")}
    for x in broken:
        key = (absolute(nights, x["site"], x["from"]), absolute(nights, x["site"], x["to"]))
        assert links.get(key) == 404, key
        assert words[key] and f"链接“{words[key]}”" in x["detail"], (key, words[key])   # the link's own words
    ok = [s for s in links.values() if s == 200]
    assert ok, "working internal links are recorded too"


def test_run_recorded(nights):
    runs = db_rows(nights["db0"], "select * from runs where kind = 'crawl'")
    assert len(runs) == 1 and runs[0]["status"] == "ok" and runs[0]["finished"]
    stats = json.loads(runs[0]["stats"])
    assert set(stats) == {"bureau", "province", "city", "district"}
    for s in stats.values():
        for k in ("new", "changed", "unchanged", "withdrawn", "errors", "requests"):
            assert k in s
        assert s["requests"] > 0


# --- night 1 -------------------------------------------------------------------------------------------

def test_night1_added_edited_withdrawn(nights):
    ch = nights["m1"]["changes"]
    assert ch["added"] and ch["edited"] and ch["withdrawn"]
    docs1 = {d["url"]: d for d in nights["m1"]["documents"]}
    site_of = {d["url"]: d["site"] for d in nights["m0"]["documents"]} | {u: d["site"] for u, d in docs1.items()}
    rows = {r["url"]: r for r in db_rows(nights["db"], "select * from documents")}
    for u in ch["added"]:
        row = rows[absolute(nights, site_of[u], u)]
        assert row["version"] == 1 and row["state"] == "live" and row["title"] == docs1[u]["title"]
    for u in ch["edited"]:
        full = absolute(nights, site_of[u], u)
        assert rows[full]["version"] == 2 and rows[full]["state"] == "live"
        v = db_rows(nights["db"], "select * from versions where url = ? and version = 2", [full])
        assert v and v[0]["diff"] and "+" in v[0]["diff"]
    for u in ch["withdrawn"]:
        full = absolute(nights, site_of[u], u)
        assert rows[full]["state"] == "withdrawn" and rows[full]["withdrawn_on"]
    live = Counter(r["site"] for r in rows.values() if r["state"] == "live")
    assert live == Counter(d["site"] for d in nights["m1"]["documents"])


def test_night1_unchanged_articles_not_refetched(nights):
    s0, s1 = nights["run0"]["sites"], nights["run1"]["sites"]
    ch = nights["m1"]["changes"]
    added, edited, withdrawn = len(ch["added"]), len(ch["edited"]), len(ch["withdrawn"])
    assert sum(s["new"] for s in s1.values()) == added
    assert sum(s["changed"] for s in s1.values()) == edited
    assert sum(s["withdrawn"] for s in s1.values()) == withdrawn
    # known articles were revalidated conditionally: only the edited ones were downloaded again
    assert sum(s["refetched"] for s in s1.values()) == edited
    known = len(nights["m0"]["documents"]) - withdrawn
    assert sum(s["not_modified"] for s in s1.values()) == known - edited
    assert sum(s["unchanged"] for s in s1.values()) == known - edited
    # and far fewer bytes moved than on the first night (no bodies, no attachments again)
    assert sum(s["bytes"] for s in s1.values()) < sum(s["bytes"] for s in s0.values()) / 3


def test_known_articles_cost_no_request_when_not_due(nights, tmp_path):
    """When it is not a known article's recheck turn (crawl.recheck_days), it costs no request at
    all: the crawl asks only for robots.txt and the list pages, and stops each list at the first page
    holding only known items (no full walk: ZWGK_FULL_WALK_DAYS is large and every column synced)."""
    import datetime as dt

    from spiders.schedule import recheck_due

    province = [absolute(nights, d) for d in nights["m1"]["documents"] if d["site"] == "province"]
    published = {absolute(nights, d): d["published"] for d in nights["m1"]["documents"]}
    today = dt.date.today()
    # a minimum cycle length in which no province article has its turn today
    days = next(n for n in range(2, 5000) if not any(recheck_due(u, published[u], today, n, 90) for u in province))
    cfg = write_replica_config(tmp_path / "zwgk.yaml", nights["urls"], recheck_days=days)
    db = tmp_path / "copy.db"
    snapshot_db(nights["db"], db)
    r = run_zwgk(["--config", str(cfg), "--db", str(db), "crawl", "--json", "--site", "province"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    s = json.loads(r.stdout)["sites"]["province"]
    assert s["new"] == s["changed"] == s["refetched"] == s["not_modified"] == s["withdrawn"] == 0
    assert s["article_requests_recheck"] == s["article_requests_new"] == s["link_requests"] == 0
    columns = len(nights["m1"]["sites"]["province"]["columns"])
    # every known article is either listed on a page read tonight (unchanged) or not looked at
    assert s["unchanged"] + s["not_checked"] == len(province)
    assert s["unchanged"] >= 15 and s["not_checked"] > 0
    assert s["walks_incremental"] + s["walks_full"] == columns
    # robots.txt, the home page (columns are discovered there), the column pages, nothing else
    assert s["requests"] == s["robots_requests"] + 1 + columns + s["list_requests"]
    assert s["requests"] < columns * 2 + 2 < len(province)


def test_scrapy_list_prints_column():
    out = subprocess.run([sys.executable, "-m", "scrapy", "list"], capture_output=True, text=True, cwd=ROOT,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["column"]


def test_scrapy_crawl_column_records_its_own_run(nights, tmp_path):
    cfg = write_replica_config(tmp_path / "zwgk.yaml", nights["urls"])
    db = tmp_path / "scrapy.db"
    out = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "column", "-a", "site=province",
                          "-a", f"config={cfg}", "-s", f"ZWGK_DB_PATH={db}", "-s", "LOG_LEVEL=WARNING"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    want = sum(1 for d in nights["m1"]["documents"] if d["site"] == "province")
    assert db_rows(db, "select count(*) n from documents where site = 'province'")[0]["n"] == want
    runs = db_rows(db, "select * from runs")
    assert len(runs) == 1 and runs[0]["kind"] == "crawl" and runs[0]["status"] == "ok"
    stats = json.loads(runs[0]["stats"])["province"]
    assert stats["new"] == want and stats["finish_reason"] == "finished"


def test_zwgk_extract_live_url(nights, tmp_path):
    d = next(x for x in nights["m1"]["documents"] if x["site"] == "bureau" and x["attachments"]
             and not any(a["missing"] for a in x["attachments"]))
    r = run_zwgk(["extract", absolute(nights, d)], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert (data["title"], data["published"], data["publisher"]) == (d["title"], d["published"], d["publisher"])
    assert [a["url"] for a in data["attachments"]] == [absolute(nights, "bureau", a["url"]) for a in d["attachments"]]


def test_unreachable_site_exits_1_and_config_error_exits_2(tmp_path):
    cfg = tmp_path / "zwgk.yaml"
    cfg.write_text("contact: t@example.org\nsites:\n  bureau: {name: 局, base_url: 'http://127.0.0.1:9'}\n"
                   "units: [{name: 办公室}]\ncrawl: {download_delay: 0, autothrottle: false}\n", encoding="utf-8")
    r = run_zwgk(["--config", str(cfg), "--db", str(tmp_path / "x.db"), "crawl", "--log-level", "ERROR"], cwd=tmp_path)
    assert r.returncode == 1
    assert "bureau: site unreachable" in r.stderr
    run = db_rows(tmp_path / "x.db", "select * from runs")[0]
    assert run["status"] == "failed" and json.loads(run["stats"])["bureau"]["errors"] >= 1
    bad = tmp_path / "bad.yaml"
    bad.write_text("contact: nope\n", encoding="utf-8")
    r = run_zwgk(["--config", str(bad), "crawl"], cwd=tmp_path)
    assert r.returncode == 2 and "configuration error" in r.stderr


# --- column states decided by the JCMS adapter (no server needed) ---------------------------------------

def _walk_page(body: str, url="http://127.0.0.1:9/col/col7/index.html"):
    from scrapy.http import HtmlResponse

    from spiders.adapters import ListWalk, adapter_for

    resp = HtmlResponse(url, body=body.encode(), encoding="utf-8")
    walk = ListWalk(site="bureau", column_id="7", url=url)
    adapter = adapter_for(resp, "jcms")
    walk.adapter = adapter.name
    adapter.first(resp, walk)
    return adapter, walk


def test_blank_jcms_column_is_complete_and_empty():
    adapter, walk = _walk_page('<meta name="ColumnName" content="统计信息"><script type="text/xml"><datastore>'
                               '<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=3&'
                               'path=/&columnid=7&unitid=55&webname=x&permissiontype=0"></a>]]></nextgroup><recordset>'
                               '</recordset></datastore></script><script>totalRecord:0</script>')
    assert adapter.name == "jcms" and walk.is_list_page and walk.complete and not walk.entries
    assert adapter.next_request(walk) is None and not walk.failed


def test_empty_dataproxy_answer_makes_the_walk_unverifiable():
    from scrapy.http import TextResponse

    records = "".join(f'<record><![CDATA[<li><a href="/art/2020/1/{i}/art_7_{i}.html">t</a><span>2020-01-{i:02d}</span></li>]]></record>'
                      for i in range(1, 16))
    adapter, walk = _walk_page('<script type="text/xml"><datastore><nextgroup><![CDATA[<a href="/module/jpage/dataproxy.jsp?'
                               'page=1&appid=1&webid=3&path=/&columnid=7&unitid=55&permissiontype=0"></a>]]></nextgroup>'
                               f'<recordset>{records}</recordset></datastore></script><script>totalRecord:40</script>')
    req = adapter.next_request(walk)
    assert req.url.startswith("http://127.0.0.1:9/module/jpage/dataproxy.jsp?startrecord=16&endrecord=60")  # after the 15 shown
    adapter.more(TextResponse(req.url, body=b"", encoding="utf-8", request=req), walk)
    assert walk.failed and "empty dataproxy answer" in walk.failed and not walk.complete
    assert len(walk.entries) == 15


def test_javascript_shell_is_not_a_blank_column():
    adapter, walk = _walk_page('<html><head><meta name="ColumnName" content="通知公告"></head><body><div id="list"></div>'
                               '<script>$.ajax({url:"/api-gateway/list",success:function(d){render(d)}})</script></body></html>')
    assert adapter.name == "generic"
    assert walk.failed and "JavaScript" in walk.failed and not walk.is_list_page


def test_attachment_size_cap_records_failure_not_crash(nights, tmp_path):
    budget = [d for d in nights["m1"]["documents"] if d["kind"] == "budget" and d["site"] == "bureau"]
    column = budget[0]["column"]
    cfg = write_replica_config(tmp_path / "zwgk.yaml", nights["urls"], max_attachment_bytes=1000,
                               columns={"bureau": [{"id": column, "name": "财政预决算"}]})
    db = tmp_path / "cap.db"
    r = run_zwgk(["--config", str(cfg), "--db", str(db), "crawl", "--site", "bureau", "--column", column, "--json"],
                 cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    row = db_rows(db, "select attachments from documents where url = ?", [absolute(nights, budget[0])])[0]
    atts = json.loads(row["attachments"])
    assert atts and all(a["status"] == "failed" and "larger than 1000 bytes" in a["error"] for a in atts)
    assert json.loads(r.stdout)["sites"]["bureau"]["attachments_failed"] == len(
        [a for d in nights["m1"]["documents"] if d["site"] == "bureau" and d["column"] == column for a in d["attachments"]])


def test_sites_discover_prints_column_stanza(nights, tmp_path):
    r = run_zwgk(["sites", "discover", nights["urls"]["province"] + "/index.html"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    want = [(c["id"], c["name"]) for c in nights["m1"]["sites"]["province"]["columns"]]
    got = re.findall(r'id: "(\d+)", name: "([^"]+)"', r.stdout)
    assert sorted(got) == sorted(want)


def test_timeouts_reach_the_health_monitors_through_scrapys_stats(tmp_path):
    """A server that accepts connections and never answers: Scrapy counts the timeouts by exception type,
    the run's stats keep them with the URL, and the monitors read them from there (no log is read)."""
    import socket
    import threading

    from crawler.store import Store
    from spiders.health import evaluate_crawl

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def hold() -> None:
        silent.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(silent.accept()[0])
            except OSError:
                continue

    threading.Thread(target=hold, daemon=True).start()
    base = f"http://127.0.0.1:{silent.getsockname()[1]}"
    cfg = tmp_path / "zwgk.yaml"
    cfg.write_text(f"contact: t@example.org\nsites:\n  bureau: {{name: 局, base_url: '{base}'}}\n"
                   "units: [{name: 办公室}]\ncrawl: {download_delay: 0, autothrottle: false, obey_robots: false}\n",
                   encoding="utf-8")
    try:
        r = run_zwgk(["--config", str(cfg), "--db", str(tmp_path / "x.db"), "crawl", "--log-level", "ERROR",
                      "-s", "DOWNLOAD_TIMEOUT=1"], cwd=tmp_path)
    finally:
        stop.set()
        for s in held:
            s.close()
        silent.close()
    assert r.returncode == 1, r.stderr
    run = db_rows(tmp_path / "x.db", "select * from runs")[0]
    s = json.loads(run["stats"])["bureau"]
    # the home page: http and its RETRY_TIMES (2) retries on the same URL, then the https fallback, whose
    # retries are used up already — every attempt timed out
    assert s["timeouts"] == s["download_exceptions"] == s["requests"] == 4 and s["responses"] == 0
    assert s["scheme_fallbacks"] == 1 and s["retries"] == 2 and s["retries_exhausted"] == 2
    assert [t for t in s["exception_types"] if "Timeout" in t]
    assert s["timeout_samples"] == [f"{base}/index.html", base.replace("http:", "https:") + "/index.html"]
    with Store(tmp_path / "x.db") as store:
        result = evaluate_crawl(store, None, run["id"])
        assert store.db.execute("select value from health_metrics where crawl_run_id = ? and site = 'bureau' "
                                "and metric = 'timeouts'", [run["id"]]).fetchone()[0] == 4
    unreachable = next(f for f in result.fired if f.monitor == "unreachable")
    assert f"{base}/index.html" in unreachable.evidence["samples"]
