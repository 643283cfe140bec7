"""Every list adapter by a real crawl of the opt-in extra replica sites (replica/extras.py).

One module-scoped replica serves the TRS site (configured as the bureau: its links are checked), the
JPaaS site (configured ``jcms``: the adapter is detected from the page) and the quirks site (JCMS GET
page style and ``?uid=&pageNum=`` variants, generic ``?page=N`` and ``index_N.html`` lists, and the
failure modes) plus an "external" site. Night 0 is crawled from the home pages (columns discovered),
then night 1 incrementally, then night 1 again with a full walk of every column.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from conftest import db_rows, run_zwgk, snapshot_db

from replica import ReplicaServer

pytestmark = pytest.mark.slow

CONTACT = "zwgk-adapters@example.org"
EXTRAS = ("trs", "jpaas", "quirks", "external")


def extra_config(path: Path, urls: dict[str, str], *, https_province: bool = False, recheck_days: int = 0,
                 concurrency: int = 2) -> Path:
    province = urls["jpaas"].replace("http://", "https://") if https_province else urls["jpaas"]
    path.write_text(f"""contact: {CONTACT}
paths: {{data: var}}
sites:
  bureau: {{name: 仿真市教育局, base_url: "{urls['trs']}", platform: trs}}
  province: {{name: 仿真市人民政府, base_url: "{province}"}}
  city: {{name: 仿真区教育和体育局, base_url: "{urls['quirks']}", platform: generic}}
units: [{{name: 办公室}}]
crawl: {{concurrency_per_host: {concurrency}, download_delay: 0, autothrottle: false, obey_robots: true,
        recheck_days: {recheck_days}, check_external_links: true}}
""", encoding="utf-8")
    return path


def crawl(cfg: Path, db: Path, *extra: str, sites=()) -> dict:
    args = ["--config", str(cfg), "--db", str(db), "crawl", "--json", "--log-file", str(db.with_suffix(".log"))]
    for s in sites:
        args += ["--site", s]
    r = run_zwgk(args + list(extra), cwd=db.parent)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:] + db.with_suffix(".log").read_text()[-3000:]
    return json.loads(r.stdout)


def not_rotation_day(keys: list[tuple[str, str]]) -> str:
    """A date on which none of these (site, column) pairs has its full-walk turn (default 7 nights)."""
    from spiders.schedule import full_walk_turn

    d = dt.date(2021, 1, 1)
    while any(full_walk_turn(s, c, d, 7) for s, c in keys):
        d += dt.timedelta(days=1)
    return d.isoformat()


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("adapters")
    with ReplicaServer(seed=1, scale=0.05, extra_sites=EXTRAS) as rep:
        urls = dict(rep.extra_urls)
        x0 = json.loads(json.dumps(rep.extras))
        cfg = extra_config(tmp / "zwgk.yaml", urls)
        db = tmp / "zwgk.db"
        r0 = crawl(cfg, db)
        db0 = tmp / "night0.db"
        snapshot_db(db, db0)
        log0 = {k: json.loads(rep.fetch(k, "/__replica__/requests.json")[2]) for k in EXTRAS}
        # http↔https: the JPaaS port answers plain HTTP only; configured as https:// it must still be read
        https_db = tmp / "https.db"
        # (a TLS hello to a plain-HTTP port gets no answer: the attempt times out, as on real sites)
        r_https = crawl(extra_config(tmp / "https.yaml", urls, https_province=True), https_db,
                        "-s", "DOWNLOAD_TIMEOUT=2", sites=["province"])
        # discovery, as an operator runs it
        discovered = {}
        for key, path in (("quirks", "/index.html"), ("trs", "/"), ("jpaas", "/index.html")):
            d = run_zwgk(["--config", str(cfg), "sites", "discover", urls[key] + path, "--delay", "0"], cwd=tmp)
            assert d.returncode == 0, d.stderr
            dj = run_zwgk(["--config", str(cfg), "sites", "discover", urls[key] + path, "--delay", "0", "--json"],
                          cwd=tmp)
            discovered[key] = (d.stdout, [json.loads(line) for line in dj.stdout.splitlines() if line.strip()])
        # night 1: incremental (no column on its rotation turn, no re-check due), then every column walked fully
        rep.set_night(1)
        x1 = json.loads(json.dumps(rep.extras))
        today = not_rotation_day([("bureau", "zwgk/tzgg"), ("bureau", "zwgk/zcwj"), ("province", "1001")])
        cfg1 = extra_config(tmp / "night1.yaml", urls, recheck_days=365)
        r1 = crawl(cfg1, db, "-s", f"ZWGK_TODAY={today}")
        db1 = tmp / "night1.db"
        snapshot_db(db, db1)
        r1_full = crawl(cfg1, db, "-s", f"ZWGK_TODAY={today}", "-s", "ZWGK_FULL_WALK_DAYS=1")
        # two configured sites on one host are crawled one after the other
        mark = len(json.loads(rep.fetch("quirks", "/__replica__/requests.json")[2])["requests"])
        shared = tmp / "shared.yaml"
        shared.write_text(f"""contact: {CONTACT}
paths: {{data: var}}
sites:
  bureau: {{name: 局, base_url: "{urls['trs']}", columns: [{{id: tjxx, url: /zwgk/tjxx/}}]}}
  city: {{name: 甲, base_url: "{urls['quirks']}", columns: [{{id: "9005"}}, {{id: "9004"}}]}}
  district: {{name: 乙, base_url: "{urls['quirks']}", columns: [{{id: "9004"}}, {{id: "9005"}}]}}
units: [{{name: 办公室}}]
crawl: {{concurrency_per_host: 2, download_delay: 0, autothrottle: false}}
""", encoding="utf-8")
        r_shared = crawl(shared, tmp / "shared.db")
        log_shared = json.loads(rep.fetch("quirks", "/__replica__/requests.json")[2])["requests"][mark:]
        yield {"urls": urls, "x0": x0, "x1": x1, "db0": db0, "db1": db1, "db": db, "https_db": https_db,
               "r0": r0, "r_https": r_https, "r1": r1, "r1_full": r1_full, "log0": log0, "discovered": discovered,
               "r_shared": r_shared, "log_shared": log_shared}


def site_docs(x: dict, key: str) -> list[dict]:
    return x["sites"][key]["documents"]


def readable_quirks_docs(x: dict) -> list[dict]:
    """What a faithful crawler can reach on the quirks site: the lists that answer, and the 15 records
    the column page of the empty-dataproxy column shows."""
    docs = site_docs(x, "quirks")
    out = [d for d in docs if d["column"] in ("9004", "9005", "9006", "9007")]
    return out + [d for d in docs if d["column"] == "9003"][:15]


# --- night 0: documents ------------------------------------------------------------------------------

def test_every_adapter_found_every_document(run):
    x, u = run["x0"], run["urls"]
    got = {r["url"]: r for r in db_rows(run["db0"], "select * from documents")}
    for site_key, key, docs in (("bureau", "trs", site_docs(x, "trs")), ("province", "jpaas", site_docs(x, "jpaas")),
                                ("city", "quirks", readable_quirks_docs(x))):
        want = {u[key] + d["url"]: d for d in docs}
        stored = {url for url, r in got.items() if r["site"] == site_key}
        assert stored == set(want), (site_key, sorted(set(want) ^ stored)[:5])
        wrong = [(url, f, d[f], got[url][f]) for url, d in want.items() for f in ("title", "published", "publisher")
                 if got[url][f] != d[f]]
        assert wrong == [], wrong[:5]
    assert {k: v["new"] for k, v in run["r0"]["sites"].items()} == {
        "bureau": 70, "province": 37, "city": len(readable_quirks_docs(x))}


def test_trs_gb2312_pages_bodies_and_relative_attachments(run):
    x, u = run["x0"], run["urls"]
    rows = {r["url"]: r for r in db_rows(run["db0"], "select * from documents where site = 'bureau'")}
    gb = [d for d in site_docs(x, "trs") if d["encoding"] != "utf-8"]
    assert len(gb) == 23
    for d in gb:
        row = rows[u["trs"] + d["url"]]
        assert row["doc_no"] and row["doc_no"].startswith("仿教发〔") and row["index_no"].startswith("FZJY/")
        assert "仿真市教育局" in row["body"] and "\ufffd" not in row["body"] and "当前位置" not in row["body"]
    budget = next(d for d in site_docs(x, "trs") if d["title"] == "仿真市教育局2020年部门预算公开")
    atts = json.loads(rows[u["trs"] + budget["url"]]["attachments"])
    assert [a["url"] for a in atts] == [u["trs"] + budget["attachments"][0]["url"]]
    assert re.search(r"/zwgk/tzgg/\d{6}/P0\d+\.pdf$", atts[0]["url"])
    assert atts[0]["status"] == "ok" and "基本支出" in atts[0]["text"]
    only = next(d for d in site_docs(x, "trs") if d["title"] == "2020年仿真市中小学校名录")
    row = rows[u["trs"] + only["url"]]
    assert row["body"].strip() == "附件：2020年仿真市中小学校名录.xlsx"      # only an attachment: still a document
    atts = json.loads(row["attachments"])
    assert [(a["type"], a["status"]) for a in atts] == [("xlsx", "ok")] and "项目支出 789.01" in atts[0]["text"]
    r = run_zwgk(["--db", str(run["db0"]), "search", "基本支出", "--json"], cwd=run["db0"].parent)
    assert u["trs"] + budget["url"] in r.stdout


# --- night 0: columns ------------------------------------------------------------------------------------

def test_columns_names_platforms_counts_and_states(run):
    x = run["x0"]
    rows = {(r["site"], r["column_id"]): r for r in db_rows(run["db0"], "select * from columns")}
    expect = {("bureau", "zwgk/" + c["id"]): c for c in x["sites"]["trs"]["columns"]}
    expect |= {("province", c["id"]): c for c in x["sites"]["jpaas"]["columns"]}
    ids = {"/xwzx/list.html": "xwzx/list", "/tzgg/index.html": "tzgg"}
    expect |= {("city", ids.get(c["url"], c["id"])): c for c in x["sites"]["quirks"]["columns"]}
    assert set(rows) == set(expect)
    for key, c in expect.items():
        row = rows[key]
        assert row["state"] == c["state"], (key, row["reason"])
        assert row["name"] == c["name"], key       # TRS: from the breadcrumb only
        if c["state"] == "normal":
            assert (row["item_count"], row["last_item_date"], row["platform"]) == \
                   (c["count"], c["last_item_date"], c["platform"]), key
        elif c["state"] == "blank":
            assert row["item_count"] == 0 and row["platform"] == c["platform"]
        else:
            assert c["reason"].lower() in row["reason"].lower(), (key, row["reason"])


def test_unverifiable_is_never_blank(run):
    rows = {r["column_id"]: r for r in db_rows(run["db0"], "select * from columns where site = 'city'")}
    assert {k for k, r in rows.items() if r["state"] == "unverifiable"} == {"9001", "9002", "9003", "9008"}
    assert "412" in rows["9001"]["reason"] and "JavaScript" in rows["9002"]["reason"]
    assert "empty dataproxy" in rows["9003"]["reason"] and "503" in rows["9008"]["reason"]
    # the 503 column was retried (RETRY_TIMES = 2) before it was given up; the 412 one was not
    paths = [r["path"] for r in run["log0"]["quirks"]["requests"]]
    assert paths.count("/col/col9008/index.html") == 3 and paths.count("/col/col9001/index.html") == 1
    assert not any(r["state"] == "blank" for r in rows.values())
    # the empty-dataproxy column still stored the records its page showed, and claims 40
    assert rows["9003"]["item_count"] == 40
    s = run["r0"]["sites"]["city"]
    assert s["columns_unverifiable"] == 4 and s["columns_normal"] == 4 and s["columns_blank"] == 0


def test_jcms_get_fallback_and_static_pagenum_requests(run):
    paths = [(r["method"], r["path"]) for r in run["log0"]["quirks"]["requests"]]
    posts = [p for m, p in paths if m == "POST" and "dataproxy" in p]
    gets = [p for m, p in paths if m == "GET" and p.startswith("/module/jpage/dataproxy.jsp?page=")]
    # 9004 refuses the POST range (405) → GET page style; 9003's dataproxy answers an empty body
    assert sorted(posts) == ["/module/jpage/dataproxy.jsp?startrecord=16&endrecord=60&perpage=15",
                             "/module/web/jpage/dataproxy.jsp?startrecord=16&endrecord=60&perpage=15"]
    assert [re.search(r"page=(\d+)", p).group(1) for p in gets] == ["2", "3"]    # 33 records: pages 2 and 3
    static = sorted(p for m, p in paths if "pageNum=" in p)
    assert static == ["/col/col9005/index.html?uid=7905&pageNum=2", "/col/col9005/index.html?uid=7905&pageNum=3"]
    generic = sorted(p for m, p in paths if p.startswith(("/xwzx/", "/tzgg/")))
    assert generic == ["/tzgg/index.html", "/tzgg/index_2.html", "/tzgg/index_3.html", "/xwzx/list.html",
                       "/xwzx/list.html?page=2", "/xwzx/list.html?page=3"]


def test_jpaas_build_unit_paging_with_query_data(run):
    paths = [r["path"] for r in run["log0"]["jpaas"]["requests"] if "build/unit" in r["path"]]
    from urllib.parse import parse_qs, urlsplit

    got = []
    for p in paths:
        q = parse_qs(urlsplit(p).query)
        assert q["webId"] == ["f1b2c3d4e5a60718293a4b5c6d7e8f90"] and q["parseType"] == ["bulidstatic"]
        got.append((q["pageId"][0], json.loads(q["paramJson"][0])["pageNo"]))
    assert sorted(got) == [("1001", 1), ("1001", 2), ("1001", 3), ("1002", 1)]   # 37 records, 15 a page


def test_trs_index_n_pages(run):
    paths = sorted(r["path"] for r in run["log0"]["trs"]["requests"] if "/index_" in r["path"])
    assert paths == ["/zwgk/tzgg/index_1.html", "/zwgk/tzgg/index_2.html", "/zwgk/zcwj/index_1.html"]


# --- night 0: links ---------------------------------------------------------------------------------------

def test_links_checked_with_status_and_pages_carrying_them(run):
    x, u = run["x0"], run["urls"]
    rows = {(r["from_url"], r["to_url"]): r for r in db_rows(run["db0"], "select * from links")}
    base = u["trs"]
    for e in x["sites"]["trs"]["links"]:
        key = (base + e["from"], e["to"] if e["to"].startswith("http") else base + e["to"])
        if e.get("robots"):
            assert key not in rows        # robots.txt disallows it: not checked, not reported broken
            continue
        assert key in rows, key
        assert rows[key]["status"] == e["status"], (key, rows[key])
        if e["status"] is None:
            assert "refused" in rows[key]["error"].lower()
    kinds = {r["kind"] for r in rows.values()}
    assert kinds == {"internal", "attachment", "external"}
    # column pages' own links are checked too (navigation between columns)
    col = base + "/zwgk/tzgg/"
    assert rows[(col, base + "/zwgk/zcwj/")]["status"] == 200
    # links of other sites are not checked
    assert not [k for k in rows if not k[0].startswith(base)]
    s = run["r0"]["sites"]["bureau"]
    assert s["broken_links"] == 3 and s["links_not_checked"] == 1


def test_link_requests_head_then_get_each_once_and_robots_obeyed(run):
    ext = [(r["method"], r["path"]) for r in run["log0"]["external"]["requests"]]
    assert ext[0] == ("GET", "/robots.txt")
    assert sorted(ext[1:]) == [("GET", "/nohead.html"), ("HEAD", "/gone.html"), ("HEAD", "/nohead.html"),
                               ("HEAD", "/ok.html")]
    trs = run["log0"]["trs"]["requests"]
    assert trs[0]["path"] == "/robots.txt"
    assert not [r for r in trs if r["path"].startswith("/private/")]
    # an internal link target the crawl fetched anyway costs no extra request
    assert not [r for r in trs if r["method"] == "HEAD" and "/zwgk/tzgg/20" in r["path"]
                and not r["path"].endswith("t20190102_4000001.html")]
    counts: dict[str, int] = {}
    for r in trs:
        counts[r["method"] + r["path"]] = counts.get(r["method"] + r["path"], 0) + 1
    assert max(counts.values()) == 1     # every URL asked once in the night


# --- politeness -------------------------------------------------------------------------------------------

def test_identifying_user_agent_and_two_requests_per_host(run):
    for key in EXTRAS:
        log = run["log0"][key]
        assert log["requests"], key
        assert all(CONTACT in r["ua"] and r["ua"].startswith("zwgk/") for r in log["requests"]), key
        assert log["max_in_flight"] <= 2, (key, log["max_in_flight"])
    assert run["log0"]["quirks"]["max_in_flight"] == 2     # and it did use both


def test_sites_on_one_host_never_exceed_its_limit_together(run):
    r, log = run["r_shared"], run["log_shared"]
    assert r["status"] == "ok" and r["sites"]["city"]["new"] == 68 and r["sites"]["district"]["requests"] > 0
    events = sorted([(q["start"], 1) for q in log] + [(q["end"], -1) for q in log])
    now = most = 0
    for _, step in events:
        now += step
        most = max(most, now)
    assert most <= 2
    # one crawl after the other: all of the first site's requests end before the second's robots.txt
    robots = [i for i, q in enumerate(log) if q["path"] == "/robots.txt"]
    assert len(robots) == 2
    assert max(q["end"] for q in log[:robots[1]]) <= log[robots[1]]["start"]


def test_https_failing_falls_back_to_http(run):
    s = run["r_https"]["sites"]["province"]
    assert run["r_https"]["status"] == "ok" and s["new"] == 37 and s["scheme_fallbacks"] >= 1
    rows = db_rows(run["https_db"], "select url from documents")
    assert len(rows) == 37 and all(r["url"].startswith("http://") for r in rows)
    cols = {r["column_id"]: r["state"] for r in db_rows(run["https_db"], "select * from columns")}
    assert cols == {"1001": "normal", "1002": "blank"}


# --- discovery ----------------------------------------------------------------------------------------------

def test_sites_discover_prints_stanzas_with_platform_count_and_date(run):
    x = run["x0"]
    for key in ("quirks", "trs", "jpaas"):
        text, rows = run["discovered"][key]
        cols = x["sites"][key]["columns"]
        assert len(rows) == len(cols), key
        by_name = {r["name"]: r for r in rows}
        for c in cols:
            r = by_name[c["name"]]
            assert r["state"] == c["state"], (key, c["name"], r)
            assert r["url"].endswith(c["url"] if not c["url"].endswith("/") else c["url"])
            if c["state"] == "normal":
                assert (r["platform"], r["item_count"], r["last_item_date"]) == \
                       (c["platform"], c["count"], c["last_item_date"]), (key, c["name"])
            # one ready-to-paste line per column, with the facts in the comment above it
            assert re.search(r'- \{id: "%s", name: "%s", url: \S+, class: \S+\}' % (re.escape(r["id"]), re.escape(c["name"])),
                             text), (key, c["name"])
        assert f"platform: {dict(quirks='jcms', trs='trs', jpaas='jpaas')[key]}" in text
    text = run["discovered"]["trs"][0]
    assert "# 通知公告 — " in text and "platform trs, 47 items, last item 2020-12-29, normal" in text
    # the stanza is valid YAML that the configuration loader accepts
    import yaml

    body = "\n".join(l for l in text.splitlines() if not l.startswith("#"))
    site = yaml.safe_load("sites:\n" + body)["sites"]["SITE_KEY"]
    assert [c["id"] for c in site["columns"]] == ["zwgk/tzgg", "zwgk/zcwj", "zwgk/tjxx"]


# --- night 1: incremental -----------------------------------------------------------------------------------

def test_night1_incremental_finds_new_items_and_a_recent_item_that_left_its_list(run):
    x1, u = run["x1"], run["urls"]
    s = run["r1"]["sites"]
    assert s["bureau"]["new"] == 1 and s["province"]["new"] == 1 and s["city"]["new"] == 0
    left = [d for d in site_docs(x1, "trs") if not d["listed"]]
    assert len(left) == 2
    recent = max(left, key=lambda d: d["published"])
    rows = {r["url"]: r for r in db_rows(run["db1"], "select url, state, withdrawn_on from documents")}
    assert rows[u["trs"] + recent["url"]]["state"] == "withdrawn"      # its page still answers 200
    deep = min(left, key=lambda d: d["published"])
    assert rows[u["trs"] + deep["url"]]["state"] == "live"            # deep in an old list: not seen tonight
    assert s["bureau"]["withdrawn"] == 1
    cols = {(r["site"], r["column_id"]): r for r in db_rows(run["db1"], "select * from columns")}
    # the list that lost a recent item was walked to its end; the others stopped at a page of known items
    assert cols[("bureau", "zwgk/tzgg")]["walk"] == "full"
    assert cols[("bureau", "zwgk/zcwj")]["walk"] == "incremental"
    assert cols[("province", "1001")]["walk"] == "incremental" and cols[("province", "1001")]["item_count"] == 38
    for key in (("bureau", "zwgk/tzgg"), ("province", "1001")):
        assert cols[key]["last_item_date"] == "2020-12-31"
    # nothing but list pages and the new articles: no known article fetched again
    for k in ("bureau", "province"):
        assert s[k]["article_requests_recheck"] == 0 and s[k]["refetched"] == 0
    p = s["province"]
    # 1001: page 1 holds the new item, page 2 only known ones (stop); 1002 (blank): its one page
    assert p["list_requests"] == 3, p
    assert p["requests"] == p["robots_requests"] + 1 + 2 + p["list_requests"] + 1, p  # home, columns, lists, the new one


def test_night1_full_walk_finds_the_deep_item_that_left_its_list(run):
    x1, u = run["x1"], run["urls"]
    s = run["r1_full"]["sites"]["bureau"]
    assert s["withdrawn"] == 1 and s["walks_full"] == 3 and s["walks_incremental"] == 0
    deep = min((d for d in site_docs(x1, "trs") if not d["listed"]), key=lambda d: d["published"])
    row = db_rows(run["db"], "select state, withdrawn_on from documents where url = ?", [u["trs"] + deep["url"]])[0]
    assert row["state"] == "withdrawn" and row["withdrawn_on"]
    live = db_rows(run["db"], "select count(*) n from documents where site = 'bureau' and state = 'live'")[0]["n"]
    assert live == sum(1 for d in site_docs(x1, "trs") if d["listed"])


def test_sites_list_shows_platform_walk_and_sync(run):
    r = run_zwgk(["--config", str(run["db0"].parent / "zwgk.yaml"), "--db", str(run["db0"]), "sites", "list"],
                 cwd=run["db0"].parent)
    assert r.returncode == 0, r.stderr
    line = next(l for l in r.stdout.splitlines() if "zwgk/tzgg" in l)
    assert "通知公告" in line and "正常     [trs] 47条，最新 2020-12-29，全量遍历，全量同步于" in line
    line = next(l for l in r.stdout.splitlines() if l.strip().startswith("9001"))
    assert "无法核实" in line and "尚未全量同步" in line and "412" in line


# --- adapters and page helpers on synthetic pages (no server) ---------------------------------------------

def _resp(body: str, url: str):
    from scrapy.http import HtmlResponse

    return HtmlResponse(url, body=body.encode("utf-8"), encoding="utf-8")


def test_trs_pager_literal_arguments_and_shtml():
    from spiders.adapters import ListWalk, adapter_for

    page = ('<div class="bread">您现在的位置：<a href="/">首页</a> &gt; <a href="./">部门文件</a></div><ul>'
            '<li><a href="./202001/t20200102_77.shtml">甲</a><span>2020-01-02</span></li></ul>'
            '<script>createPageHTML(7, 0, "index", "shtml");</script>')
    resp = _resp(page, "http://h/zfxxgk/bmwj/index.shtml")
    ad = adapter_for(resp, "jcms")
    walk = ListWalk(site="x", column_id="bmwj", url=resp.url)
    ad.first(resp, walk)
    assert ad.name == "trs" and walk.state["count"] == 7 and not walk.complete
    assert [e.url for e in walk.entries.values()] == ["http://h/zfxxgk/bmwj/202001/t20200102_77.shtml"]
    assert ad.next_request(walk).url == "http://h/zfxxgk/bmwj/index_1.shtml"
    from spiders.pagelinks import breadcrumb_name

    assert breadcrumb_name(page) == "部门文件"


def test_jpaas_refusal_is_unverifiable_not_blank():
    from scrapy.http import TextResponse

    from spiders.adapters import ListWalk, adapter_for

    page = ('<meta name="ColumnName" content="经验做法"><div id="l" queryData="{\'webId\':\'w1\',\'tplSetId\':\'t1\','
            '\'tagId\':\'g1\'}"></div><script>$.get("/api-gateway/jpaas-publish-server/front/page/build/unit")</script>')
    resp = _resp(page, "http://h/col/col55/index.html")
    ad = adapter_for(resp, "jcms")
    walk = ListWalk(site="x", column_id="55", url=resp.url)
    ad.first(resp, walk)
    req = ad.next_request(walk)
    assert ad.name == "jpaas" and "pageId=55" in req.url and "webId=w1" in req.url and "tagId=g1" in req.url
    ad.more(TextResponse(req.url, body='{"success":false,"message":"参数错误"}'.encode(), encoding="utf-8"), walk)
    assert walk.failed and "success=false" in walk.failed and not walk.complete and not walk.entries


def test_column_candidates_and_ids():
    from spiders.pagelinks import column_candidates, column_id_for

    home = ('<a href="/col/col3301/index.html">工作动态</a><a href="/col/col3301/">重复</a>'
            '<a href="/zwgk/tzgg/">通知公告</a><a href="/art/2020/1/2/art_3301_9.html">文章</a>'
            '<a href="http://other.org/col/col1/">外站</a><a href="/module/search/index.jsp">搜索</a>'
            '<a href="/news/list.html">新闻</a><a href="/about.html">关于</a>')
    got = column_candidates(home, "http://h/index.html")
    assert [(c[1], c[2], c[3]) for c in got] == [("3301", "工作动态", True), ("zwgk/tzgg", "通知公告", False),
                                                 ("news/list", "新闻", False)]
    assert column_id_for("http://h/col/col42/index.html?uid=1&pageNum=2") == "42"
    assert column_id_for("http://h/tzgg/index_3.html") == "tzgg"


def test_jcms_page_that_says_get_is_asked_page_style():
    from spiders.adapters import ListWalk, adapter_for

    recs = "".join(f'<record><![CDATA[<li><a href="/art/2020/1/{i}/art_7_{i}.html">t{i}</a><span>2020-01-{i:02d}</span>'
                   f'</li>]]></record>' for i in range(1, 16))
    page = ('<script type="text/xml"><datastore><nextgroup><![CDATA[<a href="/module/jpage/dataproxy.jsp?page=1&appid=1'
            f'&webid=3&path=/&columnid=7&unitid=55&permissiontype=0"></a>]]></nextgroup><recordset>{recs}</recordset>'
            "</datastore></script><script>$('#d').jpage({type: 'get', totalRecord:40, perPage:15});</script>")
    resp = _resp(page, "http://h/col/col7/index.html")
    ad = adapter_for(resp, None)
    walk = ListWalk(site="x", column_id="7", url=resp.url)
    ad.first(resp, walk)
    req = ad.next_request(walk)
    assert ad.name == "jcms" and req.method == "GET"
    assert req.url.startswith("http://h/module/jpage/dataproxy.jsp?page=2&appid=1&webid=3&path=/&columnid=7&unitid=55")
