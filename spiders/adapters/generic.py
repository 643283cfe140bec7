"""Generic list pages: article-looking links on the page, then 下一页 / TRS createPageHTML paging.

Used when no platform adapter recognises a column page. It never calls a column blank: finding
nothing on an unknown page proves nothing (the list may be filled by JavaScript).
"""
from __future__ import annotations

import html as _html
import re
from urllib.parse import urljoin

import scrapy

from .base import ListAdapter, ListWalk, entries_from_html, looks_like_article

MAX_PAGES = 200
_NEXT = re.compile(r"""<a\s[^>]*href\s*=\s*(["'])([^"']+)\1[^>]*>\s*(?:<(?!/?a[\s>])[^>]+>\s*)*(?:下一页|下页|后一页|&gt;|>)\s*(?:<(?!/?a[\s>])[^>]+>\s*)*</a>""",
                   re.I | re.S)
_TRS_PAGER = re.compile(r"createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*['\"]([^'\"]+)['\"]\s*,\s*['\"]([^'\"]+)['\"]")
_LI = re.compile(r"<li[^>]*>(.*?)</li>", re.I | re.S)
_HREF = re.compile(r"""<a\s[^>]*href\s*=\s*(["'])([^"']+)\1""", re.I)
_PAGE_NO = re.compile(r"""[?&](?:amp;)?(?:page|pageNo|pageNum|pageIndex|p)=(\d+)|index_(\d+)\.s?html?""", re.I)
_SHELL_HINTS = re.compile(r"(ajax|\$\.get|\$\.post|fetch\(|XMLHttpRequest|\.json|api-gateway|vue|react)", re.I)


class GenericAdapter(ListAdapter):
    name = "generic"

    def detect(self, response) -> bool:
        return True

    def _read(self, response, walk: ListWalk) -> int:
        text = response.text
        found = []
        for li in _LI.findall(text):
            found += entries_from_html(li, response.url, article_only=True)
        if not found:
            found = entries_from_html(text, response.url, article_only=True)
        new = walk.add(found)
        nxt = None
        m = _NEXT.search(text)
        if m:
            nxt = urljoin(response.url, _html.unescape(m.group(2)))
        elif self._numbered(text, response.url, walk):
            nxt = self._numbered(text, response.url, walk)
        else:
            trs = _TRS_PAGER.search(text)
            if trs:
                count, current, name, ext = int(trs.group(1)), int(trs.group(2)), trs.group(3), trs.group(4)
                if current + 1 < count:
                    nxt = urljoin(response.url, f"{name}_{current + 1}.{ext}")
        seen = walk.state.setdefault("seen_pages", [response.url])
        if nxt and nxt not in seen and walk.pages < MAX_PAGES:
            walk.state["next"] = nxt
        else:
            walk.state["next"] = None
        return new

    @staticmethod
    def _numbered(text: str, url: str, walk: ListWalk) -> str | None:
        """Without a 下一页 link: a link to page n+1 (``?page=N``, ``index_N.html``) of this list."""
        current = walk.pages or 1
        cur = _PAGE_NO.search(url)
        if cur:
            current = int(next(g for g in cur.groups() if g))
        for m in _HREF.finditer(text):
            href = _html.unescape(m.group(2))
            n = _PAGE_NO.search(href)
            if n and int(next(g for g in n.groups() if g)) == current + 1:
                return urljoin(url, href)
        return None

    def first(self, response, walk: ListWalk) -> None:
        walk.pages = 1
        self._read(response, walk)
        if walk.entries:
            walk.is_list_page = True
        elif _SHELL_HINTS.search(response.text):
            walk.fail("no list found: the page looks like a JavaScript shell")
        else:
            walk.fail("no list recognised on the page")
        self._settle(walk)

    def _settle(self, walk: ListWalk) -> None:
        if not walk.failed and not walk.state.get("next"):
            walk.complete = True
            walk.total = len(walk.entries)

    def next_request(self, walk: ListWalk) -> scrapy.Request | None:
        nxt = walk.state.get("next")
        if walk.failed or walk.complete or not nxt:
            return None
        walk.state["seen_pages"].append(nxt)
        return scrapy.Request(nxt, headers={"Referer": walk.url})

    def more(self, response, walk: ListWalk) -> None:
        walk.pages += 1
        if not looks_like_article(response.url):
            self._read(response, walk)
        self._settle(walk)
