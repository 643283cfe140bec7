"""Only the configured sites, only http(s): list entries, body links, attachments, redirects and meta
refreshes pointing at another host or at file:// are recorded as external links and never requested;
a config naming another scheme or a column outside its site is refused in one line."""
from __future__ import annotations

import json

import pytest

from conftest import db_rows, run_zwgk
from faultserver import FaultServer, article_html, list_html, page, redirect, site_config

pytestmark = pytest.mark.reliability

SECRET = "SECRET-LOCAL-FILE-7d1e"


@pytest.fixture(scope="module")
def offsite_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("offsite")
    local = tmp / "art" / "2020" / "1" / "2"
    local.mkdir(parents=True)
    secret_file = local / "art_9_9.html"
    secret_file.write_text(article_html(f"本地文件{SECRET}", "2020-01-02", SECRET), encoding="utf-8")
    (tmp / "secret.docx").write_text(SECRET)
    with FaultServer({"/robots.txt": page("User-agent: *\nAllow: /\n", "text/plain")},
                     prefixes={"/": page(article_html(f"外站{SECRET}", "2020-01-03", SECRET))},
                     host="127.0.0.2") as other, FaultServer() as site:
        far = other.url
        entries = [
            ("/art/2020/3/1/art_1_1.html", "部门预算公开", "2020-03-01"),
            (f"file://{secret_file}", "本地文件", "2020-01-02"),
            (f"{far}/art/2020/1/3/art_8_8.html", "外站文章", "2020-01-03"),
            ("/art/2020/1/4/art_1_4.html", "跳转外站", "2020-01-04"),
            ("/art/2020/1/5/art_1_5.html", "刷新外站", "2020-01-05"),
            ("/art/2020/1/6/art_1_6.html", "跳转本地文件", "2020-01-06"),
        ]
        body_links = (f'<a href="{far}/art/2020/1/7/art_8_7.html">外站链接</a>'
                      f'<a href="file://{tmp}/secret.docx">本地附件</a>'
                      f'<a href="{far}/files/x.docx">外站附件.docx</a>'
                      '<a href="/art/2020/3/1/art_1_1.html">本站链接</a>')
        site.routes.update({
            "/robots.txt": page("User-agent: *\nAllow: /\n", "text/plain"),
            "/index.html": page(list_html([], title="首页")),
            "/col/c1/index.html": page(list_html(entries)),
            "/art/2020/3/1/art_1_1.html": page(article_html("部门预算公开", "2020-03-01", "本局2020年部门预算及说明如下，请查阅附件。" * 3, body_links)),
            "/art/2020/1/4/art_1_4.html": redirect(f"{far}/art/2020/1/4/art_8_4.html"),
            "/art/2020/1/5/art_1_5.html": page(article_html(
                "刷新外站", "2020-01-05", head=f'<meta http-equiv="refresh" content="0;url={far}/art/2020/1/5/x.html">')),
            "/art/2020/1/6/art_1_6.html": redirect(f"file://{secret_file}", 301),
        })
        cfg = site_config(tmp / "zwgk.yaml", site.url, [{"id": "c1", "url": "/col/c1/index.html"}])
        db = tmp / "zwgk.db"
        r = run_zwgk(["--config", cfg, "--db", str(db), "crawl", "--json", "--site", "bureau"], cwd=tmp, timeout=180)
        yield {"r": r, "db": db, "site": site, "other": other, "far": far, "tmp": tmp}


def test_nothing_outside_the_configured_sites_is_requested(offsite_run):
    r, other = offsite_run["r"], offsite_run["other"]
    assert r.returncode in (0, 1), r.stderr[-3000:]
    assert other.total == 0, other.log            # not even its robots.txt


def test_no_local_file_or_other_host_becomes_a_document(offsite_run):
    db = offsite_run["db"]
    docs = db_rows(db, "select url, title, body, attachments, attachment_text from documents")
    assert docs, offsite_run["r"].stderr[-3000:]
    assert all(d["url"].startswith(offsite_run["site"].url + "/") for d in docs), [d["url"] for d in docs]
    for d in docs:
        assert SECRET not in json.dumps(d, ensure_ascii=False)
    budget = [d for d in docs if d["title"] == "部门预算公开"]
    assert len(budget) == 1
    atts = json.loads(budget[0]["attachments"])
    far = [a for a in atts if a["url"].startswith(offsite_run["far"])]
    assert far and all(a["status"] == "external" and not a.get("text") for a in far)


def test_offsite_links_are_recorded_as_external_not_fetched(offsite_run):
    links = db_rows(offsite_run["db"], "select to_url, status, error, kind from links")
    far = offsite_run["far"]
    external = {lk["to_url"]: lk for lk in links if lk["kind"] == "external"}
    assert f"{far}/art/2020/1/7/art_8_7.html" in external            # body link
    assert f"{far}/art/2020/1/3/art_8_8.html" in external            # list entry on another host
    for lk in external.values():
        assert lk["status"] is None and "not checked" in (lk["error"] or "")
    assert not [lk for lk in links if lk["to_url"].startswith("file:") and lk["kind"] != "external"]


def _config(tmp_path, bureau: str) -> str:
    p = tmp_path / "zwgk.yaml"
    p.write_text("contact: a@example.org\nsites:\n  bureau:\n    name: 局\n" + bureau + "units: [{name: 办公室}]\n",
                 encoding="utf-8")
    return str(p)


@pytest.mark.parametrize("bureau, field, line, words", [
    ("    base_url: ftp://127.0.0.1/\n", "sites.bureau.base_url", 5, "only http:// and https://"),
    ("    base_url: file:///etc\n", "sites.bureau.base_url", 5, "only http:// and https://"),
    ("    base_url: http://127.0.0.1:8000\n    start_url: file:///etc/passwd\n", "sites.bureau.start_url", 6,
     "only http:// and https://"),
    ("    base_url: http://127.0.0.1:8000\n    start_url: http://127.0.0.1:9000/index.html\n",
     "sites.bureau.start_url", 6, "outside its site"),
    ("    base_url: http://127.0.0.1:8000\n    columns:\n      - {id: '1', url: 'ftp://127.0.0.1:8000/x'}\n",
     "sites.bureau.columns[0].url", 7, "only http:// and https://"),
    ("    base_url: http://127.0.0.1:8000\n    columns:\n      - {id: '1', url: 'http://evil.example/col/1'}\n",
     "sites.bureau.columns[0].url", 7, "outside its site"),
    ("    base_url: http://127.0.0.1:8000\n    columns:\n      - {id: '1', url: '//evil.example/col/1'}\n",
     "sites.bureau.columns[0].url", 7, "outside its site"),
])
def test_config_refuses_other_schemes_and_other_hosts(tmp_path, bureau, field, line, words):
    cfg = _config(tmp_path, bureau)
    r = run_zwgk(["--config", cfg, "--db", str(tmp_path / "z.db"), "crawl"], cwd=tmp_path, timeout=60)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert f"{cfg}:{line}: {field}: " in lines[0] and words in lines[0], lines[0]


def test_config_accepts_relative_and_same_site_columns(tmp_path):
    from crawler.config import load_config

    cfg = _config(tmp_path, "    base_url: http://www.example.org\n    columns:\n"
                  "      - {id: '1', url: '/col/col1/index.html'}\n"
                  "      - {id: '2', url: 'https://example.org/col/col2/index.html'}\n")
    site = load_config(cfg).sites["bureau"]
    assert [c.url for c in site.columns] == ["/col/col1/index.html", "https://example.org/col/col2/index.html"]


def test_guard_refuses_requests_it_was_never_configured_for():
    """The downloader middleware is the last line: a request the spider did not filter never leaves."""
    from types import SimpleNamespace

    from scrapy import Request
    from scrapy.utils.test import get_crawler

    from crawler.allowlist import SiteAllowList
    from spiders.guard import OffSiteRequest, SiteGuardMiddleware

    crawler = get_crawler()
    crawler.spider = SimpleNamespace(config=None)
    mw = SiteGuardMiddleware(crawler)
    mw._allow = SiteAllowList(["http://www.example.org"])
    assert mw.process_request(Request("https://example.org/robots.txt")) is None
    assert mw.process_request(Request("http://www.example.org:80/a")) is None
    for url in ("file:///etc/passwd", "http://example.org:8080/a", "http://evil.example/a",
                "https://example.org.evil.example/", "ftp://example.org/"):
        with pytest.raises(OffSiteRequest):
            mw.process_request(Request(url))


def test_links_never_checked_prove_nothing(tmp_path):
    """A page whose only links lie outside the configured sites (or still wait for their check) has had
    no link checked: the links check is unverifiable, not met."""
    from crawler.store import Store

    cfg = _config(tmp_path, "    base_url: http://127.0.0.1:1\n")
    plan = tmp_path / "plan.yaml"
    plan.write_text("""\
year: 2020
title: 链接
sections:
  - title: 一
    tasks:
      - number: 1
        title: 网站
        requirements:
          - id: "1.1"
            text: 链接有效。
            units: [办公室]
            checks:
              - {name: 链接, kind: links, params: {attachments: false}}
""", encoding="utf-8")
    db = tmp_path / "z.db"
    page_url = "http://127.0.0.1:1/art/2020/3/1/art_1_1.html"
    with Store(db) as s:
        s.upsert_document({"url": page_url, "site": "bureau", "column_id": "1", "title": "页面",
                           "published": "2020-03-01", "body": "正文", "attachments": []})
        s.record_links([{"from_url": page_url, "to_url": "http://evil.example/x", "status": None,
                         "error": "not checked: outside the configured sites", "kind": "external"},
                        {"from_url": page_url, "to_url": "http://127.0.0.1:1/y.html", "status": None,
                         "error": "pending", "kind": "internal"}])
    r = run_zwgk(["--config", cfg, "--db", str(db), "check", "--as-of", "2020-12-31", "--json", "--plan", str(plan)],
                 cwd=tmp_path, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    assert json.loads(r.stdout)[0]["status"] == "unverifiable"
