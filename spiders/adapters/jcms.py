"""Hanweb (大汉) JCMS list pages: the datastore CDATA on the column page, then dataproxy.jsp; or the
server-side ``?uid=…&pageNum=N`` static paging.

The first records sit in ``<script type="text/xml"><datastore>…<record><![CDATA[<li>…]]></record>``,
invisible to an HTML parser. Further records come from ``dataproxy.jsp`` (path read from the page:
``/module/web/jpage/`` or the older ``/module/jpage/``), asked either

- by POST in record ranges ``?startrecord=S&endrecord=E&perpage=15`` with the page's form fields
  (the default; three display pages per call), or
- by GET, page style ``?page=N&appid=1&webid=…&columnid=…&unitid=…`` (15 records a page) when the
  page's script says so (``type: 'get'``), or when the POST is refused (400/403/404/405/501),

until ``totalrecord``. The static variant renders each page as HTML (``/col/colC/index.html?uid=U&pageNum=N``)
with a pager (下一页/尾页, ``共N条``); it is read page by page like a generic list.
"""
from __future__ import annotations

import html as _html
import re
from urllib.parse import parse_qsl, urlencode, urljoin

import scrapy

from .base import ListAdapter, ListWalk, entries_from_html

PER_PAGE = 15
PAGES_PER_CALL = 3          # real clients ask for three display pages per call (45 records)
MAX_STATIC_PAGES = 500

_DATASTORE = re.compile(r"<datastore>(.*?)</datastore>", re.I | re.S)
_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.I | re.S)
_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[(.*?)\]\]>\s*</nextgroup>", re.I | re.S)
# the path may sit under the site's prefix (/jtj/module/…): keep every segment before /module/
_PROXY = re.compile(r"""((?:https?://[^"'\s<>/]+)?(?:/[\w.~-]+)*?/module/(?:web/)?jpage/dataproxy\.jsp)(\?[^"'\s<>]*)?""",
                    re.I)
_IDS = re.compile(r"""webid=(\d+)[^"']*?unitid=(\d+)""", re.I)
_COLUMNID = re.compile(r"""columnid=(\d+)""", re.I)
_WEBNAME = re.compile(r"""webname=([^&"'\s<>]*)""", re.I)
_TOTAL_JS = re.compile(r"""totalRecord\s*[:=]\s*['"]?(\d+)""", re.I)
_TOTAL_XML = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.I)
_GET_HINT = re.compile(r"""\b(?:ajaxType|requestType|type|method)\s*:\s*['"]get['"]""", re.I)
_STATIC = re.compile(r"""[?&](?:amp;)?uid=(\d+)&(?:amp;)?pageNum=(\d+)""", re.I)
_TOTAL_TEXT = re.compile(r"共\s*(\d+)\s*条")
_LI = re.compile(r"<li[^>]*>(.*?)</li>", re.I | re.S)
REFUSED = (400, 403, 404, 405, 501)


class JcmsAdapter(ListAdapter):
    name = "jcms"

    def detect(self, response) -> bool:
        text = response.text
        return bool(_DATASTORE.search(text) or _PROXY.search(text) or _STATIC.search(text))

    # --- the column page --------------------------------------------------------------------------
    def first(self, response, walk: ListWalk) -> None:
        text = response.text
        store = _DATASTORE.search(text)
        if not store and not _PROXY.search(text) and _STATIC.search(text):
            return self._static_first(response, walk)
        if store:
            walk.is_list_page = True
            records = _RECORD.findall(store.group(1))
            for rec in records:
                walk.add(entries_from_html(rec, response.url))
            walk.state["records_on_page"] = len(records)
        total = _TOTAL_JS.search(text)
        if total:
            walk.total = int(total.group(1))
        # where to ask for more: the nextgroup link first, else anywhere in the page
        params: dict[str, str] = {}
        proxy = None
        ng = _NEXTGROUP.search(store.group(1)) if store else None
        for source in ([ng.group(1)] if ng else []) + [text]:
            m = _PROXY.search(_html.unescape(source))
            if m:
                proxy = urljoin(response.url, m.group(1))
                params = dict(parse_qsl((m.group(2) or "?")[1:], keep_blank_values=True))
                break
        scan = _html.unescape(ng.group(1)) if ng else text
        ids = _IDS.search(scan) or _IDS.search(text)
        if ids:
            params.setdefault("webid", ids.group(1))
            params.setdefault("unitid", ids.group(2))
        col = _COLUMNID.search(scan) or _COLUMNID.search(text)
        params.setdefault("columnid", col.group(1) if col else walk.column_id)
        wn = _WEBNAME.search(scan) or _WEBNAME.search(text)
        if wn and "webname" not in params:
            params["webname"] = wn.group(1)
        style = "page" if _GET_HINT.search(text) else "range"
        # the page shows the first whole display pages; the plugin asks on from the next page boundary
        pages_shown = len(walk.entries) // PER_PAGE
        walk.state.update(proxy=proxy, params=params, next_start=pages_shown * PER_PAGE + 1, style=style,
                          next_page=pages_shown + 1, mode="datastore")
        walk.pages = 1
        self._settle(walk)

    def _settle(self, walk: ListWalk) -> None:
        """Decide whether the walk is complete after the records seen so far."""
        if walk.failed:
            return
        if walk.total is not None and len(walk.entries) >= walk.total:
            walk.complete = True
        elif walk.total == 0:
            walk.complete = True

    # --- dataproxy ---------------------------------------------------------------------------------
    def next_request(self, walk: ListWalk) -> scrapy.Request | None:
        if walk.complete or walk.failed:
            return None
        if walk.state.get("mode") == "static":
            return self._static_next(walk)
        proxy, params = walk.state.get("proxy"), walk.state.get("params") or {}
        if not proxy or not params.get("webid"):
            if walk.is_list_page and walk.total is None and not walk.entries:
                walk.complete = True  # a datastore with no records and nothing to ask: blank
            else:
                walk.fail("list has more records but the page names no dataproxy.jsp/webid")
            return None
        if walk.state.get("style") == "page":
            return self._page_request(walk, proxy, params)
        start = walk.state["next_start"]
        if walk.total is not None and start > walk.total:
            walk.fail(f"dataproxy listed {len(walk.entries)} of {walk.total} records")
            return None
        end = start + PER_PAGE * PAGES_PER_CALL - 1
        form = {
            "col": "1", "appid": params.get("appid", "1"), "webid": params["webid"],
            "path": params.get("path", "/"), "columnid": params.get("columnid", walk.column_id),
            "sourceContentType": params.get("sourceContentType", "1"),
            "unitid": params.get("unitid", ""), "webname": params.get("webname", ""),
            "permissiontype": params.get("permissiontype", "0"),
        }
        url = f"{proxy}?startrecord={start}&endrecord={end}&perpage={PER_PAGE}"
        walk.state["pending"] = (start, end)
        return scrapy.FormRequest(
            url, formdata=form, method="POST",
            headers={"X-Requested-With": "XMLHttpRequest", "Referer": walk.url},
            dont_filter=True)

    def _page_request(self, walk: ListWalk, proxy: str, params: dict) -> scrapy.Request | None:
        page = walk.state["next_page"]
        if walk.total is not None and (page - 1) * PER_PAGE >= walk.total:
            walk.fail(f"dataproxy listed {len(walk.entries)} of {walk.total} records")
            return None
        query = {"page": str(page), "appid": params.get("appid", "1"), "webid": params["webid"],
                 "path": params.get("path", "/"), "columnid": params.get("columnid", walk.column_id),
                 "unitid": params.get("unitid", "")}
        if params.get("webname"):
            query["webname"] = params["webname"]
        query["permissiontype"] = params.get("permissiontype", "0")
        walk.state["pending"] = ((page - 1) * PER_PAGE + 1, page * PER_PAGE)
        return scrapy.Request(f"{proxy}?{urlencode(query, safe='/%')}", dont_filter=True,
                              headers={"X-Requested-With": "XMLHttpRequest", "Referer": walk.url})

    def retry(self, response, walk: ListWalk) -> scrapy.Request | None:
        """A POST range request refused: ask the same records page-style by GET (once)."""
        if walk.state.get("mode") == "static" or walk.state.get("style") != "range":
            return None
        if response.status not in REFUSED or walk.state.get("tried_get"):
            return None
        walk.state.update(style="page", tried_get=True, next_page=len(walk.entries) // PER_PAGE + 1)
        proxy, params = walk.state.get("proxy"), walk.state.get("params") or {}
        return self._page_request(walk, proxy, params)

    def more(self, response, walk: ListWalk) -> None:
        if walk.state.get("mode") == "static":
            return self._static_more(response, walk)
        text = response.text if hasattr(response, "text") else ""
        walk.pages += 1
        start, end = walk.state.get("pending", (1, PER_PAGE * PAGES_PER_CALL))
        if not text.strip() or "<datastore" not in text.lower():
            walk.fail(f"empty dataproxy answer for records {start}-{end}")
            return
        total = _TOTAL_XML.search(text)
        if total:
            walk.total = int(total.group(1))
        records = _RECORD.findall(text)
        new = 0
        for rec in records:
            new += walk.add(entries_from_html(rec, response.url))  # the page that answered (scheme fallback, redirects)
        walk.state["next_start"] = end + 1
        walk.state["next_page"] = walk.state.get("next_page", 1) + 1
        if walk.total is not None and len(walk.entries) >= walk.total:
            walk.complete = True
        elif not records:
            if walk.total is None or walk.total == 0 or len(walk.entries) >= (walk.total or 0):
                walk.complete = True  # the source answered and has nothing (more)
            else:
                walk.fail(f"dataproxy returned no records for {start}-{end} of {walk.total}")
        elif walk.total is None and len(records) < end - start + 1:
            walk.complete = True  # a short page without a total: the end of the list
        elif new == 0 and walk.total is not None and end >= walk.total:
            walk.fail(f"dataproxy listed {len(walk.entries)} of {walk.total} records")

    # --- the static ?uid=…&pageNum=N variant ---------------------------------------------------------
    def _static_read(self, response, walk: ListWalk) -> None:
        text = response.text
        found = []
        for li in _LI.findall(text):
            found += entries_from_html(li, response.url, article_only=True)
        walk.add(found)
        total = _TOTAL_TEXT.search(text)
        if total:
            walk.total = int(total.group(1))
        current = 1
        m = _STATIC.search(response.url)
        if m:
            current = int(m.group(2))
        uid = walk.state.get("uid")
        pages = [int(p) for u, p in _STATIC.findall(text) if not uid or u == uid]
        walk.state["current"] = current
        walk.state["last_page"] = max(pages + [current])
        if found:
            walk.is_list_page = True

    def _static_first(self, response, walk: ListWalk) -> None:
        uid = _STATIC.search(response.text).group(1)
        walk.state.update(mode="static", uid=uid, base=response.url.split("?", 1)[0])
        walk.pages = 1
        self._static_read(response, walk)
        if walk.total == 0:
            walk.is_list_page = True
        self._static_settle(walk)

    def _static_settle(self, walk: ListWalk) -> None:
        if walk.failed:
            return
        if walk.total is not None and len(walk.entries) >= walk.total:
            walk.complete = True
        elif walk.state["current"] >= walk.state["last_page"]:
            if walk.total is not None and len(walk.entries) < walk.total:
                walk.fail(f"static pages listed {len(walk.entries)} of {walk.total} records")
            else:
                walk.complete = True

    def _static_next(self, walk: ListWalk) -> scrapy.Request | None:
        nxt = walk.state["current"] + 1
        if nxt > MAX_STATIC_PAGES:
            walk.fail("more than %d static list pages" % MAX_STATIC_PAGES)
            return None
        return scrapy.Request(f"{walk.state['base']}?uid={walk.state['uid']}&pageNum={nxt}",
                              headers={"Referer": walk.url}, dont_filter=True)

    def _static_more(self, response, walk: ListWalk) -> None:
        walk.pages += 1
        before = len(walk.entries)
        self._static_read(response, walk)
        if len(walk.entries) == before and not walk.complete:
            if walk.total is not None and before < walk.total:
                walk.fail(f"static page {walk.state['current']} listed nothing new ({before} of {walk.total})")
                return
            walk.complete = True
            return
        self._static_settle(walk)
