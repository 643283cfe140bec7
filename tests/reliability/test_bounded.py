"""Bounded work: a zip-bomb .docx, a parser that eats memory or CPU, a 50 MB page, a YAML alias bomb, an
endless list and a list that repeats itself all end quickly with a clear record, and the crawl goes on."""
from __future__ import annotations

import io
import json

import pytest

from conftest import db_rows, run_zwgk
from faultserver import (FaultServer, article_html, big, endless_list, list_html, page, redirect, site_config,
                         zip_bomb_docx)

pytestmark = pytest.mark.reliability

LONG = "本局依照规定公开相关信息，具体内容如下，请各单位认真学习并抓好落实。" * 3
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _docx(text: str) -> bytes:
    import docx

    d = docx.Document()
    d.add_paragraph(text)
    b = io.BytesIO()
    d.save(b)
    return b.getvalue()


@pytest.fixture(scope="module")
def bounded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bounded")
    c1 = [("/art/2020/6/1/art_1_1.html", "附件为压缩炸弹", "2020-06-01"),
          ("/art/2020/6/2/art_1_2.html", "超大页面", "2020-06-02"),
          ("/art/2020/6/3/art_1_3.html", "正常附件", "2020-06-03"),
          ("/art/2020/6/4/art_1_4.html", "编码错误", "2020-06-04"),
          ("/art/2020/6/5/art_1_5.html", "重定向循环", "2020-06-05")]
    repeat = list_html([("/art/2020/7/1/art_4_1.html", "重复列表", "2020-07-01")], next_url="/col/rep/index_2.html")
    gbk = article_html("编码错误的页面", "2020-06-04", LONG).replace('charset="utf-8"', 'charset="gbk"').encode("gbk")
    with FaultServer(prefixes={"/col/endless/": endless_list(),
                               "/art/2020/1/1/": page(article_html("无尽列表条目", "2020-01-01", LONG))}) as site:
        site.routes.update({
            "/robots.txt": page("User-agent: *\nAllow: /\n", "text/plain"),
            "/col/c1/index.html": page(list_html(c1)),
            "/art/2020/6/1/art_1_1.html": page(article_html("附件为压缩炸弹", "2020-06-01", LONG,
                                                            '<a href="/files/bomb.docx">预算表.docx</a>')),
            "/files/bomb.docx": page(zip_bomb_docx(1 << 30), DOCX),
            "/art/2020/6/2/art_1_2.html": big(50 * 1024 * 1024),
            "/art/2020/6/3/art_1_3.html": page(article_html("正常附件", "2020-06-03", LONG,
                                                            '<a href="/files/ok.docx">说明.docx</a>')),
            "/files/ok.docx": page(_docx("部门预算附件正文"), DOCX),
            "/art/2020/6/4/art_1_4.html": page(gbk, "text/html; charset=utf-8"),   # the header lies
            "/art/2020/6/5/art_1_5.html": redirect("/art/2020/6/5/art_1_5b.html"),
            "/art/2020/6/5/art_1_5b.html": redirect("/art/2020/6/5/art_1_5.html"),
            "/col/rep/index.html": page(repeat),
            "/col/rep/index_2.html": page(repeat.replace("index_2", "index_3")),
            "/col/rep/index_3.html": page(repeat.replace("index_2", "index_4")),
            "/art/2020/7/1/art_4_1.html": page(article_html("重复列表", "2020-07-01", LONG)),
        })
        cols = [{"id": "c1", "url": "/col/c1/index.html"}, {"id": "endless", "url": "/col/endless/index.html"},
                {"id": "rep", "url": "/col/rep/index.html"}]
        cfg = site_config(tmp / "zwgk.yaml", site.url, cols, crawl={"max_list_pages": 20})
        db = tmp / "zwgk.db"
        r = run_zwgk(["--config", cfg, "--db", str(db), "crawl", "--json", "--site", "bureau"], cwd=tmp, timeout=300)
        yield {"r": r, "db": db, "site": site, "hits": dict(site.hits)}


def _doc(bounded, title):
    rows = db_rows(bounded["db"], "select * from documents where title = ?", [title])
    assert len(rows) == 1, (title, bounded["r"].stderr[-3000:])
    return rows[0]


def test_crawl_finishes_with_every_readable_document(bounded):
    r = bounded["r"]
    assert r.returncode in (0, 1), r.stderr[-3000:]
    s = json.loads(r.stdout)["sites"]["bureau"]
    assert s["finish_reason"] == "finished"
    titles = {d["title"] for d in db_rows(bounded["db"], "select title from documents")}
    assert {"附件为压缩炸弹", "正常附件", "编码错误的页面", "重复列表"} <= titles


def test_zip_bomb_attachment_is_refused_unread(bounded):
    att = json.loads(_doc(bounded, "附件为压缩炸弹")["attachments"])[0]
    assert att["status"] == "unreadable" and "zip bomb" in att["error"] and not att.get("text")
    ok = json.loads(_doc(bounded, "正常附件")["attachments"])[0]
    assert ok["status"] == "ok" and "部门预算附件正文" in ok["text"]      # the sandbox reads normal files


def test_oversized_page_fails_and_is_named(bounded):
    s = json.loads(bounded["r"].stdout)["sites"]["bureau"]
    failed = {f["url"] for f in s["failed_pages"]}
    assert bounded["site"].url + "/art/2020/6/2/art_1_2.html" in failed
    assert bounded["site"].url + "/art/2020/6/5/art_1_5.html" in failed     # a redirect loop is a failure too


def test_wrong_charset_header_is_overruled_by_the_page(bounded):
    assert "依照规定公开" in _doc(bounded, "编码错误的页面")["body"]


def test_endless_list_is_capped(bounded):
    hits = bounded["hits"]
    pages = [p for p in hits if p.startswith("/col/endless/")]
    assert len(pages) <= 20
    col = db_rows(bounded["db"], "select state, reason from columns where column_id = 'endless'")[0]
    assert col["state"] == "unverifiable" and "max_list_pages" in col["reason"]


def test_repeated_list_page_stops_the_walk(bounded):
    hits = bounded["hits"]
    assert hits["/col/rep/index_2.html"] >= 1 and hits.get("/col/rep/index_3.html", 0) == 0
    col = db_rows(bounded["db"], "select state, reason from columns where column_id = 'rep'")[0]
    assert col["state"] == "unverifiable" and "repeats" in col["reason"], col


def test_sandbox_memory_and_cpu_limits_end_the_file_not_the_crawl():
    from faultserver import zip_bomb_docx as bomb
    from spiders.sandbox import SandboxedExtractor

    heavy = bomb(150 << 20, paragraphs=True)    # under the zip cap: millions of paragraphs to parse
    ex = SandboxedExtractor(memory=400 << 20)
    try:
        text, error = ex.text(heavy, "docx")
        assert text is None and error
    finally:
        ex.close()
    ex = SandboxedExtractor(cpu=1)
    try:
        text, error = ex.text(heavy, "docx")
        assert text is None and "resource limit" in error and ex.killed == 1
        assert ex.text(_docx("限时之后仍可读取"), "docx") == ("限时之后仍可读取", None)   # restarted
    finally:
        ex.close()


def test_the_spiders_of_one_process_share_one_sandbox_and_its_limits_count_per_file():
    # a Redis worker runs one crawler per site: one child reads every site's files (one import of the
    # parsers), a file over the limits is counted for the spider that sent it, the last release ends it
    from faultserver import zip_bomb_docx as bomb
    from spiders.sandbox import SharedSandbox

    first, second = SharedSandbox.acquire(), SharedSandbox.acquire()
    assert first is second
    first.extractor.cpu = 1
    try:
        assert first.read(_docx("第一个站点的附件"), "docx").result(60) == ("第一个站点的附件", None, False)
        child = first.extractor.proc
        assert second.read(_docx("第二个站点的附件"), "docx").result(60) == ("第二个站点的附件", None, False)
        assert second.extractor.proc is child and child.poll() is None
        text, error, over = second.read(bomb(150 << 20, paragraphs=True), "docx").result(120)
        assert text is None and "resource limit" in error and over is True
        assert first.read(_docx("限时之后"), "docx").result(60) == ("限时之后", None, False)
        child = first.extractor.proc
    finally:
        first.release()
    assert child.poll() is None            # still used by the second spider
    assert SharedSandbox.acquire() is second
    second.release()
    second.release()
    assert child.poll() is not None        # closed with the last user
    third = SharedSandbox.acquire()
    try:
        assert third is not second and third.read(_docx("新的一夜"), "docx").result(60) == ("新的一夜", None, False)
    finally:
        third.release()


BOMB = """\
a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_yaml_alias_bomb_in_the_config_is_refused(tmp_path):
    cfg = tmp_path / "zwgk.yaml"
    cfg.write_text("contact: a@example.org\n" + BOMB + "sites: {bureau: {name: x, base_url: 'http://127.0.0.1:1'}}\n"
                   "units: [{name: 办公室}]\n", encoding="utf-8")
    r = run_zwgk(["--config", str(cfg), "--db", str(tmp_path / "z.db"), "crawl"], cwd=tmp_path, timeout=60)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{cfg}:" in lines[0] and "aliases" in lines[0], r.stderr[-2000:]


def test_yaml_alias_bomb_in_a_catalogue_is_refused(tmp_path):
    from crawler.yamlnodes import compose

    with pytest.raises(Exception) as e:
        compose("year: 2020\n" + BOMB)
    assert "aliases" in str(getattr(e.value, "problem", e.value))
