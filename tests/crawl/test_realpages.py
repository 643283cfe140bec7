"""Real-page regression set: every page under shared/realpages/ annotated in its expected.json, and the
pages in other template styles under tests/fixtures/pages/ (same format), through ``extract``.

Pages are read as bytes (several are GBK or declare nothing). Fields not annotated are not checked;
``publisher_contains`` is a substring of the publisher; attachments are compared by URL, in order.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from spiders.extract import extract

HERE = Path(__file__).resolve().parent
REAL = Path(os.environ.get("ZWGK_REALPAGES", HERE.parents[2] / "shared" / "realpages"))
if not (REAL / "expected.json").is_file():
    REAL = Path("/work/shared/realpages")
OWN = HERE.parent / "fixtures" / "pages"
FIELDS = ("title", "published", "index_no", "doc_no", "source")


def _cases(folder: Path):
    path = folder / "expected.json"
    if not path.is_file():
        return []
    return [pytest.param(folder, name, exp, id=f"{folder.name}/{name}")
            for name, exp in json.loads(path.read_text(encoding="utf-8")).items()]


def _page_bytes(folder: Path, name: str, exp: dict) -> bytes:
    data = (folder / name).read_bytes()
    encode = exp.get("encode")
    if encode:   # own pages are stored as UTF-8 text; the test serves them the way the case says
        text = data.decode("utf-8")
        if encode == "gbk-undeclared":
            text = text.replace('<meta charset="utf-8">', "")
        data = text.encode("gbk")
    return data


def check(result: dict, exp: dict) -> list[str]:
    """The annotated fields *result* gets wrong, as readable lines (empty: all right)."""
    wrong = []
    for key in FIELDS:
        if key in exp and result.get(key) != exp[key]:
            wrong.append(f"{key}: {result.get(key)!r} != {exp[key]!r}")
    if "publisher_contains" in exp and exp["publisher_contains"] not in (result.get("publisher") or ""):
        wrong.append(f"publisher: {result.get('publisher')!r} lacks {exp['publisher_contains']!r}")
    if "attachments" in exp:
        want = [a["url"] if isinstance(a, dict) else a for a in exp["attachments"]]
        got = [a["url"] for a in result.get("attachments") or []]
        if got != want:
            wrong.append(f"attachments: {got} != {want}")
    for text in exp.get("body_contains", []):
        if text not in result.get("body", ""):
            wrong.append(f"body lacks {text!r}")
    for text in exp.get("body_excludes", []):
        if text in result.get("body", ""):
            wrong.append(f"body has {text!r}")
    return wrong


@pytest.mark.skipif(not (REAL / "expected.json").is_file(), reason="shared/realpages not present")
@pytest.mark.parametrize("folder,name,exp", _cases(REAL))
def test_real_page(folder, name, exp):
    result = extract((folder / name).read_bytes(), exp.get("url"), last_modified=exp.get("last_modified"))
    assert check(result, exp) == [], result["explain"]


@pytest.mark.parametrize("folder,name,exp", _cases(OWN))
def test_own_style_page(folder, name, exp):
    result = extract(_page_bytes(folder, name, exp), exp.get("url"), last_modified=exp.get("last_modified"))
    assert check(result, exp) == [], result["explain"]


def test_own_pages_cover_the_branches():
    """Each own page is read through the branch it was written for (so a fallback cannot pass for it)."""
    cases = {name: exp for _, name, exp in (p.values for p in _cases(OWN))}
    explain = {name: extract(_page_bytes(OWN, name, exp), exp["url"], last_modified=exp.get("last_modified"))["explain"]
               for name, exp in cases.items()}
    assert explain["ucap_con_title.html"]["title"].startswith("headline <div class=con_title>")
    assert explain["ucap_con_title.html"]["published"] == "byline 发布时间"
    assert "re-generation" in explain["ucap_con_title.html"]["published_notes"]
    assert explain["td_title.html"]["title"].startswith("headline <td class=title>")
    assert explain["td_title.html"]["published"] == "byline date"
    assert explain["meta_firstpublished.html"]["published"] == "meta firstpublishedtime"
    assert explain["meta_firstpublished.html"]["body"] == "text density"
    assert explain["lastmodified_regen.html"]["published"] == "table 成文日期"
    assert "Last-Modified" in explain["lastmodified_regen.html"]["published_notes"]


def test_same_page_with_and_without_last_modified():
    """Without the header, the meta PubDate is the only publication date there is; with it, it is a
    re-generation time and the 成文日期 stands in."""
    page = (OWN / "lastmodified_regen.html").read_bytes()
    assert extract(page, "http://h/a.html")["published"] == "2023-05-06"
    assert extract(page, "http://h/a.html", last_modified="Tue, 21 Jan 2020 02:00:00 GMT")["published"] == "2020-01-20"


def test_numbers_lose_stray_spaces_but_words_keep_theirs():
    html = ("<html><head><title>x</title></head><body><h1>【不忘初心 牢记使命】万载县2007 年末第 3 期统计</h1>"
            "<div id='zoom'><p>正文内容，足够长的一段文字用于测试。</p></div></body></html>")
    assert extract(html, "http://h/a.html")["title"] == "【不忘初心 牢记使命】万载县2007年末第3期统计"


def test_zwgk_extract_explain_says_where_each_field_came_from(tmp_path):
    import subprocess
    import sys

    page = tmp_path / "page.html"
    page.write_bytes(_page_bytes(OWN, "ucap_con_title.html", {"encode": "gbk-undeclared"}))
    cmd = [sys.executable, "-c", "from zwgk.cli import main; main()", "extract", str(page),
           "--url", "http://www.example-county.gov.cn/zwgk/tzgg/202006/t20200610_1.html"]
    plain = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert plain.returncode == 0, plain.stderr
    assert "explain" not in json.loads(plain.stdout)
    out = subprocess.run(cmd + ["--explain"], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["title"] == "关于做好2020年秋季学期中小学招生工作的通知"
    assert data["explain"]["title"].startswith("headline <div class=con_title>")
    assert data["explain"]["published"] == "byline 发布时间"
    assert data["explain"]["source"] == "byline 来源"
    assert data["explain"]["body"] == "container UCAP-CONTENT"
    assert "2024-03-02" in data["explain"]["published_notes"]


def test_last_resort_dates_signature_then_address():
    body = ("<div id='zoom'><p>各学校：现将有关事项通知如下，请认真贯彻执行，按时报送材料。</p>"
            "<p>某某区教育和体育局</p><p>2020年6月10日</p></div>")
    html = f"<html><head><title>关于报送材料的通知_某某区教育和体育局</title></head><body>{body}</body></html>"
    r = extract(html, "http://h/art/2020/6/12/art_1_2.html")
    assert (r["published"], r["explain"]["published"]) == ("2020-06-10", "body signature date")
    r = extract(html.replace("<p>2020年6月10日</p>", ""), "http://h/xwzx/202006/t20200612_5.html")
    assert (r["published"], r["explain"]["published"]) == ("2020-06-12", "URL")
    assert extract(html.replace("<p>2020年6月10日</p>", ""), "http://h/n/5.html")["published"] is None


@pytest.mark.parametrize("markup", ['<div class="wzbt">{t}</div>', '<p class="con_tit">{t}</p>',
                                    '<td class="title">{t}</td>', '<div id="ArticleTitle">{t}</div>'])
def test_headline_classes_beyond_h1(markup):
    t = "某某镇关于开展2021年度春季植树造林活动的通知"
    html = (f"<html><head><title>某某镇人民政府</title></head><body><table><tr>{markup.format(t=t)}</tr></table>"
            "<div class='sub_title'>副标题不是标题</div>"
            "<div id='zoom'><p>各村（社区）：为改善生态环境，经研究决定开展春季植树造林活动，请认真组织。</p></div></body></html>")
    assert extract(html, "http://h/a.html")["title"] == t


def test_a_server_default_latin1_header_does_not_garble_a_gbk_page():
    page = (OWN / "td_title.html").read_bytes().decode("utf-8").encode("gbk")
    r = extract(page, "http://h/a.html", encoding="ISO-8859-1")
    assert r["title"] == "某某镇关于2020年度城乡居民医疗保险集中缴费的公告" and r["encoding"] == "gb18030"
    from spiders.extract import decode_html
    assert decode_html(b"<p>caf\xe9</p>", "iso-8859-1")[0] == "<p>caf\xe9</p>"   # a Latin-1 page still reads


@pytest.mark.parametrize("byline,source", [
    ('<div class="info">【来源：新华社】 2023-12-01</div>', "新华社"),
    ('<div class="info">来源：新华社 2023-12-01 14:43</div>', "新华社"),
    ('<div class="info">2023-12-01 来源：兖州区教体局（办公室）</div>', "兖州区教体局（办公室）"),
    ('<div class="info"><span>来源：<a href="http://x/">新华网</a></span><span>2023-12-01</span></div>', "新华网"),
    ('<div class="info">稿件来源：县融媒体中心 发布时间：2023-12-01</div>', "县融媒体中心"),
    ('<p class="info">来源:人民网  作者:张三  2023-12-01 10:00</p>', "人民网"),
])
def test_byline_source_stands_alone(byline, source):
    html = ("<html><head><title>关于开展春季安全大检查的通知-某网</title></head><body><h1>关于开展春季安全大检查的通知</h1>"
            f"{byline}<div id='zoom'><p>各单位：为切实做好春季安全生产工作，决定开展安全大检查，请认真组织实施。</p></div></body></html>")
    r = extract(html, "http://h/a.html")
    assert (r["source"], r["publisher"], r["published"]) == (source, source, "2023-12-01")


@pytest.mark.parametrize("wrap", ['<div class="article-header">{h}</div>', '<article><header>{h}</header>'])
def test_an_article_header_is_not_page_chrome(wrap):
    head = ('<div class="art-title">兖州区2021年秋季学期开学工作方案</div>'
            '<div class="art-info">发布日期：2021-08-20</div>')
    tail = "</article>" if wrap.startswith("<article>") else ""
    html = ("<html><head><title>兖州区教育和体育局</title></head><body><header class='site'><a href='/'>首页</a></header>"
            f"{wrap.format(h=head)}<div class='art-body'><p>为做好秋季开学工作，确保校园安全稳定，制定本方案，请各校认真落实。</p>"
            f"<p>附件：<a href='/u/fa.docx'>方案.docx</a></p></div>{tail}"
            "<footer><a href='/u/privacy.pdf'>隐私.pdf</a></footer></body></html>")
    r = extract(html, "http://h/a/1.html")
    assert (r["title"], r["published"]) == ("兖州区2021年秋季学期开学工作方案", "2021-08-20")
    assert [a["url"] for a in r["attachments"]] == ["http://h/u/fa.docx"]


def test_title_from_title_tag_drops_a_site_name_after_a_space():
    html = ("<html><head><title>【不忘初心 牢记使命】我院举办2019年药学技能大赛 某某市中医医院</title></head><body>"
            "<div id='zoom'><p>为深入推进党建与业务工作紧密结合，我院举办了药学技能大赛，全体药学人员参赛。</p></div></body></html>")
    r = extract(html, "http://h/a.html")
    assert (r["title"], r["explain"]["title"]) == ("【不忘初心 牢记使命】我院举办2019年药学技能大赛", "<title>")


def test_jcms_body_time_line_is_not_the_page_date():
    html = """<html><head><meta charset="utf-8"><meta name="ArticleTitle" content="关于召开2020年教育工作会议的通知">
<meta name="PubDate" content="2020-06-28 10:00"><title>关于召开2020年教育工作会议的通知 - 某某区教育和体育局</title></head>
<body><div class="nav"><a href="/">首页</a></div><div id="zoom"><meta name="ContentStart">
<p>时间：2020年7月1日上午9:00</p><p>地点：区教体局三楼会议室。请各单位准时参加会议。</p><meta name="ContentEnd"></div></body></html>"""
    r = extract(html, "http://127.0.0.1/art/2020/6/28/art_3305_9.html")
    assert (r["published"], r["explain"]["published"]) == ("2020-06-28", "meta PubDate")


def test_a_download_script_without_a_type_is_still_an_attachment():
    html = ("<html><head><title>关于公布年度考核结果的通知_某某局</title></head><body><div id='zoom'>"
            "<p>现将年度考核结果予以公布，详见附件。</p><p><a href='/module/download/downfile.jsp?classid=0&amp;fileid=77'>附件1</a>"
            " <a href='/download/index.html'>下载中心</a></p></div></body></html>")
    r = extract(html, "http://h/art/2021/1/5/art_1_9.html")
    assert r["attachments"] == [{"url": "http://h/module/download/downfile.jsp?classid=0&fileid=77", "name": "附件1",
                                 "type": "file"}]
    assert r["links"] == ["http://h/download/index.html"]


@pytest.mark.parametrize("table", [
    '<div class="xxgk"><p><span>索引号：</span></p><p><span>MB0001/2021-00003</span></p>'
    '<p><span>文号：</span></p><p><span>某政发〔2021〕3号</span></p></div>',
    '<dl><dt>索引号：</dt><dd>MB0001/2021-00003</dd><dt>文号：</dt><dd>某政发〔2021〕3号</dd></dl>',
    '<ul><li><b>索引号：</b><span>MB0001/2021-00003</span></li><li><b>文号：</b><span>某政发〔2021〕3号</span></li></ul>',
])
def test_disclosure_fields_in_non_table_layouts(table):
    html = (f"<html><head><title>关于印发某某方案的通知</title></head><body>{table}<h1>关于印发某某方案的通知</h1>"
            "<div id='zoom'><p>各乡镇人民政府，各街道办事处：现将某某方案印发给你们，请认真贯彻执行。</p></div></body></html>")
    r = extract(html, "http://h/a.html")
    assert (r["index_no"], r["doc_no"]) == ("MB0001/2021-00003", "某政发〔2021〕3号")
