"""A bureau that sits under a path on a district portal (``http://host/jtj/``): discovery and crawling
keep the prefix everywhere. The replica's opt-in ``subsite`` serves the main world's bureau under /jtj/
(replica/subsite.py); its unprefixed paths answer 404, as on a real portal."""
from __future__ import annotations

import json
import re

import pytest
import yaml

from conftest import db_rows, run_zwgk
from replica import ReplicaServer
from spiders.discover import Column, problems
from spiders.pagelinks import column_candidates, column_url


@pytest.fixture(scope="module")
def portal():
    with ReplicaServer(seed=1, scale=0.1, extra_sites=("subsite",)) as r:
        bureau = r.manifest["sites"]["bureau"]
        docs = [d for d in r.manifest["documents"] if d["site"] == "bureau"]
        yield {"host": r.extra_urls["subsite"], "columns": bureau["columns"], "docs": docs}


def _config(path, site_yaml: str):
    path.write_text("\n".join([
        "contact: zwgk-test@example.org",
        "bureau_aliases: [兖州区教育和体育局, 济宁市兖州区教育和体育局]",
        "paths: {data: var}",
        "sites:",
        site_yaml.rstrip(),
        "units: [{name: 办公室}]",
        "crawl: {concurrency_per_host: 8, download_delay: 0, autothrottle: false, obey_robots: true}",
    ]) + "\n", encoding="utf-8")
    return path


def _crawled(portal, tmp_path, cfg):
    db = tmp_path / "db.sqlite"
    r = run_zwgk(["--config", str(cfg), "--db", str(db), "crawl", "--site", "bureau", "--json"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    stats = json.loads(r.stdout)["sites"]["bureau"]
    urls = [row["url"] for row in db_rows(db, "select url from documents")]
    cols = {row["column_id"]: row["state"] for row in db_rows(db, "select column_id, state from columns")}
    return stats, urls, cols


def _check_crawl(portal, stats, urls, cols):
    prefix = portal["host"] + "/jtj/art/"
    assert stats["new"] == len(portal["docs"]) and stats["errors"] == 0
    assert sorted(urls) == sorted(portal["host"] + "/jtj" + d["url"] for d in portal["docs"])
    assert all(u.startswith(prefix) for u in urls)
    assert cols == {c["id"]: ("normal" if c["count"] else "blank") for c in portal["columns"]}
    assert stats["columns_unverifiable"] == 0


def test_discover_keeps_the_prefix_and_its_stanza_crawls(portal, tmp_path):
    r = run_zwgk(["sites", "discover", portal["host"] + "/jtj/", "--key", "bureau", "--delay", "0"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    site = yaml.safe_load("sites:\n" + r.stdout)["sites"]["bureau"]
    assert site["base_url"] == portal["host"] + "/jtj"
    assert {c["id"] for c in site["columns"]} == {c["id"] for c in portal["columns"]}
    for c in site["columns"]:
        assert column_url(site["base_url"], c["id"], c["url"]) == f"{portal['host']}/jtj/col/col{c['id']}/index.html"
    # the portal's own links (/zwgk/) are not the bureau's columns
    assert "/zwgk/" not in r.stdout.split("columns:")[1]
    _check_crawl(portal, *_crawled(portal, tmp_path, _config(tmp_path / "c.yaml", r.stdout)))


def test_crawl_from_the_subsite_home_keeps_the_prefix(portal, tmp_path):
    cfg = _config(tmp_path / "c.yaml", f"  bureau:\n    name: 教体局\n    base_url: {portal['host']}/jtj/\n"
                                       "    platform: jcms\n")
    _check_crawl(portal, *_crawled(portal, tmp_path, cfg))


def test_discover_on_a_column_page_prints_that_column(portal, tmp_path):
    col = next(c for c in portal["columns"] if c["id"] == "3305")
    r = run_zwgk(["sites", "discover", f"{portal['host']}/jtj/col/col3305/index.html", "--json", "--delay", "0"],
                 cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [(x["id"], x["name"], x["item_count"], x["state"]) for x in rows] == \
           [("3305", col["name"], col["count"], "normal")]
    assert rows[0]["base_url"] == portal["host"] + "/jtj" and rows[0]["crawlable"] is True


def test_discover_exits_nonzero_when_what_it_prints_cannot_be_crawled(portal, tmp_path):
    # the column without its prefix: a 404 on this portal
    r = run_zwgk(["sites", "discover", f"{portal['host']}/col/col3305/index.html", "--delay", "0"], cwd=tmp_path)
    assert r.returncode == 1 and "404" in r.stderr
    site = {"base_url": "http://h/jtj"}
    gone = Column(id="1", name="a", url="http://h/jtj/col/col1/index.html", reason="column page answered HTTP 404")
    ok = Column(id="2", name="b", url="http://h/jtj/col/col2/index.html", state="normal")
    elsewhere = Column(id="3", name="c", url="http://h/col/col3/index.html", state="normal")
    assert problems(site, [gone, ok]) == []
    assert problems(site, [gone]) and "no column page answered" in problems(site, [gone])[0]
    assert problems(site, [ok, elsewhere]) == []     # printed as an absolute URL: it resolves to itself


def test_column_links_keep_the_prefix_and_stay_under_it():
    page = ('<a href="/jtj/col/col3301/index.html">工作动态</a><a href="/zwgk/tzgg/">区政府公告</a>'
            '<a href="/jtj/zwgk/tzgg/">通知公告</a><a href="/jtj/index.html">首页</a>')
    got = column_candidates(page, "http://h/jtj/index.html", prefix="/jtj/")
    assert [(u, cid, strong) for u, cid, _, strong in got] == [
        ("http://h/jtj/col/col3301/index.html", "3301", True), ("http://h/jtj/zwgk/tzgg/", "zwgk/tzgg", False)]
    assert column_url("http://h/jtj", "3301") == "http://h/jtj/col/col3301/index.html"
    assert column_url("http://h/jtj", "x", "/col/col9/") == "http://h/jtj/col/col9/"
    assert column_url("http://h/jtj", "x", "/jtj/col/col9/") == "http://h/jtj/col/col9/"
    assert column_url("http://h", "x", "/zwgk/tzgg/") == "http://h/zwgk/tzgg/"
    assert re.match(r"^http://o/", column_url("http://h/jtj", "x", "http://o/list.html"))


def test_site_base_of_a_start_page_keeps_its_directory():
    from scrapy.http import HtmlResponse

    from spiders.discover import site_base

    def base(url, column=False, body=b"<html></html>"):
        return site_base(HtmlResponse(url, body=body, encoding="utf-8"), column)

    assert [base(u) for u in ("http://h/jtj", "http://h/jtj/", "http://h/jtj/index.html", "http://h/", "http://h")] == \
           ["http://h/jtj", "http://h/jtj", "http://h/jtj", "http://h", "http://h"]
    assert base("http://h/jtj/col/col3305/index.html", True) == "http://h/jtj"
    # a generic column page: the site is where its 首页 link points
    page = '<div class="crumb"><a href="/jtj/index.html">首页</a> &gt; 通知公告</div>'.encode()
    assert base("http://h/jtj/zwgk/tzgg/index.html", True, page) == "http://h/jtj"
