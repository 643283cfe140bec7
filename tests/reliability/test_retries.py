"""Retries on the same URL first (with back-off), then the scheme fallback: a reset or a timeout once on
http is retried on http and the page is kept; the other scheme is tried only when the retries are used up."""
from __future__ import annotations

import json

import pytest

from conftest import db_rows, run_zwgk
from faultserver import FaultServer, article_html, flaky, hang, list_html, page, site_config

pytestmark = pytest.mark.reliability

LONG = "本局依照规定公开相关信息，具体内容如下，请各单位认真学习并抓好落实。" * 3


def test_transient_failures_are_retried_on_the_same_url_before_any_fallback(tmp_path):
    entries = [("/art/2020/5/1/art_1_1.html", "重置一次", "2020-05-01"),
               ("/art/2020/5/2/art_1_2.html", "超时一次", "2020-05-02"),
               ("/art/2020/5/3/art_1_3.html", "重置两次", "2020-05-03")]
    with FaultServer() as site:
        site.routes.update({
            "/robots.txt": page("User-agent: *\nAllow: /\n", "text/plain"),
            "/col/c1/index.html": flaky(1, page(list_html(entries))),
            "/art/2020/5/1/art_1_1.html": flaky(1, page(article_html("重置一次", "2020-05-01", LONG))),
            "/art/2020/5/2/art_1_2.html": flaky(1, page(article_html("超时一次", "2020-05-02", LONG)), fail=hang(6)),
            "/art/2020/5/3/art_1_3.html": flaky(2, page(article_html("重置两次", "2020-05-03", LONG))),
        })
        cfg = site_config(tmp_path / "zwgk.yaml", site.url, [{"id": "c1", "url": "/col/c1/index.html"}])
        db = tmp_path / "zwgk.db"
        r = run_zwgk(["--config", cfg, "--db", str(db), "crawl", "--json", "--site", "bureau",
                      "-s", "DOWNLOAD_TIMEOUT=2"], cwd=tmp_path, timeout=180)
        hits = dict(site.hits)
    assert r.returncode == 0, r.stderr[-3000:]
    s = json.loads(r.stdout)["sites"]["bureau"]
    assert s["scheme_fallbacks"] == 0 and s["failed_pages"] == [] and s["new"] == 3
    titles = {d["title"] for d in db_rows(db, "select title from documents")}
    assert titles == {"重置一次", "超时一次", "重置两次"}
    assert hits["/col/c1/index.html"] == 2 and hits["/art/2020/5/3/art_1_3.html"] == 3


def test_fallback_middleware_sits_after_the_retries():
    """process_exception runs from the highest number down: the retries must see an exception first."""
    from scrapy.settings import Settings

    s = Settings()
    s.setmodule("crawler.settings", priority="project")
    mws = s.getdict("DOWNLOADER_MIDDLEWARES")
    assert mws["spiders.middlewares.SchemeFallbackMiddleware"] < mws["spiders.middlewares.BackoffRetryMiddleware"]
