"""A Hanweb JPaaS style site (extra replica site ``jpaas``; see extras.py).

- Home ``/index.html``: navigation to ``/col/col{C}/index.html``.
- Column page: ColumnName meta and an empty list container whose ``queryData`` attribute carries the
  parameters, ``queryData="{'webId':'…','tplSetId':'…','tagId':'…'}"``; the page's script asks
  ``/api-gateway/jpaas-publish-server/front/page/build/unit?parseType=bulidstatic&webId=…&pageId={C}&tplSetId=…
  &pageType=column&tagId=…&editType=null&paramJson={"pageNo":N,"pageSize":15}``.
- That endpoint answers ``{"success":true,"data":{"html":"<ul>…</ul><div class=\"page\">共N条</div>"}}``;
  wrong parameters answer ``{"success":false,…}``.
- Articles ``/col/col{C}/art/{YYYY}/art_{32 hex}.html`` with the standard metas and a ``#zoom`` body.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json

from . import content as C
from .extras import (ExtraSite, Reply, XArticle, XColumn, _e, dates_between, html_reply, not_found, rand_time,
                     rng_for, unique_titles)

SITE_NAME = "仿真市人民政府（JPaaS）"
API = "/api-gateway/jpaas-publish-server/front/page/build/unit"
WEB_ID = "f1b2c3d4e5a60718293a4b5c6d7e8f90"
TPL_SET_ID = "8a1f0c2e5b7d4e3f9a6b1c0d2e4f6a8b"
TAG_ID = "信息列表"
PAGE_SIZE = 15
COLUMNS = [("1001", "政务公开经验做法", 37), ("1002", "基层政务公开", 0)]


class JpaasSite(ExtraSite):
    key = "jpaas"
    name = SITE_NAME

    def __init__(self, seed, night, urls):
        super().__init__(seed, night, urls)
        self.by_path: dict[str, XArticle] = {}
        for cid, name, n in COLUMNS:
            col = XColumn(cid, name, f"/col/col{cid}/index.html", "jpaas", "normal" if n else "blank",
                          per_page=PAGE_SIZE)
            rng = rng_for(seed, "jpaas", cid)
            dates = dates_between(rng, n, dt.date(2019, 6, 1), dt.date(2020, 12, 28)) if n else []
            units = [rng.choice(C.CITY_UNITS) for _ in range(n)]
            titles = unique_titles(rng, lambda r, i: C.upper_title(r, units[i]), n)
            col.articles = [self._article(col, d, t, rand_time(rng), rng, u) for d, t, u in zip(dates, titles, units)]
            self.columns.append(col)
        for k in range(1, night + 1):
            rng = rng_for(seed, "jpaas", "night", k)
            d = dt.date(2020, 12, 31) + dt.timedelta(days=k - 1)
            col = self.columns[0]
            a = self._article(col, d, f"兖州区教育和体育局推进政务公开标准化规范化建设（{k}）", "10:00", rng,
                              "兖州区教育和体育局")
            a.night_added = k
            col.articles.insert(0, a)
        for c in self.columns:
            for a in c.articles:
                self.by_path[a.url] = a

    def _article(self, col, d, title, time, rng, unit) -> XArticle:
        h = hashlib.md5(f"{self.seed}|jpaas|{col.id}|{title}".encode()).hexdigest()
        url = f"/col/col{col.id}/art/{d.year}/art_{h}.html"
        return XArticle("jpaas", col.id, int(h[:8], 16), url, url, title, d, time, unit,
                        paras=C.upper_body(rng, d, unit, title))

    # ------------------------------------------------------------------ pages
    def _chrome(self, title: str, metas: list[tuple[str, str]], body: str) -> str:
        m = "".join(f'<meta name="{k}" content="{_e(v)}">\n' for k, v in [("SiteName", SITE_NAME)] + metas)
        nav = "".join(f'<a href="{c.url}">{_e(c.name)}</a>' for c in self.columns)
        return (f'<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n<title>{_e(title)}</title>\n{m}'
                f'<script src="/jpaas/static/jquery.min.js"></script>\n</head>\n<body>\n'
                f'<div class="hd">{_e(SITE_NAME)}</div>\n<div class="nav"><a href="/index.html">首页</a>{nav}</div>\n'
                f'{body}\n<div class="ft">{_e(SITE_NAME)}办公室主办</div>\n</body>\n</html>\n')

    def home(self) -> str:
        lis = "".join(f'<li><a href="{c.url}">{_e(c.name)}</a></li>' for c in self.columns)
        return self._chrome(SITE_NAME, [("ColumnName", "首页")], f'<div class="main"><ul>{lis}</ul></div>')

    def column_page(self, col: XColumn) -> str:
        qd = "{'webId':'%s','tplSetId':'%s','tagId':'%s'}" % (WEB_ID, TPL_SET_ID, TAG_ID)
        script = (
            "<script>\n$(function(){\n  var box = $('#jpaas-list');\n  var q = eval('(' + box.attr('queryData') + ')');\n"
            "  function load(n){ $.get('" + API + "', {parseType:'bulidstatic', webId:q.webId, pageId:'" + col.id + "',"
            " tplSetId:q.tplSetId, pageType:'column', tagId:q.tagId, editType:'null',"
            " paramJson: JSON.stringify({pageNo:n, pageSize:" + str(PAGE_SIZE) + "})}, function(r){ if(r.success){ box.html(r.data.html); } }); }\n"
            "  load(1);\n});\n</script>")
        body = (f'<div class="crumb">当前位置：<a href="/index.html">首页</a> &gt; {_e(col.name)}</div>\n'
                f'<div class="main"><h2>{_e(col.name)}</h2>\n'
                f'<div id="jpaas-list" class="jpaas-list" queryData="{qd}" pageId="{col.id}"></div>\n</div>\n{script}')
        return self._chrome(f"{col.name}_{SITE_NAME}", [("ColumnName", col.name), ("ColumnType", "政务公开")], body)

    def unit_json(self, col: XColumn, page: int, size: int) -> str:
        items = col.listed
        recs = items[(page - 1) * size: page * size]
        lis = "".join(f'<li><a href="{a.url}" title="{_e(a.title)}" target="_blank">{_e(a.title)}</a>'
                      f'<span class="date">{a.published.isoformat()}</span></li>' for a in recs)
        if not items:
            lis = '<li class="nodata">暂无数据</li>'
        pages = max(1, (len(items) + size - 1) // size)
        html = (f'<ul class="list">{lis}</ul><div class="page" data-total="{len(items)}">共{len(items)}条 '
                f'第{page}/{pages}页</div>')
        return json.dumps({"success": True, "code": 200, "data": {"html": html}}, ensure_ascii=False)

    def article_page(self, a: XArticle) -> str:
        col = next(c for c in self.columns if c.id == a.column)
        metas = [("ColumnName", col.name), ("ArticleTitle", a.title), ("PubDate", a.pubdate),
                 ("ContentSource", a.publisher)]
        paras = "".join(f"<p>{_e(p)}</p>" for p in a.paras)
        body = (f'<div class="crumb">当前位置：<a href="/index.html">首页</a> &gt; <a href="{col.url}">{_e(col.name)}</a></div>\n'
                f'<div class="main"><h1>{_e(a.title)}</h1><div class="info">发布时间：{a.pubdate}　来源：{_e(a.publisher)}</div>\n'
                f'<div id="zoom">{paras}</div></div>')
        return self._chrome(a.title, metas, body)

    # ------------------------------------------------------------------ dispatch
    def reply(self, method, path, args, headers) -> Reply:
        if path == "/robots.txt":
            return self.robots()
        if path == API:
            return self._api(args)
        got = self.cache.get(path)
        if got is None:
            got = self._reply(path)
            self.cache[path] = got
        if method not in ("GET", "HEAD") and got.status == 200:
            return Reply(405, "text/plain; charset=utf-8", b"method not allowed\n")
        return got

    def _api(self, args) -> Reply:
        def fail(msg):
            return Reply(200, "application/json; charset=utf-8",
                         json.dumps({"success": False, "message": msg}, ensure_ascii=False).encode())
        if (args.get("webId"), args.get("tplSetId"), args.get("tagId")) != (WEB_ID, TPL_SET_ID, TAG_ID) \
                or args.get("parseType") != "bulidstatic" or args.get("pageType") != "column":
            return fail("参数错误")
        col = next((c for c in self.columns if c.id == args.get("pageId")), None)
        if col is None:
            return fail("页面不存在")
        try:
            pj = json.loads(args.get("paramJson") or "{}")
            page, size = max(1, int(pj.get("pageNo", 1))), max(1, min(100, int(pj.get("pageSize", PAGE_SIZE))))
        except (ValueError, TypeError, AttributeError):
            return fail("paramJson 错误")
        return Reply(200, "application/json; charset=utf-8", self.unit_json(col, page, size).encode("utf-8"))

    def _reply(self, path: str) -> Reply:
        if path in ("/", "/index.html"):
            return html_reply(self.home())
        for c in self.columns:
            if path in (c.url, f"/col/col{c.id}/"):
                return html_reply(self.column_page(c))
        a = self.by_path.get(path)
        if a is not None:
            return html_reply(self.article_page(a), last_modified=a.last_modified)
        return not_found()
