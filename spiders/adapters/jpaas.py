"""Hanweb JPaaS list pages: the column page is a shell; the list comes from the ``build/unit`` JSON endpoint.

The column page carries the parameters in a ``queryData="{'webId':'…','tplSetId':'…','tagId':'…'}"``
attribute; the list is asked page by page::

    GET /api-gateway/jpaas-publish-server/front/page/build/unit?parseType=bulidstatic&webId=…&pageId={C}
        &tplSetId=…&pageType=column&tagId=…&editType=null&paramJson={"pageNo":N,"pageSize":M}

and answers ``{"success":true,"data":{"html":"<ul><li>…</li></ul>…"}}``. The walk ends when the records
the html claims (``共N条``) are seen, or a page brings fewer than ``pageSize`` records or nothing new.
``success: false`` or a body that is not that JSON makes the column unverifiable, never blank.
"""
from __future__ import annotations

import json
import re
from urllib.parse import urlencode, urljoin

import scrapy

from .base import ListAdapter, ListWalk, entries_from_html

API = "/api-gateway/jpaas-publish-server/front/page/build/unit"
PAGE_SIZE = 15
MAX_PAGES = 300

_QUERY_DATA = re.compile(r"""queryData\s*=\s*(["'])(\{.*?\})\1""", re.I | re.S)
_API_PATH = re.compile(r"""((?:https?://[^"'\s]+?)?/api-gateway/jpaas-publish-server/front/page/build/unit)""", re.I)
_PAGE_ID = re.compile(r"""pageId\s*[=:]\s*["']?(\d+)""", re.I)
_COL_ID = re.compile(r"/col/col(\d+)/")
_PAGE_SIZE = re.compile(r"""pageSize["']?\s*:\s*["']?(\d+)""", re.I)
_TOTAL = re.compile(r"""共\s*(\d+)\s*条|data-total=["'](\d+)["']|["']total["']\s*:\s*(\d+)""")
_LI = re.compile(r"<li[^>]*>(.*?)</li>", re.I | re.S)


def parse_query_data(raw: str) -> dict:
    """``{'webId':'…','tplSetId':'…'}`` (single-quoted, as pages print it) → dict."""
    text = raw.strip()
    try:
        return json.loads(text)
    except ValueError:
        pass
    pairs = re.findall(r"""['"]?(\w+)['"]?\s*:\s*['"]([^'"]*)['"]""", text)
    return dict(pairs)


class JpaasAdapter(ListAdapter):
    name = "jpaas"

    def detect(self, response) -> bool:
        text = response.text
        return bool(_QUERY_DATA.search(text) or "jpaas-publish-server" in text)

    def first(self, response, walk: ListWalk) -> None:
        import html as _html

        text = response.text
        m = _QUERY_DATA.search(text)
        params = parse_query_data(_html.unescape(m.group(2))) if m else {}
        api = _API_PATH.search(text)
        page_id = _PAGE_ID.search(text) or _COL_ID.search(response.url)
        size = _PAGE_SIZE.search(text)
        walk.state.update(api=urljoin(response.url, api.group(1) if api else API), params=params,
                          page_id=page_id.group(1) if page_id else walk.column_id,
                          size=int(size.group(1)) if size else PAGE_SIZE, next_page=1)
        walk.pages = 1
        if not params.get("webId"):
            walk.fail("JPaaS column page without queryData webId")
            return
        walk.is_list_page = True   # the shell is the platform's own: its list comes from build/unit

    def next_request(self, walk: ListWalk) -> scrapy.Request | None:
        if walk.complete or walk.failed:
            return None
        page = walk.state["next_page"]
        if page > MAX_PAGES:
            walk.fail(f"more than {MAX_PAGES} JPaaS list pages")
            return None
        p = walk.state["params"]
        query = {"parseType": "bulidstatic", "webId": p.get("webId", ""), "pageId": walk.state["page_id"],
                 "tplSetId": p.get("tplSetId", ""), "pageType": "column", "tagId": p.get("tagId", ""),
                 "editType": "null",
                 "paramJson": json.dumps({"pageNo": page, "pageSize": walk.state["size"]}, separators=(",", ":"))}
        return scrapy.Request(f"{walk.state['api']}?{urlencode(query)}", dont_filter=True,
                              headers={"X-Requested-With": "XMLHttpRequest", "Referer": walk.url,
                                       "Accept": "application/json, text/javascript, */*; q=0.01"})

    def more(self, response, walk: ListWalk) -> None:
        walk.pages += 1
        page = walk.state["next_page"]
        walk.state["next_page"] = page + 1
        body = response.text if hasattr(response, "text") else response.body.decode("utf-8", "replace")
        if not body.strip():
            walk.fail(f"empty JPaaS answer for page {page}")
            return
        try:
            data = json.loads(body)
        except ValueError:
            walk.fail(f"JPaaS answer for page {page} is not JSON")
            return
        if not isinstance(data, dict) or not data.get("success"):
            msg = data.get("message") if isinstance(data, dict) else None
            walk.fail(f"JPaaS build/unit answered success=false{': ' + str(msg) if msg else ''}")
            return
        html = ((data.get("data") or {}).get("html")) or ""
        found = []
        for li in _LI.findall(html):
            found += entries_from_html(li, response.url)  # the page that answered (scheme fallback, redirects)
        new = walk.add(found)
        t = _TOTAL.search(html)
        if t:
            walk.total = int(next(g for g in t.groups() if g))
        size = walk.state["size"]
        if walk.total is not None and len(walk.entries) >= walk.total:
            walk.complete = True
        elif walk.total is not None and walk.total > len(walk.entries) and not found:
            walk.fail(f"JPaaS page {page} listed nothing ({len(walk.entries)} of {walk.total})")
        elif len(found) < size or new == 0:
            walk.complete = True
