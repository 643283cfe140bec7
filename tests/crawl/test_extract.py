"""The article extractor (spiders/extract.py) on real saved pages and on synthetic JCMS/TRS/generic pages."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from spiders.adapters.base import entries_from_html, looks_like_article
from spiders.adapters.jcms import JcmsAdapter
from spiders.extract import attachment_type, decode_html, extract, parse_date

REAL = Path(os.environ.get("ZWGK_REALPAGES", Path(__file__).resolve().parents[3] / "shared" / "realpages"))
if not REAL.is_dir():
    REAL = Path("/work/shared/realpages")
ZWGK = [sys.executable, "-c", "from zwgk.cli import main; main()"]
needs_real = pytest.mark.skipif(not (REAL / "gzggw.html").exists(), reason="shared/realpages not present")


# --- real pages ------------------------------------------------------------------------------------

@needs_real
def test_real_jcms_page_gzggw():
    r = extract((REAL / "gzggw.html").read_bytes(), "http://fgw.zj.gov.cn/art/2016/11/22/art_1621004_30332664.html")
    assert r["title"] == "1-10月德清县固定资产投资结构趋稳趋优"
    assert r["published"] == "2016-11-22"
    assert r["source"] == "省发改委"
    assert r["publisher"] == "省发改委"
    assert r["column"] == "投资运行"
    assert "全县固定资产投资完成246.79亿元" in r["body"]
    assert r["body"].endswith("（德清县发改局）")
    for chrome in ("浏览次数", "信息来源", "版权所有", "网站地图", "主办单位"):
        assert chrome not in r["body"], chrome


@needs_real
def test_real_trs_page_shanxi():
    r = extract((REAL / "shanxi.html").read_bytes(), "http://www.shanxi.gov.cn/yw/sxyw/201909/t20190918_693227.shtml")
    assert r["title"] == "山西品牌丝路行（南美站）正式启动"
    assert r["published"] == "2019-09-18"
    assert r["source"] == "山西日报"
    assert "山西品牌丝路行首次登陆巴西" in r["body"]
    assert "（张巨峰）" in r["body"]
    for chrome in ("责任编辑", "省发展和改革委员会", "热门搜索", "扫一扫", "切換到"):
        assert chrome not in r["body"], chrome


@needs_real
def test_real_page_without_meta_sxmu():
    r = extract((REAL / "sxmu.html").read_bytes(), "http://jjjc.sxmu.edu.cn/info/1081/978.htm")
    assert r["title"] == "中华人民共和国监察法"
    assert r["published"] == "2018-05-17"
    assert r["source"] is None and r["publisher"] is None      # "来源:" is empty on the page
    assert "第一条　为了深化国家监察体制改革".replace("　", " ") in r["body"]
    assert "第六十九条 本法自公布之日起施行" in r["body"]
    for chrome in ("主办单位", "版权所有", "添加收藏夹", "浏览次数"):
        assert chrome not in r["body"], chrome


# --- synthetic pages -------------------------------------------------------------------------------

def jcms_page(meta: dict, header_rows: str = "", body: str = "<p>正文。</p>", charset="utf-8") -> str:
    metas = "\n".join(f'<meta name="{k}" content="{v}">' for k, v in meta.items())
    return f"""<!DOCTYPE html><html><head><meta charset="{charset}">
<!-- Produced By 大汉网络 大汉版通发布系统 -->
{metas}<title>页面标题 - 济宁市兖州区教育和体育局</title></head><body>
<div class="nav"><a href="/col/col3301/index.html">工作动态</a><a href="/col/col3305/index.html">通知公告</a></div>
<table class="xxgk_table">{header_rows}</table>
<div id="zoom"><!--ZJEG_RSS.content.begin--><meta name="ContentStart">{body}<meta name="ContentEnd"><!--ZJEG_RSS.content.end--></div>
<div class="xglj"><h3>相关链接</h3><ul><li><a href="/art/2020/1/2/art_3301_1.html">另一篇文章的标题</a></li></ul></div>
<div class="footer">主办：济宁市兖州区教育和体育局 版权所有 鲁ICP备00000000号</div>
</body></html>"""


HEADER = """<tr><td>索 引 号：</td><td>11370882MB2853221X/2020-00012</td><td>发布机构：</td><td>兖州区教育和体育局</td></tr>
<tr><td>成文日期：</td><td>2020-05-28</td><td>发布日期：</td><td>2020-06-03</td></tr>
<tr><td>文　　号：</td><td>兖教体发〔2020〕15号</td><td>主题分类：</td><td>教育</td></tr>
<tr><td>有&nbsp;效&nbsp;性：</td><td>有效</td><td>标　　题：</td><td>关于印发招生方案的通知</td></tr>"""


def test_jcms_meta_null_header_table_and_chrome():
    html = jcms_page({"ArticleTitle": "null", "PubDate": "null", "ContentSource": "NULL", "ColumnName": "通知公告",
                      "SiteName": "济宁市兖州区教育和体育局"}, HEADER,
                     "<p>　　现将《兖州区2020年义务教育招生入学工作实施方案》印发给你们。</p>")
    r = extract(html, "http://127.0.0.1:8001/art/2020/6/3/art_3305_100.html")
    assert r["title"] == "关于印发招生方案的通知"            # meta "null" is empty: the table's 标题
    assert r["published"] == "2020-06-03"                     # 发布日期 wins over 成文日期
    assert r["publisher"] == "兖州区教育和体育局"
    assert r["source"] is None
    assert r["index_no"] == "11370882MB2853221X/2020-00012"
    assert r["doc_no"] == "兖教体发〔2020〕15号"
    assert r["category"] == "教育"
    assert r["column"] == "通知公告"
    assert r["body"] == "现将《兖州区2020年义务教育招生入学工作实施方案》印发给你们。"
    assert "相关链接" not in r["body"] and "版权所有" not in r["body"]


def test_meta_wins_and_nbsp_padded_labels():
    rows = ("<tr><th>索&nbsp;&nbsp;引&nbsp;&nbsp;号</th><td>jnsyzq/2020-00001</td></tr>"
            "<tr><th>发文机关</th><td>兖州区人民政府办公室</td></tr>"
            "<tr><th>发文字号</th><td>兖政办字〔2020〕3号</td></tr>"
            "<tr><th>组配分类</th><td>政策文件</td></tr>")
    html = jcms_page({"ArticleTitle": "兖州区人民政府办公室关于做好复学工作的通知", "PubDate": "2020-05-09 09:12",
                      "contentsource": "兖州区人民政府办公室"}, rows)
    r = extract(html, "http://127.0.0.1/art/2020/5/9/art_1_2.html")
    assert r["title"] == "兖州区人民政府办公室关于做好复学工作的通知"
    assert r["published"] == "2020-05-09"
    assert r["index_no"] == "jnsyzq/2020-00001"
    assert r["publisher"] == "兖州区人民政府办公室"
    assert r["source"] == "兖州区人民政府办公室"
    assert r["doc_no"] == "兖政办字〔2020〕3号"
    assert r["category"] == "政策文件"


def test_only_written_date_is_used_when_nothing_else():
    rows = "<tr><td>成文日期：</td><td>2020年05月28日</td></tr>"
    r = extract(jcms_page({}, rows), "http://127.0.0.1/a.html")
    assert r["published"] == "2020-05-28"


@pytest.mark.parametrize("text,expected", [
    ("发布日期：2020-06-03 09:12:44", "2020-06-03"),
    ("发布时间：2020-06-03 09:12", "2020-06-03"),
    ("日期：2020.09.28", "2020-09-28"),
    ("发布日期：2020年06月10日", "2020-06-10"),
    ("发布时间: 2020/6/3", "2020-06-03"),
])
def test_text_pattern_dates(text, expected):
    html = f"""<html><head><title>某某学校关于开展安全教育活动的通知</title></head><body>
    <div class="header">首页 &gt; 通知公告</div>
    <h1>某某学校关于开展安全教育活动的通知</h1><div class="info"><span>{text}</span><span>来源：兖州区教体局</span></div>
    <div class="article_content"><p>为进一步加强学生安全教育，经研究决定开展安全教育活动。</p></div>
    <div class="footer">版权所有</div></body></html>"""
    r = extract(html, "http://127.0.0.1/news/1.html")
    assert r["published"] == expected
    assert r["source"] == "兖州区教体局"
    assert r["publisher"] == "兖州区教体局"
    assert r["title"] == "某某学校关于开展安全教育活动的通知"
    assert r["body"] == "为进一步加强学生安全教育，经研究决定开展安全教育活动。"


def test_parse_date_rejects_nonsense():
    assert parse_date("2020-13-45") is None
    assert parse_date("浏览次数：123") is None
    assert parse_date("2020年6月3日") == "2020-06-03"


def test_gbk_bytes_declared_and_mislabelled():
    page = jcms_page({"ArticleTitle": "兖州区教育和体育局关于2019年度教师资格认定的公告", "PubDate": "2019-04-02 10:00"},
                     body="<p>根据《教师资格条例》，现将有关事项公告如下。</p>", charset="gbk")
    data = page.encode("gbk")
    r = extract(data, "http://127.0.0.1/art/2019/4/2/art_3305_7.html")           # meta charset=gbk
    assert r["title"] == "兖州区教育和体育局关于2019年度教师资格认定的公告"
    assert r["body"] == "根据《教师资格条例》，现将有关事项公告如下。"
    r = extract(data, "http://127.0.0.1/x.html", encoding="GBK")                   # HTTP charset
    assert r["title"] == "兖州区教育和体育局关于2019年度教师资格认定的公告"
    mislabelled = page.replace('charset="gbk"', 'charset="utf-8"').encode("gbk")
    r = extract(mislabelled, "http://127.0.0.1/x.html", encoding="utf-8")         # lies about itself
    assert r["title"] == "兖州区教育和体育局关于2019年度教师资格认定的公告"
    text, used = decode_html(mislabelled, "utf-8")
    assert used == "gb18030"


def test_attachment_only_page_and_relative_links():
    body = ('<p><a href="/module/download/downfile.jsp?classid=0&amp;filename=0123456789abcdef0123456789abcdef.pdf">'
            '兖州区教育和体育局2020年部门预算.pdf</a></p>')
    html = jcms_page({"ArticleTitle": "兖州区教育和体育局2020年部门预算", "PubDate": "2020-02-01 10:00"}, body=body)
    r = extract(html, "http://127.0.0.1:8001/art/2020/2/1/art_3310_5.html")
    assert r["title"] == "兖州区教育和体育局2020年部门预算"
    assert r["attachments"] == [{
        "url": "http://127.0.0.1:8001/module/download/downfile.jsp?classid=0&filename=0123456789abcdef0123456789abcdef.pdf",
        "name": "兖州区教育和体育局2020年部门预算.pdf", "type": "pdf"}]
    # the chrome's 相关链接 are not attachments, nor body links
    assert all("art_3301_1" not in u for u in r["links"])


def test_trs_relative_attachments_and_links():
    html = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
    <meta name="ArticleTitle" content="关于公布2020年双随机抽查结果的通知"><meta name="PubDate" content="2020.09.28">
    </head><body><div class="TRS_Editor"><p>抽查结果见附件。</p>
    <p><a href="./P020200928123456.xlsx">抽查结果.xlsx</a> <a href="../202009/W0200928.docx">说明</a>
    <a href="/content/post_123.html">相关政策</a> <a href="http://other.example/x.html">外站</a></p></div>
    <div class="bottom">网站标识码</div></body></html>"""
    r = extract(html, "http://127.0.0.1/zwgk/202009/t20200928_55.html")
    assert r["published"] == "2020-09-28"
    assert [a["url"] for a in r["attachments"]] == ["http://127.0.0.1/zwgk/202009/P020200928123456.xlsx",
                                                   "http://127.0.0.1/zwgk/202009/W0200928.docx"]
    assert [a["type"] for a in r["attachments"]] == ["xlsx", "docx"]
    assert r["links"] == ["http://127.0.0.1/content/post_123.html", "http://other.example/x.html"]
    assert r["body"].startswith("抽查结果见附件。")


def test_generic_page_densest_block():
    paras = "".join(f"<p>第{i}段：学校严格落实疫情防控各项措施，确保师生安全有序返校复学。</p>" for i in range(8))
    html = f"""<html><head><title>复学工作情况通报_某某区教育局</title></head><body>
    <div id="menu"><a href="/">首页</a><a href="/a">机构概况</a><a href="/b">政务公开</a></div>
    <div class="left"><ul>{''.join(f'<li><a href="/n{i}.html">左侧栏目新闻标题{i}</a></li>' for i in range(10))}</ul></div>
    <div class="main"><div class="tit">复学工作情况通报</div><div class="txt">{paras}</div></div>
    <div id="footer">地址：某某路1号 电话：0537-0000000</div></body></html>"""
    r = extract(html, "http://127.0.0.1/n/1.html")
    assert r["title"] == "复学工作情况通报"
    assert r["body"].startswith("第0段：学校严格落实疫情防控各项措施")
    assert "第7段" in r["body"]
    assert "左侧栏目" not in r["body"] and "电话" not in r["body"]


def test_attachment_type_detection():
    assert attachment_type("http://h/module/download/downfile.jsp?classid=0&filename=ab.docx") == "docx"
    assert attachment_type("http://h/files/a.PDF") == "pdf"
    assert attachment_type("http://h/x.ofd") == "ofd"
    assert attachment_type("http://h/art/2020/1/1/art_1_1.html") is None
    assert attachment_type("http://h/download.do?id=5", "预算表.xls") == "xls"


# --- list records ----------------------------------------------------------------------------------

def test_jcms_datastore_records_are_unwrapped():
    from scrapy.http import HtmlResponse

    from spiders.adapters.base import ListWalk

    page = """<html><head><meta name="ColumnName" content="通知公告"></head><body><div id="1"><script type="text/xml">
<datastore><nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=12&path=/&columnid=3305&unitid=7788&webname=%E5%85%96&permissiontype=0"></a>]]></nextgroup>
<recordset><record><![CDATA[<li><a href="/art/2020/12/30/art_3305_901.html" title="关于元旦放假的通知（全文）">关于元旦放假的通知</a><span>2020-12-30</span></li>]]></record>
<record><![CDATA[<li><a href="/art/2020/12/1/art_3305_880.html" title="第二条">第二条</a><span>2020-12-01</span></li>]]></record>
</recordset></datastore></script></div><script>var x={totalRecord:40,perPage:15};</script></body></html>"""
    resp = HtmlResponse("http://127.0.0.1:9/col/col3305/index.html", body=page.encode(), encoding="utf-8")
    walk = ListWalk(site="bureau", column_id="3305", url=resp.url)
    ad = JcmsAdapter()
    assert ad.detect(resp)
    ad.first(resp, walk)
    assert walk.is_list_page and walk.total == 40 and not walk.complete
    e = list(walk.entries.values())
    assert [x.url for x in e] == ["http://127.0.0.1:9/art/2020/12/30/art_3305_901.html",
                                  "http://127.0.0.1:9/art/2020/12/1/art_3305_880.html"]
    assert e[0].title == "关于元旦放假的通知（全文）" and e[0].date == "2020-12-30"
    req = ad.next_request(walk)
    assert req.method == "POST"
    assert req.url == "http://127.0.0.1:9/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=45&perpage=15"
    body = req.body.decode()
    for field in ("col=1", "appid=1", "webid=12", "columnid=3305", "unitid=7788", "sourceContentType=1",
                  "permissiontype=0"):
        assert field in body
    assert req.headers[b"X-Requested-With"] == b"XMLHttpRequest"
    assert req.headers[b"Referer"] == resp.url.encode()
    answer = "<datastore><totalrecord>3</totalrecord><totalpage>1</totalpage><recordset>" + "".join(
        f'<record><![CDATA[<li><a href="/art/2020/11/{d}/art_3305_{d}.html">t{d}</a><span>2020-11-{d:02d}</span></li>]]></record>'
        for d in (1, 2, 3)) + "</recordset></datastore>"
    more = HtmlResponse(req.url, body=answer.encode(), encoding="utf-8", request=req)
    ad.more(more, walk)
    assert walk.total == 3 and walk.complete and len(walk.entries) == 5


def test_entries_from_generic_html():
    e = entries_from_html('<ul><li><a href="t20200928_55.html">结果公示</a> 2020-09-28</li>'
                          '<li><a href="/about.html">关于我们</a></li></ul>', "http://h/zwgk/202009/", article_only=True)
    assert [(x.url, x.title, x.date) for x in e] == [("http://h/zwgk/202009/t20200928_55.html", "结果公示", "2020-09-28")]
    assert looks_like_article("http://h/art/2020/5/9/art_3301_45678.html")
    assert not looks_like_article("http://h/col/col3301/index.html")


# --- the command ------------------------------------------------------------------------------------

def test_zwgk_extract_command_prints_json(tmp_path):
    body = ('<p>详见附件：<a href="../../../../module/download/downfile.jsp?classid=0&amp;filename=aa.xlsx">'
            '2020年招生计划表.xlsx</a></p>')
    page = jcms_page({"ArticleTitle": "兖州区2020年义务教育学校招生计划", "PubDate": "2020-07-01 08:00",
                      "ContentSource": "兖州区教育和体育局", "ColumnName": "招生信息"}, body=body)
    f = tmp_path / "page.html"
    f.write_bytes(page.encode("gbk").replace(b'charset="utf-8"', b'charset="gbk"'))
    out = subprocess.run(ZWGK + ["extract", str(f), "--url", "http://127.0.0.1:8001/art/2020/7/1/art_3320_9.html"],
                         capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data) == {"title", "published", "publisher", "source", "index_no", "doc_no", "category", "column",
                         "body", "attachments"}
    assert data["title"] == "兖州区2020年义务教育学校招生计划"
    assert data["published"] == "2020-07-01"
    assert data["publisher"] == data["source"] == "兖州区教育和体育局"
    assert data["column"] == "招生信息"
    assert data["attachments"] == [{"url": "http://127.0.0.1:8001/module/download/downfile.jsp?classid=0&filename=aa.xlsx",
                                    "name": "2020年招生计划表.xlsx", "type": "xlsx"}]


def test_zwgk_extract_missing_file(tmp_path):
    out = subprocess.run(ZWGK + ["extract", str(tmp_path / "nope.html")], capture_output=True, text=True,
                         timeout=60, cwd=tmp_path)
    assert out.returncode == 1 and "no such file" in out.stderr
