"""The extractor on page variants in template styles the replica does not serve: the paths its faster
reading took shortcuts on (links joined to the page's origin, label chunks read as they are walked, the
byline read from the headline on, an icon font's private-use glyph, comments and scripts stripped in
one walk, chrome answers shared between links) must give what a reader of the page sees."""
from __future__ import annotations

from spiders.extract import extract, squash

# A TRS-style county page: headline in div.title, byline line, body .TRS_Editor, an 附件 list after the
# body with OLDSRC files, related links right after the body, links written in every relative form.
TRS_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8">
<title>关于做好2021年春季学期开学工作的通知 - 通知公告 - 某县教育局</title>
<script>var x = "<p>发布时间：1999-01-01</p>";</script><!-- 统计代码 --></head>
<body><div class="header"><a href="/">首页</a><a href="/zwgk/">政务公开</a></div>
<div class="topnav"><a href="/zwgk/tzgg/">通知公告</a><a href="./../zcwj/">政策文件</a></div>
<div class="article">
 <div class="title">关于做好2021年春季学期开学工作的<br>通知</div>
 <div class="info">来源：县教育局办公室&nbsp;&nbsp;发布时间：2021-02-20 09:30&nbsp;&nbsp;浏览次数：<span>88</span></div>
 <div class="TRS_Editor"><p>各学校：</p><!-- 编辑注释 --><p>现将春季学期开学工作有关事项通知如下。</p>
  <p>详见<a href="./202102/W020210220.pdf">开学工作方案</a>和<a href="/zwgk/tzgg/202101/t20210105_1.html?from=list">上一期通知</a>， 另见<a href="../zcwj/index.html#top">政策文件栏目</a>、<a href="http://www.moe.gov.cn/a.html">教育部</a>。</p>
  <script>document.write("广告")</script><p>某县教育局</p><p>2021年2月19日</p></div>
 <div class="fj">附件：<a href="javascript:void(0)" oldsrc="/protect/P0202102.docx">1.回执表.docx</a>
  <a href="/./files/2.xlsx">2.统计表.xlsx</a></div>
 <div class="xglj"><a href="/zwgk/tzgg/t20210101_2.html">相关阅读一</a></div>
</div>
<div class="footer"><a href="/files/guide.pdf">网站使用指南.pdf</a>版权所有</div></body></html>"""


def test_trs_style_page_fields_links_and_attachments():
    r = extract(TRS_PAGE.encode("utf-8"), "http://jyj.example.gov.cn/zwgk/tzgg/202102/t20210220_3.html")
    assert r["title"] == "关于做好2021年春季学期开学工作的通知"
    assert r["published"] == "2021-02-20"            # the byline's, not the 1999 date in a script
    assert r["source"] == "县教育局办公室"
    assert r["body"].split("\n") == [
        "各学校：", "现将春季学期开学工作有关事项通知如下。",
        "详见开学工作方案和上一期通知， 另见政策文件栏目、教育部。", "某县教育局", "2021年2月19日"]
    assert [(a["url"], a["name"], a["type"]) for a in r["attachments"]] == [
        ("http://jyj.example.gov.cn/zwgk/tzgg/202102/202102/W020210220.pdf", "开学工作方案", "pdf"),
        ("http://jyj.example.gov.cn/protect/P0202102.docx", "1.回执表.docx", "docx"),
        ("http://jyj.example.gov.cn/files/2.xlsx", "2.统计表.xlsx", "xlsx")]
    assert r["links"] == ["http://jyj.example.gov.cn/zwgk/tzgg/202101/t20210105_1.html?from=list",
                          "http://jyj.example.gov.cn/zwgk/tzgg/zcwj/index.html",
                          "http://www.moe.gov.cn/a.html"]
    assert r["link_texts"]["http://www.moe.gov.cn/a.html"] == "教育部"
    assert "网站使用指南" not in str(r["attachments"])   # the footer's PDF is chrome


# An old table-layout 信息公开 page: labels spaced out (索 引 号, 文　　号), values in the next cell, an
# empty 有效性 cell followed by another label, a zero-width-space cell, an icon font's glyph (U+E001,
# the kind of character the byline reading uses as a mark) in the navigation.
TABLE_PAGE = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk">
<title>某市教育局</title><meta name="ColumnName" content="规范性文件"></head><body>
<div class="nav"><i class="iconfont">&#xe001;</i><a href="/">首页</a><i class="iconfont">&#xe000;</i></div>
<table class="xxgk"><tr><td>索 引 号：</td><td>11370800004-2020-00031</td><td>主题分类：</td><td>教育</td></tr>
<tr><td>发布机构：</td><td>某市教育局</td><td>成文日期：</td><td>2020年05月28日</td></tr>
<tr><td>文　　号：</td><td>某教发〔2020〕 7号</td><td>有 效 性：</td><td></td></tr>
<tr><td>&#8203;</td><td>发布日期：</td><td>2020-06-03</td><td></td></tr>
<tr><td>标　　题：</td><td colspan="3">某市教育局关于印发《中小学课后服务管理办法》的通知</td></tr></table>
<h2 class="bt">某市教育局关于印发《中小学课后服务管理办法》的通知</h2>
<div id="zoom"><p>各区县教育局：</p><p>现将《中小学课后服务管理办法》印发给你们，请认真贯彻执行。</p>
<p>报名时间：2020年6月20日</p></div></body></html>"""


def test_table_layout_labels_and_a_glyph_in_the_navigation():
    r = extract(TABLE_PAGE.encode("gbk"), "http://jyj.example.gov.cn/art/2020/6/3/art_9_1.html", "gbk")
    assert r["title"] == "某市教育局关于印发《中小学课后服务管理办法》的通知"
    assert r["index_no"] == "11370800004-2020-00031"
    assert r["category"] == "教育"
    assert r["publisher"] == "某市教育局"
    assert r["doc_no"] == "某教发〔2020〕7号"
    assert r["written"] == "2020-05-28"
    assert r["validity"] is None                     # an empty cell, not the next label
    assert r["published"] == "2020-06-03"            # the table's 发布日期, not the body's 报名时间
    assert r["column"] == "规范性文件"
    assert r["body"] == ("各区县教育局：\n现将《中小学课后服务管理办法》印发给你们，请认真贯彻执行。\n"
                         "报名时间：2020年6月20日")



def test_an_empty_cell_before_a_spaced_out_label_stays_empty():
    # 有效性 left blank, the next cell the label 标　　题： (full-width spaces inside): neither is a value
    page = TABLE_PAGE.replace("<td>有 效 性：</td><td></td></tr>\n<tr><td>&#8203;</td><td>发布日期：</td>"
                              "<td>2020-06-03</td><td></td></tr>",
                              "<td>有 效 性：</td><td></td></tr>\n<tr><td>发布日期：</td><td>2020-06-03</td></tr>")
    page = page.replace("<tr><td>标　　题：</td>", "<tr><td>有 效 性：</td><td></td><td>标　　题：</td>")
    assert "<td>有 效 性：</td><td></td><td>标　　题：</td>" in page
    r = extract(page.encode("gbk"), "http://jyj.example.gov.cn/art/2020/6/3/art_9_2.html", "gbk")
    assert r["validity"] is None
    assert r["title"] == "某市教育局关于印发《中小学课后服务管理办法》的通知"
    assert r["published"] == "2020-06-03"

# A news CMS without a known container: the body is the densest block; the byline is a bare date under
# an h1; a sidebar and a share bar hold links and dates that are not the article's.
DENSITY_PAGE = """<html><head><meta charset="utf-8"><title>全县召开教育工作会议_新闻中心_某县人民政府</title></head>
<body><div id="sidebar"><h3>热点新闻</h3><ul><li><a href="news/1.html">另一条新闻标题很长很长</a> 2019-03-01</li></ul></div>
<div class="main-col"><h1>全县召开教育工作会议</h1><p class="date">2020年03月12日 14:20</p>
<div class="share-bar"><a href="javascript:share()">分享到微信</a></div>
<div class="txt">3月12日，全县教育工作会议召开。会议总结了2019年全县教育工作，部署了2020年重点任务。
会议指出，要坚持立德树人根本任务，推进义务教育优质均衡发展，办好人民满意的教育。
会议要求，各学校要抓好疫情防控和开学准备工作，确保师生安全。</div></div></body></html>"""


def test_density_body_and_a_bare_byline_date():
    r = extract(DENSITY_PAGE, "https://www.example.gov.cn/xwzx/2020/0312/a.html")
    assert r["title"] == "全县召开教育工作会议"
    assert r["published"] == "2020-03-12"
    assert r["body"].startswith("3月12日，全县教育工作会议召开。")
    assert r["body"].endswith("确保师生安全。")
    assert "热点新闻" not in r["body"] and "分享到微信" not in r["body"]
    assert r["explain"]["body"] == "text density"
    assert r["attachments"] == [] and r["links"] == []


def test_every_blank_inside_a_line_reads_as_one_space():
    # the blanks a value is squashed by (squash: \s, \u3000, &nbsp;, zero-width space, BOM) are the
    # blanks the body's lines are squashed by; a line break stays a line break
    blanks = [chr(c) for c in range(0x110000) if squash(f"a{chr(c)}b") == "a b"]
    assert len(blanks) == 31 and "\u200b" in blanks and "\u3000" in blanks and "\xa0" in blanks
    page = "<html><body><div id='zoom'>" + "".join(
        f"<p>第{i}行{c}{c}文字{c}</p>" for i, c in enumerate(blanks)) + "</div></body></html>"
    body = extract(page, "http://x.example.gov.cn/a.html")["body"].split("\n")
    breaks = ("\n", "\r")     # the HTML parser reads a carriage return as a line break
    expected = []
    for i, c in enumerate(blanks):
        expected += [f"第{i}行", "文字"] if c in breaks else [f"第{i}行 文字"]
    assert body == expected


BYLINE_PAGE = """<html><head><meta charset="utf-8"><title>{title}</title></head><body>
<div class="nav"><a href="/">首页</a>{nav_glyph}</div>
{before}<div class="content"><h1>{title}</h1><div class="info">发布时间：2022-04-08 来源：区教体局</div>{inside}
<div class="TRS_Editor"><p>为进一步加强校园安全管理，现将有关事项通知如下。</p><p>一、落实安全责任。</p></div></div>
<div class="foot">电话：0537-1234567 2021-01-01</div></body></html>"""


def test_byline_read_between_headline_and_body_in_every_arrangement():
    title = "关于加强校园安全管理工作的通知"
    for nav_glyph in ("", "<i class='icon'>&#xe001;</i>", "<i class='icon'>&#57344;</i>"):
        page = BYLINE_PAGE.format(title=title, nav_glyph=nav_glyph, before="", inside="")
        r = extract(page, "http://x.example.gov.cn/art/2021/1/1/a.html")
        assert (r["title"], r["published"], r["source"]) == (title, "2022-04-08", "区教体局"), nav_glyph
    # the headline block below the body's start: the lines just before the body still hold the byline
    page = BYLINE_PAGE.format(title=title, nav_glyph="", before="", inside="").replace(
        f"<h1>{title}</h1>", "").replace('<div class="TRS_Editor">', f'<div class="TRS_Editor"><h1>{title}</h1>')
    r = extract(page, "http://x.example.gov.cn/art/2021/1/1/a.html")
    assert (r["title"], r["published"], r["source"]) == (title, "2022-04-08", "区教体局")
