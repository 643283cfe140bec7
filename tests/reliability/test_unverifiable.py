"""Unverifiable, not gap: pages that failed to load after their retries (5xx, hang, reset, truncated)
and failed column lists make the checks resting on them unverifiable, naming the failed addresses; a
column read completely still gives an honest gap. Crawl and check end to end against the fault server."""
from __future__ import annotations

import json

import pytest

from conftest import db_rows, run_zwgk
from faultserver import (FaultServer, article_html, hang, list_html, page, reset, site_config, status,
                         truncated)

pytestmark = pytest.mark.reliability

LONG = "本局依照规定公开相关信息，具体内容如下，请各单位认真学习并抓好落实。" * 3

CATALOGUE = """\
year: 2020
title: 故障测试要点
sections:
  - title: 一、测试
    tasks:
      - number: 1
        title: 测试任务
        requirements:
          - id: "1.1"
            text: 公开部门预算。
            units: [计财科]
            checks:
              - {name: 部门预算, kind: presence, params: {what: 部门预算, match: {all: [部门预算]}}}
          - id: "1.2"
            text: 公开招生政策。
            units: [办公室]
            checks:
              - {name: 招生政策, kind: presence, params: {what: 招生政策, match: {all: [招生政策], column: [c1]}}}
          - id: "1.3"
            text: 公开学区划分。
            units: [办公室]
            checks:
              - {name: 学区划分, kind: presence, params: {what: 学区划分, match: {all: [学区划分], column: [c3]}}}
          - id: "1.4"
            text: 公开校车信息。
            units: [办公室]
            checks:
              - {name: 校车信息, kind: presence, params: {what: 校车信息, match: {all: [校车], column: [c2, c3]}}}
"""


@pytest.fixture(scope="module")
def faulty(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("unverifiable")
    c1 = [("/art/2020/3/1/art_1_1.html", "2020年部门预算", "2020-03-01"),      # 500 every time
          ("/art/2020/3/2/art_1_2.html", "工作动态一", "2020-03-02"),          # fine
          ("/art/2020/3/3/art_1_3.html", "通知三", "2020-03-03"),              # hangs past the timeout
          ("/art/2020/3/4/art_1_4.html", "通知四", "2020-03-04"),              # connection reset
          ("/art/2020/3/5/art_1_5.html", "通知五", "2020-03-05")]              # truncated body
    c3 = [("/art/2020/4/1/art_3_1.html", "工作动态三", "2020-04-01")]
    with FaultServer() as site:
        site.routes.update({
            "/robots.txt": page("User-agent: *\nAllow: /\n", "text/plain"),
            "/col/c1/index.html": page(list_html(c1)),
            "/col/c2/index.html": status(503),
            "/col/c3/index.html": page(list_html(c3)),
            "/art/2020/3/1/art_1_1.html": status(500),
            "/art/2020/3/2/art_1_2.html": page(article_html("工作动态一", "2020-03-02", LONG)),
            "/art/2020/3/3/art_1_3.html": hang(20),
            "/art/2020/3/4/art_1_4.html": reset(),
            "/art/2020/3/5/art_1_5.html": truncated(article_html("通知五", "2020-03-05", LONG)),
            "/art/2020/4/1/art_3_1.html": page(article_html("工作动态三", "2020-04-01", LONG)),
        })
        cfg = site_config(tmp / "zwgk.yaml", site.url, [{"id": c, "name": f"栏目{c}", "url": f"/col/{c}/index.html"}
                                                       for c in ("c1", "c2", "c3")])
        (tmp / "plan.yaml").write_text(CATALOGUE, encoding="utf-8")
        db = tmp / "zwgk.db"
        crawl = run_zwgk(["--config", cfg, "--db", str(db), "crawl", "--json", "--site", "bureau",
                          "-s", "DOWNLOAD_TIMEOUT=2"], cwd=tmp, timeout=240)
        check = run_zwgk(["--config", cfg, "--db", str(db), "check", "--as-of", "2020-12-31", "--json",
                          "--plan", str(tmp / "plan.yaml")], cwd=tmp, timeout=120)
        yield {"site": site, "crawl": crawl, "check": check, "db": db, "hits": dict(site.hits)}


def _findings(faulty) -> dict[str, dict]:
    assert faulty["check"].returncode == 0, faulty["check"].stderr[-3000:]
    return {f["requirement"]: f for f in json.loads(faulty["check"].stdout)}


def test_failed_pages_were_retried_then_recorded(faulty):
    hits = faulty["hits"]
    assert hits["/art/2020/3/1/art_1_1.html"] == 3          # first try + RETRY_TIMES (2)
    assert hits["/art/2020/3/4/art_1_4.html"] >= 3
    run = json.loads(faulty["crawl"].stdout)
    failed = {f["url"] for f in run["sites"]["bureau"]["failed_pages"]}
    base = faulty["site"].url
    assert {base + "/art/2020/3/1/art_1_1.html", base + "/art/2020/3/3/art_1_3.html",
            base + "/art/2020/3/4/art_1_4.html", base + "/col/c2/index.html"} <= failed


def test_failed_article_makes_the_check_unverifiable_not_gap(faulty):
    f = _findings(faulty)["1.1"]
    assert f["status"] == "unverifiable", f
    assert faulty["site"].url + "/art/2020/3/1/art_1_1.html" in f["message"]


def test_failed_pages_of_the_checked_column_make_it_unverifiable(faulty):
    f = _findings(faulty)["1.2"]
    assert f["status"] == "unverifiable", f
    assert "/art/2020/3/4/art_1_4.html" in f["message"] or "/art/2020/3/1/art_1_1.html" in f["message"]


def test_a_column_read_completely_still_gives_a_gap(faulty):
    f = _findings(faulty)["1.3"]
    assert f["status"] == "gap", f


def test_any_failed_column_list_makes_checks_on_it_unverifiable(faulty):
    f = _findings(faulty)["1.4"]
    assert f["status"] == "unverifiable", f
    assert faulty["site"].url + "/col/c2/index.html" in f["message"]


def test_the_check_run_counts_what_failed_pages_made_unverifiable(faulty):
    _findings(faulty)
    runs = db_rows(faulty["db"], "select stats from runs where kind = 'check' order by id desc limit 1")
    stats = json.loads(runs[0]["stats"])
    assert stats["failed_pages"]["unverifiable"] == 3
    assert faulty["site"].url + "/art/2020/3/1/art_1_1.html" in stats["failed_pages"]["urls"]


def test_the_office_summary_says_pages_failed(faulty, tmp_path):
    import email
    import email.policy

    _findings(faulty)
    tmp = faulty["db"].parent
    r = run_zwgk(["--config", str(tmp / "zwgk.yaml"), "--db", str(faulty["db"]), "mail", "--dry-run",
                  "--plan", str(tmp / "plan.yaml")], cwd=tmp, timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    summaries = list((tmp / "var" / "outbox").rglob("*.eml"))
    texts = []
    for p in summaries:
        msg = email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        subject = str(msg["Subject"])
        if "汇总" in subject:
            texts.append(msg.get_body(("plain",)).get_content())
    assert len(texts) == 1, [str(p) for p in summaries]
    assert "页面读取失败：3 项检查" in texts[0]
    assert faulty["site"].url + "/art/2020/3/1/art_1_1.html" in texts[0]
