"""Hanweb (大汉) JCMS list pages: the datastore CDATA on the column page, then dataproxy.jsp.

The first records sit in ``<script type="text/xml"><datastore>…<record><![CDATA[<li>…]]></record>``,
invisible to an HTML parser. Further records come from ``dataproxy.jsp`` (path read from the page:
``/module/web/jpage/`` or the older ``/module/jpage/``), asked by POST in record ranges
``?startrecord=S&endrecord=E&perpage=15`` with the page's form fields, until ``totalrecord``.
"""
from __future__ import annotations

import html as _html
import re
from urllib.parse import parse_qsl, urljoin

import scrapy

from .base import ListAdapter, ListWalk, entries_from_html

PER_PAGE = 15
PAGES_PER_CALL = 3          # real clients ask for three display pages per call (45 records)

_DATASTORE = re.compile(r"<datastore>(.*?)</datastore>", re.I | re.S)
_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.I | re.S)
_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[(.*?)\]\]>\s*</nextgroup>", re.I | re.S)
_PROXY = re.compile(r"""((?:https?://[^"'\s<>]+?)?/module/(?:web/)?jpage/dataproxy\.jsp)(\?[^"'\s<>]*)?""", re.I)
_IDS = re.compile(r"""webid=(\d+)[^"']*?unitid=(\d+)""", re.I)
_COLUMNID = re.compile(r"""columnid=(\d+)""", re.I)
_WEBNAME = re.compile(r"""webname=([^&"'\s<>]*)""", re.I)
_TOTAL_JS = re.compile(r"""totalRecord\s*[:=]\s*['"]?(\d+)""", re.I)
_TOTAL_XML = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.I)


class JcmsAdapter(ListAdapter):
    name = "jcms"

    def detect(self, response) -> bool:
        text = response.text
        return bool(_DATASTORE.search(text) or _PROXY.search(text))

    # --- the column page --------------------------------------------------------------------------
    def first(self, response, walk: ListWalk) -> None:
        text = response.text
        store = _DATASTORE.search(text)
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
        walk.state.update(proxy=proxy, params=params, next_start=1)
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
        proxy, params = walk.state.get("proxy"), walk.state.get("params") or {}
        if not proxy or not params.get("webid"):
            if walk.is_list_page and walk.total is None and not walk.entries:
                walk.complete = True  # a datastore with no records and nothing to ask: blank
            else:
                walk.fail("list has more records but the page names no dataproxy.jsp/webid")
            return None
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

    def more(self, response, walk: ListWalk) -> None:
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
            new += walk.add(entries_from_html(rec, walk.url))
        walk.state["next_start"] = end + 1
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
