"""HTML/XML rendering of the replica sites (Hanweb JCMS look-alike).

Every function is pure: (world, site, thing) → str. Encoding, caching and HTTP headers are the server's job.
"""
from __future__ import annotations

import hashlib
from html import escape
from urllib.parse import quote

from .world import Article, Column, Site, World, related

PERPAGE = 15
ON = ' class="on"'
FINGERPRINT = "<!-- Produced By 大汉网络 大汉版通发布系统 -->"

CSS = """body{margin:0;font:14px/1.8 "Microsoft YaHei",SimSun,sans-serif;color:#333;background:#f5f5f5}
a{color:#333;text-decoration:none}a:hover{color:#c00}.w{width:1200px;margin:0 auto;background:#fff}
.top{background:#b71c1c;color:#fff;padding:24px 30px;font-size:28px}.nav{background:#8e1515}.nav a{color:#fff;display:inline-block;padding:8px 14px}
.pos{padding:8px 20px;border-bottom:1px solid #eee}.main{padding:20px 40px;min-height:400px}
.xxgk_table{width:100%;border-collapse:collapse;margin-bottom:16px}.xxgk_table td{border:1px solid #ddd;padding:4px 8px}
.xxgk_table .t1{background:#f3f3f3;width:12%;text-align:right}h1.title{text-align:center;font-size:22px;color:#b71c1c}
.info{text-align:center;color:#888;border-bottom:1px dashed #ccc;padding-bottom:8px}#zoom p{text-indent:2em}
.side{float:left;width:220px}.list{margin-left:240px}.list li{list-style:none;border-bottom:1px dashed #ddd;padding:4px 0}
.list li span{float:right;color:#999}.xgxx{margin-top:30px;border-top:2px solid #b71c1c}.foot{background:#333;color:#ccc;text-align:center;padding:20px;font-size:12px}"""


def _e(s) -> str:
    return escape(str(s), quote=True)


def display_title(t: str, n: int = 32) -> str:
    return t if len(t) <= n else t[: n - 2] + "..."


def _metas(site: Site, extra: list[tuple[str, str]]) -> str:
    m = [("SiteName", site.name), ("SiteDomain", site.domain), ("SiteIDCode", site.code)] + extra
    return "\n".join(f'<meta name="{k}" content="{_e(v)}">' for k, v in m)


def _nav(site: Site, limit: int = 9) -> str:
    cols = site.columns[:limit]
    items = ['<a href="/index.html">首页</a>'] + [f'<a href="{c.url}">{_e(c.name)}</a>' for c in cols]
    return '<div class="nav">' + "".join(items) + "</div>"


def _footer(site: Site) -> str:
    if site.key == "bureau":
        host = "主办单位：济宁市兖州区教育和体育局　承办：兖州区教育和体育局宣传信息中心"
        addr = "地址：济宁市兖州区建设东路　邮编：272100　联系电话：0537-3412566"
    else:
        host = f"主办单位：{site.name}办公{'厅' if site.key == 'province' else '室'}"
        addr = f"承办：{site.name}办公{'厅' if site.key == 'province' else '室'}信息中心"
    return (f'<div class="foot"><p>{host}</p><p>{addr}</p>'
            f'<p>网站标识码：{site.code}　鲁ICP备05001{site.webid:03d}号-1　鲁公网安备 3708{site.webid:04d}0200012号</p>'
            f'<p><a href="/index.html">网站首页</a>｜<a href="javascript:window.print()">打印本页</a>｜'
            f'<a href="javascript:window.close()">关闭窗口</a></p></div>')


def _page(site: Site, title: str, metas: list[tuple[str, str]], body: str, charset: str = "utf-8") -> str:
    return (f'<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="{charset}">\n'
            f'<meta http-equiv="X-UA-Compatible" content="IE=edge">\n<title>{_e(title)}</title>\n'
            f'{_metas(site, metas)}\n<style>{CSS}</style>\n</head>\n<body>\n{FINGERPRINT}\n<div class="w">\n'
            f'<div class="top">{_e(site.name)}</div>\n{_nav(site)}\n{body}\n{_footer(site)}\n</div>\n</body>\n</html>\n')


# --------------------------------------------------------------------------- records

def record_li(a: Article) -> str:
    return (f'<li><a href="{a.url}" title="{_e(a.title)}" target="_blank">{_e(display_title(a.title))}</a>'
            f'<span>{a.published.isoformat()}</span></li>')


def proxy_query(site: Site, col: Column, page: int = 1) -> str:
    return (f"page={page}&appid=1&webid={site.webid}&path=/&columnid={col.id}&unitid={col.unitid}"
            f"&webname={quote(site.name)}&permissiontype=0")


def datastore_xml(site: Site, col: Column, records: list[Article], total: int, nextgroup: bool) -> str:
    parts = ["<datastore>"]
    if nextgroup:
        parts.append(f'<nextgroup><![CDATA[<a href="{site.dataproxy}?{proxy_query(site, col)}"></a>]]></nextgroup>')
    else:
        parts.append(f"<totalrecord>{total}</totalrecord>")
        parts.append(f"<totalpage>{(total + PERPAGE - 1) // PERPAGE}</totalpage>")
    parts.append("<recordset>")
    for a in records:
        parts.append(f"<record><![CDATA[{record_li(a)}]]></record>")
    parts.append("</recordset></datastore>")
    return "\n".join(parts)


# --------------------------------------------------------------------------- pages

def home(w: World, site: Site) -> str:
    blocks = []
    shown = [c for c in site.columns if c.articles][:4]
    if site.named_column:
        nc = site.by_id[site.named_column]
        if nc not in shown:
            shown.append(nc)
    for c in shown:
        lis = "".join(record_li(a) for a in c.articles[:8])
        blocks.append(f'<div class="block"><h3><a href="{c.url}">{_e(c.name)}</a>'
                      f'<a class="more" href="{c.url}">更多&gt;&gt;</a></h3><ul>{lis}</ul></div>')
    allcols = "".join(f'<li><a href="{c.url}">{_e(c.name)}</a></li>' for c in site.columns)
    body = (f'<div class="main"><div class="side"><h3>栏目导航</h3><ul>{allcols}</ul></div>'
            f'<div class="list">{"".join(blocks)}</div><div style="clear:both"></div></div>')
    desc = f"{site.name}门户网站"
    return _page(site, site.name, [("ColumnName", "首页"), ("ColumnType", "首页"), ("Description", desc)], body)


def column_page(w: World, site: Site, col: Column) -> str:
    total = len(col.articles)
    ds = datastore_xml(site, col, col.articles[:PERPAGE], total, nextgroup=True)
    div = f"div{col.unitid}"
    script = (f"<script type=\"text/javascript\">\n"
              f"$(document).ready(function(){{ $('#{div}').jpage({{dataStore: dataStore, "
              f"proxyUrl: '{site.dataproxy}', perPage: {PERPAGE}, totalRecord:{total}, groupSize: 3, barPosition: 'bottom', "
              f"ajaxParam: {{col:1,appid:1,webid:{site.webid},path:'/',columnid:{col.id},sourceContentType:1,"
              f"unitid:'{col.unitid}',webname:'{site.name}',permissiontype:0}}}}); }});\n"
              f"</script>")
    sibs = "".join(f'<li{ON if c is col else ""}><a href="{c.url}">{_e(c.name)}</a></li>' for c in site.columns)
    empty = "" if total else '<p class="empty">暂无信息</p>'
    body = (f'<div class="pos">当前位置：<a href="/index.html">首页</a> &gt; <a href="{col.url}">{_e(col.name)}</a></div>\n'
            f'<div class="main"><div class="side"><h3>栏目导航</h3><ul>{sibs}</ul></div>\n'
            f'<div class="list"><h2>{_e(col.name)}</h2><div id="{div}">\n'
            f'<script type="text/xml">\n{ds}\n</script>\n{empty}</div>\n{script}\n</div><div style="clear:both"></div></div>')
    metas = [("ColumnName", col.name), ("ColumnDescription", f"{site.name}{col.name}"),
             ("ColumnKeywords", col.name), ("ColumnType", col.coltype)]
    return _page(site, f"{col.name}_{site.name}", metas, body)


def _body_html(w: World, a: Article) -> str:
    paras = w.body(a)
    links = [(t.url if isinstance(t, Article) else t, text) for t, text in a.links]
    att_html = "".join(f'<p><a href="{t.url}" target="_blank">{_e(t.name)}</a></p>' for t in a.attachments)
    out, placed_att, placed_links = [], not a.attachments, not links
    link_html = "".join(f'<a href="{href}" target="_blank">{_e(text)}</a>' for href, text in links)
    for p in paras:
        if isinstance(p, tuple):
            out.append(p[1])
            continue
        if p == "附件：" and not placed_att:
            out.append(f"<p>附件：</p>{att_html}")
            placed_att = True
            continue
        if p in ("相关文件：", "相关链接：") and not placed_links:
            out.append(f"<p>{p}{link_html}</p>")
            placed_links = True
            continue
        if p in ("附件：", "相关文件：", "相关链接："):
            continue
        out.append(f"<p>{_e(p)}</p>")
    if not placed_links:
        out.append(f"<p>相关阅读：{link_html}</p>")
    if not placed_att:
        out.append(f"<p>附件：</p>{att_html}")
    return "\n".join(out)


def views(a: Article) -> int:
    return int(hashlib.md5(f"{a.site}{a.id}".encode()).hexdigest()[:6], 16) % 3000 + 50


def header_table(a: Article) -> str:
    doc_no = a.doc_no or ""
    written = (a.written or a.published).isoformat()
    return ('<table class="xxgk_table" cellspacing="0" cellpadding="0">\n'
            f'<tr><td class="t1">索 引 号：</td><td>{_e(a.index_no)}</td><td class="t1">公开方式：</td><td>主动公开</td></tr>\n'
            f'<tr><td class="t1">发布机构：</td><td>{_e(a.publisher)}</td><td class="t1">主题分类：</td><td>{_e(a.topic)}</td></tr>\n'
            f'<tr><td class="t1">成文日期：</td><td>{written}</td><td class="t1">发布日期：</td><td>{a.published.isoformat()}</td></tr>\n'
            f'<tr><td class="t1">文\u3000\u3000号：</td><td>{_e(doc_no)}</td><td class="t1">有&nbsp;效&nbsp;性：</td><td>有效</td></tr>\n'
            f'<tr><td class="t1">标\u3000\u3000题：</td><td colspan="3">{_e(a.title)}</td></tr>\n</table>')


def article_page(w: World, site: Site, a: Article) -> str:
    col = site.by_id[a.column]
    metas = [("ColumnName", col.name), ("ColumnType", col.coltype), ("ArticleTitle", a.title),
             ("PubDate", a.pubdate), ("ContentSource", a.publisher), ("Keywords", col.name),
             ("Url", a.url)]
    body = (f"<!--ZJEG_RSS.content.begin--><meta name=\"ContentStart\">\n{_body_html(w, a)}\n"
            f"<meta name=\"ContentEnd\"><!--ZJEG_RSS.content.end-->")
    rel = "".join(f'<li><a href="{x.url}">{_e(x.title)}</a><span>{x.published.isoformat()}</span></li>'
                  for x in related(w, a))
    rel_html = (f'<div class="xgxx"><h3>相关链接</h3><ul>{rel}<li><a href="{col.url}">{_e(col.name)}</a></li></ul></div>')
    if a.encoding == "gbk":
        return _legacy_article(site, col, a, metas, body, rel_html)
    xx = header_table(a) + "\n" if a.index_no else ""
    main = (f'<div class="pos">当前位置：<a href="/index.html">首页</a> &gt; <a href="{col.url}">{_e(col.name)}</a></div>\n'
            f'<div class="main">\n{xx}<h1 class="title">{_e(a.title)}</h1>\n'
            f'<div class="info">发布日期：{a.pubdate}\u3000来源：{_e(a.publisher)}\u3000浏览次数：{views(a)}\u3000'
            f'字号：[<a href="javascript:doZoom(16)">大</a> <a href="javascript:doZoom(14)">中</a> <a href="javascript:doZoom(12)">小</a>]</div>\n'
            f'<div id="zoom">{body}</div>\n{rel_html}\n</div>')
    return _page(site, f"{a.title}_{col.name}_{site.name}", metas, main)


def _legacy_article(site: Site, col: Column, a: Article, metas, body: str, rel_html: str) -> str:
    """The old (2019) table-based template; served GBK-encoded."""
    return (f'<html>\n<head>\n<meta charset="gbk">\n<title>{_e(a.title)}</title>\n{_metas(site, metas)}\n'
            f'<style>body{{font-size:12px;font-family:宋体}}td{{font-size:12px}}</style>\n</head>\n<body>\n{FINGERPRINT}\n'
            f'<table width="980" border="0" align="center" cellpadding="0" cellspacing="0">\n'
            f'<tr><td height="90" bgcolor="#b71c1c"><font color="#ffffff" size="5">{_e(site.name)}</font></td></tr>\n'
            f'<tr><td>{_nav(site)}</td></tr>\n'
            f'<tr><td>当前位置：<a href="/index.html">首页</a> &gt;&gt; <a href="{col.url}">{_e(col.name)}</a></td></tr>\n'
            f'<tr><td align="center"><b><font size="4">{_e(a.title)}</font></b></td></tr>\n'
            f'<tr><td align="center">发布时间：{a.pubdate}&nbsp;&nbsp;信息来源：{_e(a.publisher)}&nbsp;&nbsp;点击数：{views(a)}</td></tr>\n'
            f'<tr><td><div id="zoom">{body}</div></td></tr>\n<tr><td>{rel_html}</td></tr>\n</table>\n'
            f'{_footer(site)}\n</body>\n</html>\n')


def not_found() -> str:
    return ('<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>404 页面不存在</title></head>'
            '<body><h1>404</h1><p>您访问的页面不存在或已被删除。</p><p><a href="/index.html">返回首页</a></p></body></html>\n')


ROBOTS = "User-agent: *\nDisallow: /module/search/\n"


# --------------------------------------------------------------------------- redesign mode
# The bureau's site after an overnight redesign (ReplicaServer(..., redesign=True) / set_night(n, redesign=True)):
# same URLs, new templates. Column pages show only the first REDESIGN_PERPAGE records as plain <li> (no JCMS
# datastore, no dataproxy.jsp: more records come from a JSON API behind a "加载更多" button); article pages lose
# the ArticleTitle/PubDate/ContentSource metas and the 信息公开 header table (the metadata moved into a script
# object), their <title> is just the site name and the headline sits in a plain <div>.

REDESIGN_PERPAGE = 10
REDESIGN_API = "/api/v2/articles"

CSS_V2 = """body{margin:0;font:15px/1.75 "PingFang SC","Microsoft YaHei",sans-serif;color:#222;background:#fff}
a{color:#1a3d7c;text-decoration:none}.hd{height:72px;background:#1a3d7c;color:#fff;font-size:24px;padding:18px 40px}
.menu a{display:inline-block;padding:10px 16px}.wrap{max-width:1100px;margin:0 auto;padding:24px}
.news-list .row{display:flex;justify-content:space-between;border-bottom:1px solid #eee;padding:6px 0}
.article-hd{font-size:24px;font-weight:bold;text-align:center}.article-meta{color:#888;text-align:center}
.article-meta i{display:inline-block;width:14px;height:14px;margin:0 4px;background:#ccc;border-radius:7px}"""


def _page_v2(site: Site, title: str, metas: list[tuple[str, str]], body: str) -> str:
    cols = "".join(f'<a href="{c.url}">{_e(c.name)}</a>' for c in site.columns[:9])
    m = "\n".join(f'<meta name="{k}" content="{_e(v)}">' for k, v in [("SiteName", site.name)] + metas)
    return (f'<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">\n<title>{_e(title)}</title>\n{m}\n'
            f'<link rel="stylesheet" href="/static/v2/app.css"><style>{CSS_V2}</style>\n</head>\n<body>\n'
            f'<header class="hd">{_e(site.name)}</header>\n<nav class="menu"><a href="/index.html">首页</a>{cols}</nav>\n'
            f'<main class="wrap">\n{body}\n</main>\n<footer class="ft">{_e(site.name)} 版权所有　网站标识码：{site.code}</footer>\n'
            f'<script src="/static/v2/app.js"></script>\n</body>\n</html>\n')


def redesigned_column_page(w: World, site: Site, col: Column) -> str:
    total = len(col.articles)
    rows = "".join(f'<div class="row"><a href="{a.url}" target="_blank">{_e(display_title(a.title))}</a>'
                   f'<span class="time">{a.published.isoformat()}</span></div>'
                   for a in col.articles[:REDESIGN_PERPAGE])
    more = (f'<button class="load-more" type="button" data-channel="{col.id}" data-page="2" '
            f'data-api="{REDESIGN_API}">加载更多</button>' if total > REDESIGN_PERPAGE else "")
    empty = "" if total else '<p class="empty">暂无内容</p>'
    body = (f'<div class="crumb">首页 / {_e(col.name)}</div>\n<section class="news-list" data-total="{total}">\n'
            f'<h2>{_e(col.name)}</h2>\n{rows}{empty}\n{more}\n</section>')
    return _page_v2(site, f"{col.name} - {site.name}", [("ColumnName", col.name)], body)


def redesigned_article_page(w: World, site: Site, a: Article) -> str:
    col = site.by_id[a.column]
    info = {"indexNo": a.index_no or "", "publisher": a.publisher, "pubDate": a.pubdate,
            "docNo": a.doc_no or "", "topic": a.topic}
    import json as _json
    paras = _body_html(w, a)
    body = (f'<div class="crumb">首页 / <a href="{col.url}">{_e(col.name)}</a></div>\n'
            f'<article>\n<div class="article-hd">{_e(a.title)}</div>\n'
            f'<div class="article-meta"><i class="icon-time"></i><span>{a.pubdate}</span>'
            f'<i class="icon-org"></i><span>{_e(a.publisher)}</span><i class="icon-eye"></i><span>{views(a)}</span></div>\n'
            f'<div class="article-content">\n{paras}\n</div>\n</article>\n'
            f'<script>window.__ARTICLE__ = {_json.dumps(info, ensure_ascii=False)};</script>')
    return _page_v2(site, site.name, [], body)


def redesign_api_json(site: Site, col: Column, page: int, size: int = REDESIGN_PERPAGE) -> str:
    import json as _json
    recs = col.articles[(page - 1) * size: page * size]
    return _json.dumps({"code": 0, "total": len(col.articles), "page": page, "size": size,
                        "list": [{"url": a.url, "title": a.title, "date": a.published.isoformat()} for a in recs]},
                       ensure_ascii=False)
