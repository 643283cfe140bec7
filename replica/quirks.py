"""Platform variants and failure modes (extra replica site ``quirks``), and an ``external`` site.

quirks columns (home ``/index.html`` links to each):

| id   | URL                        | what it is                                                        | a faithful crawler says |
|------|----------------------------|-------------------------------------------------------------------|-------------------------|
| 9001 | /col/col9001/index.html    | WAF: HTTP 412 with a block page                                   | unverifiable            |
| 9002 | /col/col9002/index.html    | JavaScript shell: the list is filled by an XHR                    | unverifiable            |
| 9003 | /col/col9003/index.html    | JCMS datastore (15 of 40 records); dataproxy answers 200 and ""   | unverifiable            |
| 9004 | /col/col9004/index.html    | JCMS, older ``/module/jpage/dataproxy.jsp`` answering only GET page style (POST → 405) | normal, 33 |
| 9005 | /col/col9005/index.html    | JCMS static paging ``?uid=7905&pageNum=N`` (server-side HTML)     | normal, 35              |
| 9006 | /xwzx/list.html            | generic ``?page=N`` list with 下一页/尾页                          | normal, 25              |
| 9007 | /tzgg/index.html           | generic ``index_N.html`` list with 下一页/尾页                      | normal, 22              |
| 9008 | /col/col9008/index.html    | always HTTP 503 (fetch failed)                                    | unverifiable            |

external: ``/ok.html`` 200, ``/gone.html`` 404, ``/nohead.html`` (HEAD → 405, GET → 200).
"""
from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from . import content as C
from .extras import (ExtraSite, Reply, XArticle, XColumn, _e, dates_between, html_reply, not_found, rand_time,
                     rng_for, unique_titles)

SITE_NAME = "仿真区教育和体育局（特殊情形）"
WEBID = 7
PROXY_NEW = "/module/web/jpage/dataproxy.jsp"
PROXY_OLD = "/module/jpage/dataproxy.jsp"
PER = 15
GEN_PER = 10
FINGERPRINT = "<!-- Produced By 大汉网络 大汉版通发布系统 -->"
# id, name, url, platform, kind, count, expected state, reason words
COLUMNS = [
    ("9001", "WAF拦截栏目", "/col/col9001/index.html", "jcms", "waf", 12, "unverifiable", "412"),
    ("9002", "脚本加载栏目", "/col/col9002/index.html", "none", "shell", 0, "unverifiable", "JavaScript"),
    ("9003", "数据接口为空栏目", "/col/col9003/index.html", "jcms", "emptyproxy", 40, "unverifiable", "empty dataproxy"),
    ("9004", "GET分页栏目", "/col/col9004/index.html", "jcms", "getpage", 33, "normal", None),
    ("9005", "静态分页栏目", "/col/col9005/index.html", "jcms", "pagenum", 35, "normal", None),
    ("9006", "新闻中心", "/xwzx/list.html", "generic", "querypage", 25, "normal", None),
    ("9007", "通知公告", "/tzgg/index.html", "generic", "indexpage", 22, "normal", None),
    ("9008", "无法访问栏目", "/col/col9008/index.html", "jcms", "fail", 5, "unverifiable", "503"),
]


class QuirksSite(ExtraSite):
    key = "quirks"
    name = SITE_NAME

    def __init__(self, seed, night, urls):
        super().__init__(seed, night, urls)
        self.by_path: dict[str, XArticle] = {}
        self.kinds: dict[str, str] = {}
        nid = 880000
        for cid, name, url, platform, kind, n, state, why in COLUMNS:
            col = XColumn(cid, name, url, platform, state, reason=why, per_page=GEN_PER if platform == "generic" else PER)
            self.kinds[cid] = kind
            rng = rng_for(seed, "quirks", cid)
            dates = dates_between(rng, n, dt.date(2019, 9, 1), dt.date(2020, 12, 25)) if n else []
            titles = unique_titles(rng, lambda r, i: C.notice_title(r, dates[i]) if i % 2 else C.news_title(r, dates[i])[0], n)
            arts = []
            for d, t in zip(dates, titles):
                nid += rng.randint(2, 30)
                arts.append(XArticle("quirks", cid, nid, "", "", t, d, rand_time(rng), "仿真区教育和体育局",
                                     paras=C.generic_body(rng, d, t)[:4] + ["仿真区教育和体育局", C.cn_date(d)]))
            for a, i in zip(arts, sorted((a.id for a in arts), reverse=True)):
                a.id = i
                d = a.published
                a.url = a.href = (f"/content/post_{i}.html" if platform == "generic"
                                  else f"/art/{d.year}/{d.month}/{d.day}/art_{cid}_{i}.html")
            col.articles = arts
            self.columns.append(col)
            for a in arts:
                self.by_path[a.url] = a
        self.by_id = {c.id: c for c in self.columns}

    # ------------------------------------------------------------------ chrome
    def _page(self, title: str, metas: list[tuple[str, str]], body: str, fingerprint: bool = True) -> str:
        m = "".join(f'<meta name="{k}" content="{_e(v)}">\n' for k, v in [("SiteName", SITE_NAME)] + metas)
        nav = "".join(f'<a href="{c.url}">{_e(c.name)}</a>' for c in self.columns[3:7])
        return (f'<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n<title>{_e(title)}</title>\n{m}</head>\n<body>\n'
                f'{FINGERPRINT if fingerprint else ""}\n<div class="top">{_e(SITE_NAME)}</div>\n'
                f'<div class="nav"><a href="/index.html">首页</a>{nav}</div>\n{body}\n'
                f'<div class="foot">主办：{_e(SITE_NAME)}</div>\n</body>\n</html>\n')

    @staticmethod
    def _li(a: XArticle) -> str:
        return (f'<li><a href="{a.url}" title="{_e(a.title)}" target="_blank">{_e(a.title)}</a>'
                f'<span>{a.published.isoformat()}</span></li>')

    def home(self) -> str:
        lis = "".join(f'<li><a href="{c.url}">{_e(c.name)}</a></li>' for c in self.columns)
        return self._page(SITE_NAME, [("ColumnName", "首页")], f'<div class="main"><h3>栏目导航</h3><ul>{lis}</ul></div>')

    def _crumb(self, col: XColumn) -> str:
        return f'<div class="pos">当前位置：<a href="/index.html">首页</a> &gt; <a href="{col.url}">{_e(col.name)}</a></div>'

    # ------------------------------------------------------------------ JCMS variants
    def _jcms_page(self, col: XColumn, proxy: str) -> str:
        unitid = 7900 + int(col.id) % 100
        recs = "\n".join(f"<record><![CDATA[{self._li(a)}]]></record>" for a in col.listed[:PER])
        q = (f"page=1&appid=1&webid={WEBID}&path=/&columnid={col.id}&unitid={unitid}"
             f"&webname={quote(SITE_NAME)}&permissiontype=0")
        ds = (f'<script type="text/xml">\n<datastore>\n<nextgroup><![CDATA[<a href="{proxy}?{q}"></a>]]></nextgroup>\n'
              f'<recordset>\n{recs}\n</recordset>\n</datastore>\n</script>')
        script = (f"<script>$(document).ready(function(){{ $('#div{unitid}').jpage({{dataStore: dataStore, proxyUrl: '{proxy}', "
                  f"perPage: {PER}, totalRecord:{len(col.listed)}, groupSize: 3, "
                  f"ajaxParam: {{col:1,appid:1,webid:{WEBID},path:'/',columnid:{col.id},sourceContentType:1,"
                  f"unitid:'{unitid}',webname:'{SITE_NAME}',permissiontype:0}}}}); }});</script>")
        body = (f'{self._crumb(col)}\n<div class="main"><h2>{_e(col.name)}</h2><div id="div{unitid}">\n{ds}\n</div>\n'
                f'{script}\n</div>')
        return self._page(f"{col.name}_{SITE_NAME}", [("ColumnName", col.name), ("ColumnType", "信息公开")], body)

    def _pagenum_page(self, col: XColumn, page: int) -> str | None:
        unitid = 7900 + int(col.id) % 100
        items = col.listed
        pages = max(1, (len(items) + PER - 1) // PER)
        if page < 1 or page > pages:
            return None
        lis = "\n".join(self._li(a) for a in items[(page - 1) * PER: page * PER])

        def link(n, text):
            return f'<a href="{col.url}?uid={unitid}&amp;pageNum={n}">{text}</a>'
        pager = [f"<span>共{len(items)}条　{page}/{pages}页</span>"]
        if page > 1:
            pager += [link(1, "首页"), link(page - 1, "上一页")]
        if page < pages:
            pager += [link(page + 1, "下一页"), link(pages, "尾页")]
        body = (f'{self._crumb(col)}\n<div class="main"><h2>{_e(col.name)}</h2><div id="{unitid}">\n'
                f'<div class="default_pgContainer"><ul>\n{lis}\n</ul></div>\n'
                f'<div class="default_pgPanel">{"".join(pager)}</div>\n</div></div>')
        return self._page(f"{col.name}_{SITE_NAME}", [("ColumnName", col.name), ("ColumnType", "政务动态")], body)

    def _dataproxy(self, method: str, path: str, args: dict) -> Reply:
        col = self.by_id.get(args.get("columnid", ""))
        if col is None:
            return not_found()
        kind = self.kinds[col.id]
        if kind == "emptyproxy" and path == PROXY_NEW:
            return Reply(200, "text/html; charset=UTF-8", b"")
        if kind != "getpage" or path != PROXY_OLD:
            return not_found()
        if method == "POST":
            return Reply(405, "text/plain; charset=utf-8", b"Request method 'POST' not supported\n",
                         extra={"allow": "GET"})
        try:
            page = max(1, int(args.get("page", "1")))
        except ValueError:
            return Reply(400, "text/plain; charset=utf-8", b"bad page\n")
        items = col.listed
        recs = "\n".join(f"<record><![CDATA[{self._li(a)}]]></record>" for a in items[(page - 1) * PER: page * PER])
        xml = (f"<datastore>\n<totalrecord>{len(items)}</totalrecord>\n<totalpage>{(len(items) + PER - 1) // PER}</totalpage>\n"
               f"<recordset>\n{recs}\n</recordset>\n</datastore>")
        return Reply(200, "text/xml; charset=UTF-8", xml.encode("utf-8"))

    # ------------------------------------------------------------------ generic variants
    def _generic_page(self, col: XColumn, page: int) -> str | None:
        items = col.listed
        pages = max(1, (len(items) + GEN_PER - 1) // GEN_PER)
        if page < 1 or page > pages:
            return None
        kind = self.kinds[col.id]

        def href(n):
            if kind == "querypage":
                return f"list.html?page={n}"
            return "index.html" if n == 1 else f"index_{n}.html"
        lis = "\n".join(f'<li><a href="{a.url}">{_e(a.title)}</a><span class="date">[{a.published.isoformat()}]</span></li>'
                        for a in items[(page - 1) * GEN_PER: page * GEN_PER])
        pager = [f'<a href="{href(1)}">首页</a>']
        if page > 1:
            pager.append(f'<a href="{href(page - 1)}">上一页</a>')
        pager.append(f"<span>第{page}页/共{pages}页</span>")
        if page < pages:
            pager.append(f'<a href="{href(page + 1)}">下一页</a>')
        pager.append(f'<a href="{href(pages)}">尾页</a>')
        body = (f'<div class="crumb">您现在的位置：<a href="/index.html">首页</a> &gt; <a href="{col.url}">{_e(col.name)}</a></div>\n'
                f'<div class="main"><ul class="news_list">\n{lis}\n</ul>\n<div class="pager">{" ".join(pager)}</div></div>')
        return self._page(f"{col.name}", [], body, fingerprint=False)

    def _generic_article(self, a: XArticle) -> str:
        col = self.by_id[a.column]
        paras = "".join(f"<p>{_e(p)}</p>" for p in a.paras)
        body = (f'<div class="crumb">您现在的位置：<a href="/index.html">首页</a> &gt; <a href="{col.url}">{_e(col.name)}</a></div>\n'
                f'<div class="main"><h1 class="article-title">{_e(a.title)}</h1>\n'
                f'<div class="article-info">发布时间：{a.pubdate}　来源：{_e(a.publisher)}　浏览：{a.id % 900 + 37}次</div>\n'
                f'<div class="article_content">{paras}</div>\n'
                f'<div class="prev-next"><p>上一篇：<a href="{col.url}">返回列表</a></p></div></div>')
        return self._page(f"{a.title}_{SITE_NAME}", [], body, fingerprint=False)

    def _jcms_article(self, a: XArticle) -> str:
        col = self.by_id[a.column]
        metas = [("ColumnName", col.name), ("ArticleTitle", a.title), ("PubDate", a.pubdate), ("ContentSource", a.publisher)]
        paras = "".join(f"<p>{_e(p)}</p>" for p in a.paras)
        body = (f'{self._crumb(col)}\n<div class="main"><h1>{_e(a.title)}</h1>\n'
                f'<div id="zoom"><!--ZJEG_RSS.content.begin--><meta name="ContentStart">{paras}'
                f'<meta name="ContentEnd"><!--ZJEG_RSS.content.end--></div></div>')
        return self._page(f"{a.title}_{SITE_NAME}", metas, body)

    # ------------------------------------------------------------------ dispatch
    def reply(self, method, path, args, headers) -> Reply:
        if path == "/robots.txt":
            return self.robots()
        if path in (PROXY_NEW, PROXY_OLD):
            return self._dataproxy(method, path, args)
        if path in ("/col/col9008/index.html", "/col/col9008/"):
            return Reply(503, "text/html; charset=utf-8", "<html><body>Service Unavailable 服务暂时不可用</body></html>".encode())
        if path in ("/col/col9001/index.html", "/col/col9001/"):
            return Reply(412, "text/html; charset=utf-8",
                         ("<html><head><title>412 Precondition Failed</title></head><body><h1>访问被拦截</h1>"
                          "<p>您的访问请求可能对网站造成安全威胁，请求已被网站应用防火墙拦截。</p>"
                          "<script>document.cookie='waf_token=1';location.reload();</script></body></html>").encode())
        key = path + "?" + "&".join(f"{k}={v}" for k, v in sorted(args.items()))
        got = self.cache.get(key)
        if got is None:
            got = self._reply(path, args)
            self.cache[key] = got
        if method not in ("GET", "HEAD") and got.status == 200:
            return Reply(405, "text/plain; charset=utf-8", b"method not allowed\n")
        return got

    def _reply(self, path: str, args: dict) -> Reply:
        if path in ("/", "/index.html"):
            return html_reply(self.home())
        if path in ("/col/col9002/index.html", "/col/col9002/"):
            col = self.by_id["9002"]
            body = (f'{self._crumb(col)}\n<div class="main"><h2>{_e(col.name)}</h2><div id="list"></div></div>\n'
                    "<script>$.ajax({url:'/api/list?col=9002',dataType:'json',success:function(d){"
                    "$('#list').html(d.items.map(function(x){return '<li>'+x.title+'</li>';}).join(''));}});</script>")
            return html_reply(self._page(f"{col.name}_{SITE_NAME}", [("ColumnName", col.name)], body))
        for cid, proxy in (("9003", PROXY_NEW), ("9004", PROXY_OLD)):
            if path in (f"/col/col{cid}/index.html", f"/col/col{cid}/"):
                return html_reply(self._jcms_page(self.by_id[cid], proxy))
        if path in ("/col/col9005/index.html", "/col/col9005/"):
            try:
                page = int(args.get("pageNum", "1"))
            except ValueError:
                return not_found()
            text = self._pagenum_page(self.by_id["9005"], page)
            return html_reply(text) if text else not_found()
        if path == "/xwzx/list.html":
            try:
                page = int(args.get("page", "1"))
            except ValueError:
                return not_found()
            text = self._generic_page(self.by_id["9006"], page)
            return html_reply(text) if text else not_found()
        if path.startswith("/tzgg/index") and path.endswith(".html"):
            rest = path[len("/tzgg/index"):-5]
            page = 1 if rest == "" else (int(rest[1:]) if rest.startswith("_") and rest[1:].isdigit() else 0)
            text = self._generic_page(self.by_id["9007"], page) if page else None
            return html_reply(text) if text else not_found()
        a = self.by_path.get(path)
        if a is not None:
            page = self._generic_article(a) if self.by_id[a.column].platform == "generic" else self._jcms_article(a)
            return html_reply(page, last_modified=a.last_modified)
        return not_found()


class ExternalSite(ExtraSite):
    """Another organisation's site, linked from the bureau's pages."""

    key = "external"
    name = "外部网站"

    def robots(self) -> Reply:
        return Reply(200, "text/plain; charset=utf-8", b"User-agent: *\nDisallow:\n")

    def reply(self, method, path, args, headers) -> Reply:
        if path == "/robots.txt":
            return self.robots()
        page = lambda t: html_reply(f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{t}</title></head>'
                                    f'<body><h1>{t}</h1></body></html>')
        if path == "/ok.html":
            return page("上级网站")
        if path == "/nohead.html":
            if method == "HEAD":
                return Reply(405, "text/plain; charset=utf-8", b"", extra={"allow": "GET"})
            return page("不支持HEAD的页面")
        return not_found()
