"""A TRS WCM style site (extra replica site ``trs``; see extras.py).

- Home ``/index.html``: navigation to the columns as directory links (``/zwgk/tzgg/``).
- Column ``/zwgk/{code}/index.html`` (also ``/zwgk/{code}/``), further pages ``index_1.html`` …
  (``createPageHTML(countPage, currentPage, "index", "html")``, current page 0-based), 20 items a page,
  entries ``<a href="./202012/t20201228_4001234.html">``. No ColumnName meta: the name is only in the
  breadcrumb (当前位置：首页 > 政务公开 > 通知公告).
- Articles ``/zwgk/{code}/YYYYMM/tYYYYMMDD_{id}.html`` (``.shtml`` in the 政策文件 column, which is
  served GB2312 and has no meta tags: its dates and source are in the text and a 信息公开 header table);
  body in ``div.TRS_Editor``; attachments as relative ``./P0….pdf`` links; one 通知公告 article is only an
  attachment. Some bodies carry links: another article (200), a missing article (404), the external
  site (200, 404, HEAD-405), a closed port, and a robots-disallowed ``/private/`` page.
"""
from __future__ import annotations

import datetime as dt
import hashlib

from . import attachments as ATT
from . import content as C
from .extras import (ExtraSite, Reply, XArticle, XAttachment, XColumn, _e, dates_between, html_reply,
                     not_found, rand_time, rng_for, unique_titles)

SITE_NAME = "仿真市教育局（TRS）"
PER_PAGE = 20
CLOSED_PORT_URL = "http://127.0.0.1:9/closed.html"
COLUMNS = [  # code, name, count at night 0, article extension, encoding
    ("tzgg", "通知公告", 47, "html", "utf-8"),
    ("zcwj", "政策文件", 23, "shtml", "gb2312"),
    ("tjxx", "统计信息", 0, "html", "utf-8"),
]
ID_BASE = 4001000


class TrsSite(ExtraSite):
    key = "trs"
    name = SITE_NAME

    def __init__(self, seed, night, urls):
        super().__init__(seed, night, urls)
        self.by_path: dict[str, XArticle] = {}
        self.files: dict[str, tuple[XArticle, XAttachment]] = {}
        nid = ID_BASE
        for code, name, n, ext, enc in COLUMNS:
            col = XColumn(code, name, f"/zwgk/{code}/", "trs", "normal" if n else "blank", per_page=PER_PAGE)
            rng = rng_for(seed, "trs", code)
            dates = dates_between(rng, n, dt.date(2019, 3, 1), dt.date(2020, 12, 29)) if n else []
            make = (lambda r, i: C.notice_title(r, dates[i])) if code == "tzgg" else \
                (lambda r, i: f"仿真市教育局关于印发{r.choice(['学校安全管理', '教师队伍建设', '课后服务', '学前教育发展', '教育督导', '校外培训监管'])}"
                              f"{r.choice(['实施办法', '工作方案', '若干措施', '管理规定'])}的通知")
            titles = unique_titles(rng, make, n)
            arts = []
            for i, (d, title) in enumerate(zip(dates, titles)):
                nid += rng.randint(3, 41)
                arts.append(self._article(col, nid, d, title, rand_time(rng), ext, enc, rng))
            # ids grow with time: the newest item has the largest id
            ids = sorted(a.id for a in arts)[::-1]
            for a, i in zip(arts, ids):
                self._renumber(a, i, ext)
            col.articles = arts
            self.columns.append(col)
        tz, zc = self.columns[0], self.columns[1]
        self.next_id = nid + 1000
        # planted features on fixed positions
        self._plant(tz, zc)
        for k in range(1, night + 1):
            rng = rng_for(seed, "trs", "night", k)
            d = dt.date(2020, 12, 31) + dt.timedelta(days=k - 1)
            self.next_id += rng.randint(5, 20)
            a = self._article(tz, self.next_id, d, f"关于{d.year}年{d.month}月{d.day}日教育系统值班安排的通知（第{k}批）",
                              "09:00", "html", "utf-8", rng)
            a.night_added = k
            tz.articles.insert(0, a)
        if night >= 1:
            self.left_recent.listed = False
            self.left_deep.listed = False
        for c in self.columns:
            for a in c.articles:
                self.by_path[a.url] = a
                for t in a.attachments:
                    self.files[t.url] = (a, t)

    # ------------------------------------------------------------------ model
    def _article(self, col, nid, d, title, time, ext, enc, rng) -> XArticle:
        a = XArticle("trs", col.id, nid, "", "", title, d, time, "仿真市教育局办公室",
                     paras=C.generic_body(rng, d, title)[:4] + ["仿真市教育局", C.cn_date(d)], encoding=enc)
        self._renumber(a, nid, ext)
        return a

    @staticmethod
    def _renumber(a: XArticle, nid: int, ext: str) -> None:
        d = a.published
        a.id = nid
        rel = f"{d.year}{d.month:02d}/t{d.year}{d.month:02d}{d.day:02d}_{nid}.{ext}"
        a.href = "./" + rel
        a.url = f"/zwgk/{a.column}/" + rel

    def _attach(self, a: XArticle, name: str, typ: str) -> XAttachment:
        d = a.published
        fid = hashlib.md5(f"{self.seed}|trs|{a.id}|{len(a.attachments)}".encode()).hexdigest()
        fname = f"P0{d.year}{d.month:02d}{d.day:02d}{a.id}{len(a.attachments) + 1:02d}.{typ}"
        t = XAttachment(url=a.url.rsplit("/", 1)[0] + "/" + fname, href="./" + fname, name=name, type=typ,
                        spec={"title": f"{a.title}附件", "paras": [f"{name[:-len(typ) - 1]}", f"{a.title}的附件内容。",
                                                                   "仿真市教育局预算公开表格说明。"],
                              "tables": [("汇总表", [["项目", "金额（万元）"], ["基本支出", "1234.56"],
                                                     ["项目支出", "789.01"]])]},
                        fid=fid)
        a.attachments.append(t)
        return t

    def _plant(self, tz: XColumn, zc: XColumn) -> None:
        ext = self.urls.get("external")
        # 1. a budget notice with a relative PDF attachment
        budget = tz.articles[3]
        budget.title = "仿真市教育局2020年部门预算公开"
        budget.paras = ["根据《预算法》有关规定，现将仿真市教育局2020年部门预算予以公开。", "附件：", "仿真市教育局", C.cn_date(budget.published)]
        self._attach(budget, "仿真市教育局2020年部门预算.pdf", "pdf")
        # 2. an article that is only an attachment
        only = tz.articles[5]
        only.title = "2020年仿真市中小学校名录"
        only.paras = []
        self._attach(only, "2020年仿真市中小学校名录.xlsx", "xlsx")
        # 3. body links: internal (ok, missing), external (ok, 404, HEAD 405), closed port, robots-disallowed
        carrier = tz.articles[1]
        target = tz.articles[8]
        carrier.links = [("../" + target.url.split("/", 3)[3], target.title),
                         ("/zwgk/tzgg/201901/t20190102_4000001.html", "已删除的旧通知"),
                         ("/private/internal.html", "内部资料")]
        carrier.links += [(CLOSED_PORT_URL, "已关闭的网站")]
        if ext:
            carrier.links += [(ext + "/ok.html", "上级网站"), (ext + "/gone.html", "已失效的外部页面"),
                              (ext + "/nohead.html", "不支持HEAD的外部页面")]
        self.link_carrier = carrier
        self.link_target = target
        # 4. articles that leave their list from night 1 (their pages keep answering 200)
        self.left_recent = tz.articles[2]
        self.left_deep = zc.articles[-2]        # on the column's last page

    def expected_links(self) -> list[dict]:
        c = self.link_carrier
        ext = self.urls.get("external")
        out = [{"from": c.url, "to": self.link_target.url, "status": 200},
               {"from": c.url, "to": "/zwgk/tzgg/201901/t20190102_4000001.html", "status": 404},
               {"from": c.url, "to": "/private/internal.html", "status": None, "robots": "disallowed"},
               {"from": c.url, "to": CLOSED_PORT_URL, "status": None, "error": "connection refused"}]
        if ext:
            out += [{"from": c.url, "to": ext + "/ok.html", "status": 200},
                    {"from": c.url, "to": ext + "/gone.html", "status": 404},
                    {"from": c.url, "to": ext + "/nohead.html", "status": 200, "head": 405}]
        for a in self.articles:
            for t in a.attachments:
                out.append({"from": a.url, "to": t.url, "status": 200})
        return out

    # ------------------------------------------------------------------ pages
    def _chrome(self, title: str, body: str, charset: str = "utf-8", metas: str = "") -> str:
        nav = "".join(f'<li><a href="/zwgk/{c.id}/">{_e(c.name)}</a></li>' for c in self.columns)
        return (f'<!DOCTYPE html>\n<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html; charset={charset}">\n'
                f'<title>{_e(title)}</title>\n<meta name="SiteName" content="{_e(SITE_NAME)}">\n{metas}'
                f'<link rel="stylesheet" href="/images/style.css">\n</head>\n<body>\n'
                f'<div class="header"><a href="/"><img src="/images/logo.png" alt="{_e(SITE_NAME)}"></a></div>\n'
                f'<div class="nav"><ul><li><a href="/">首页</a></li>{nav}</ul></div>\n{body}\n'
                f'<div class="footer"><p>主办单位：{_e(SITE_NAME)}　地址：仿真市建设路1号</p>'
                f'<p><a href="/">网站首页</a>｜<a href="javascript:window.close()">关闭窗口</a></p></div>\n'
                f'<script src="/images/common.js"></script>\n</body>\n</html>\n')

    def _crumb(self, col: XColumn, rel: str) -> str:
        return (f'<div class="bread">当前位置：<a href="{rel}../../" class="CurrChnlCls">首页</a>&nbsp;&gt;&nbsp;'
                f'<a href="{rel}../" class="CurrChnlCls">政务公开</a>&nbsp;&gt;&nbsp;'
                f'<a href="{rel}./" class="CurrChnlCls">{_e(col.name)}</a></div>')

    def home(self) -> str:
        blocks = []
        for c in self.columns:
            lis = "".join(f'<li><a href="/zwgk/{c.id}/{a.href[2:]}" title="{_e(a.title)}">{_e(a.title[:24])}</a>'
                          f'<span>{a.published.isoformat()}</span></li>' for a in c.listed[:5])
            blocks.append(f'<div class="block"><h3><a href="/zwgk/{c.id}/">{_e(c.name)}</a>'
                          f'<a class="more" href="/zwgk/{c.id}/">更多</a></h3><ul>{lis}</ul></div>')
        return self._chrome(SITE_NAME, '<div class="main">' + "".join(blocks) + "</div>")

    def list_page(self, col: XColumn, page: int) -> str | None:
        items = col.listed
        count = max(1, (len(items) + PER_PAGE - 1) // PER_PAGE)
        if page >= count:
            return None
        lis = "".join(f'<li><a href="{a.href}" target="_blank" title="{_e(a.title)}">{_e(a.title)}</a>'
                      f'<span>{a.published.isoformat()}</span></li>\n'
                      for a in items[page * PER_PAGE:(page + 1) * PER_PAGE])
        if not items:
            lis = '<li class="empty">暂无信息</li>'
        body = (f'{self._crumb(col, "")}\n<div class="main"><div class="side"><h2>政务公开</h2></div>'
                f'<div class="list"><ul class="list_ul">\n{lis}</ul>\n'
                f'<div class="page"><script type="text/javascript">\n'
                f'var currentPage = {page};//所在页从0开始\nvar countPage = {count}//共多少页\n'
                f'createPageHTML(countPage, currentPage, "index", "html");\n</script></div></div></div>')
        return self._chrome(f"{col.name}_{SITE_NAME}", body)

    def article_page(self, a: XArticle) -> str:
        col = next(c for c in self.columns if c.id == a.column)
        paras = []
        for p in a.paras:
            if p == "附件：":
                continue
            paras.append(f"<p>{_e(p)}</p>")
        if a.attachments:
            paras.append("<p>附件：" + "".join(f'<a href="{t.href}" target="_blank">{_e(t.name)}</a>'
                                              for t in a.attachments) + "</p>")
        if a.links:
            paras.append("<p>相关链接：" + "".join(f'<a href="{_e(h)}" target="_blank">{_e(t)}</a> ' for h, t in a.links)
                         + "</p>")
        body_html = "\n".join(paras)
        rel = "../"
        if a.encoding != "utf-8":  # the old GB2312 template: no metas, a header table, dates in the text
            body = (f'{self._crumb(col, rel)}\n<div class="detail">\n'
                    f'<table class="xxgk"><tr><td>索&nbsp;引&nbsp;号：</td><td>FZJY/{a.published.year}-{a.id % 10000:05d}</td>'
                    f'<td>发文机关：</td><td>{_e(a.publisher)}</td></tr>'
                    f'<tr><td>发文字号：</td><td>仿教发〔{a.published.year}〕{a.id % 50 + 1}号</td>'
                    f'<td>成文日期：</td><td>{a.published.year}年{a.published.month:02d}月{a.published.day:02d}日</td></tr></table>\n'
                    f'<h1>{_e(a.title)}</h1>\n<div class="info">发布日期：{a.published.year}年{a.published.month:02d}月'
                    f'{a.published.day:02d}日　来源：{_e(a.publisher)}</div>\n'
                    f'<div class="TRS_Editor">{body_html}</div>\n</div>')
            return self._chrome(a.title, body, charset="gb2312")
        metas = (f'<meta name="ArticleTitle" content="{_e(a.title)}">\n<meta name="PubDate" content="{a.pubdate}">\n'
                 f'<meta name="ContentSource" content="{_e(a.publisher)}">\n')
        rel_items = "".join(f'<li><a href="../{x.href[2:]}">{_e(x.title)}</a></li>'
                            for x in col.listed[:3] if x is not a)
        body = (f'{self._crumb(col, rel)}\n<div class="detail">\n<h1>{_e(a.title)}</h1>\n'
                f'<div class="info">发布时间：{a.pubdate}　来源：{_e(a.publisher)}　【<a href="javascript:window.print()">打印</a>】</div>\n'
                f'<div class="TRS_Editor"><div class="Custom_UnionStyle">{body_html}</div></div>\n'
                f'<div class="related"><h3>相关文章</h3><ul>{rel_items}</ul></div>\n</div>')
        return self._chrome(a.title, body, metas=metas)

    # ------------------------------------------------------------------ dispatch
    def reply(self, method, path, args, headers) -> Reply:
        if path == "/robots.txt":
            return self.robots()
        got = self.cache.get(path)
        if got is None:
            got = self._reply(path)
            self.cache[path] = got
        if method not in ("GET", "HEAD") and got.status == 200:
            return Reply(405, "text/plain; charset=utf-8", b"method not allowed\n", extra={"allow": "GET, HEAD"})
        return got

    def _reply(self, path: str) -> Reply:
        if path in ("/", "/index.html"):
            return html_reply(self.home())
        if path in ("/zwgk/", "/zwgk/index.html"):
            lis = "".join(f'<li><a href="/zwgk/{c.id}/">{_e(c.name)}</a></li>' for c in self.columns)
            return html_reply(self._chrome(f"政务公开_{SITE_NAME}", f'<div class="main"><ul>{lis}</ul></div>'))
        for c in self.columns:
            base = f"/zwgk/{c.id}/"
            if not path.startswith(base):
                continue
            rest = path[len(base):]
            if rest in ("", "index.html"):
                return html_reply(self.list_page(c, 0))
            if rest.startswith("index_") and rest.endswith(".html"):
                try:
                    n = int(rest[6:-5])
                except ValueError:
                    return not_found()
                text = self.list_page(c, n) if n >= 1 else None
                return html_reply(text) if text else not_found()
        a = self.by_path.get(path)
        if a is not None:
            if a.encoding == "utf-8":
                return html_reply(self.article_page(a), last_modified=a.last_modified)
            return html_reply(self.article_page(a), encoding="gb18030", label="GB2312",
                              last_modified=a.last_modified)
        f = self.files.get(path)
        if f is not None:
            art, t = f
            data = ATT.render(t.fid, t.type, t.spec)
            return Reply(200, ATT.MIME[t.type], data, etag='"' + t.fid[:20] + '"', last_modified=art.last_modified)
        return not_found()
