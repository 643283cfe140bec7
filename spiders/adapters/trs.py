"""TRS WCM list pages: ``index.html``, ``index_1.html`` … announced by
``createPageHTML(countPage, currentPage, "index", "html")`` (current page 0-based; the arguments may be
literals or variables set just above). Entries link to ``./YYYYMM/tYYYYMMDD_{id}.html`` (or ``.shtml``),
relative to the column's folder.

A page with the pager and no entries on a single page is a blank column; a page without the pager is
not TRS (detection falls through to the next adapter).
"""
from __future__ import annotations

import re
from urllib.parse import urljoin

import scrapy

from .base import ListAdapter, ListWalk, entries_from_html, looks_like_article

MAX_PAGES = 500
_PAGER = re.compile(r"""createPageHTML\(\s*([\w.]+)\s*,\s*([\w.]+)\s*,\s*['"]([^'"]+)['"]\s*,\s*['"]([^'"]+)['"]""")
_LI = re.compile(r"<li[^>]*>(.*?)</li>", re.I | re.S)


def _value(token: str, text: str) -> int | None:
    if token.isdigit():
        return int(token)
    m = re.search(r"(?:var\s+)?" + re.escape(token) + r"""\s*=\s*['"]?(\d+)""", text)
    return int(m.group(1)) if m else None


def pager(text: str) -> tuple[int, int, str, str] | None:
    """(countPage, currentPage, name, ext) from a page's createPageHTML call."""
    m = _PAGER.search(text)
    if not m:
        return None
    count, current = _value(m.group(1), text), _value(m.group(2), text)
    if count is None or current is None:
        return None
    return count, current, m.group(3), m.group(4)


class TrsAdapter(ListAdapter):
    name = "trs"

    def detect(self, response) -> bool:
        return pager(response.text) is not None

    def _read(self, response, walk: ListWalk) -> int:
        text = response.text
        found = []
        for li in _LI.findall(text):
            found += entries_from_html(li, response.url, article_only=True)
        if not found:
            found = entries_from_html(text, response.url, article_only=True)
        return walk.add(found)

    def first(self, response, walk: ListWalk) -> None:
        walk.pages = 1
        p = pager(response.text)
        count, current, name, ext = p
        folder = response.url.split("?", 1)[0].rsplit("/", 1)[0] + "/"
        walk.state.update(count=max(count, 1), current=current, name=name, ext=ext, folder=folder)
        walk.is_list_page = True
        self._read(response, walk)
        self._settle(walk)

    def _settle(self, walk: ListWalk) -> None:
        if walk.failed:
            return
        if walk.state["current"] + 1 >= walk.state["count"]:
            walk.complete = True
            walk.total = len(walk.entries)

    def next_request(self, walk: ListWalk) -> scrapy.Request | None:
        if walk.complete or walk.failed:
            return None
        nxt = walk.state["current"] + 1
        if nxt >= MAX_PAGES:
            walk.fail(f"more than {MAX_PAGES} TRS list pages")
            return None
        url = urljoin(walk.state["folder"], f"{walk.state['name']}_{nxt}.{walk.state['ext']}")
        walk.state["pending_page"] = nxt
        return scrapy.Request(url, headers={"Referer": walk.url}, dont_filter=True)

    def more(self, response, walk: ListWalk) -> None:
        walk.pages += 1
        if looks_like_article(response.url):
            walk.fail(f"TRS page {response.url} is an article")
            return
        p = pager(response.text)
        walk.state["current"] = p[1] if p else walk.state.get("pending_page", walk.state["current"] + 1)
        if p:
            walk.state["count"] = max(p[0], 1)
        self._read(response, walk)
        self._settle(walk)

    def total_hint(self, walk: ListWalk) -> int | None:
        return walk.total
