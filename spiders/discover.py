"""``zwgk sites discover URL``: walk a portal's navigation and describe every column found.

From the start page, every navigation link that is a column (JCMS/JPaaS ``/col/colN/``) or may be one
(same-host list-like links: ``…/``, ``index.html``, ``list.html``) is fetched; a page that a list adapter
(spiders/adapters) reads is a column, a page that is not a list is a section page whose own links are
followed (``depth``). For each column: name (ColumnName meta, breadcrumb, else the link text), URL,
platform, item count (the total the platform claims, else counted by walking up to ``max_pages`` list
pages), last item date and state (normal | blank | unverifiable, as the crawl decides them).

The fetcher is polite and plain (urllib, one request at a time with a delay, robots.txt obeyed, the
configured User-Agent, http↔https fallback on connection failures, a size cap) and reuses the crawl's
adapters, so what discovery prints is what the crawl will read.
"""
from __future__ import annotations

import datetime as dt
import re
import socket
import ssl
import time
import urllib.error
import urllib.request
import urllib.robotparser
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from scrapy.http import HtmlResponse, Request, TextResponse

from crawler.vocabulary import column_class

from .adapters import ADAPTERS, ListWalk, adapter_for
from .extract import decode_html
from .pagelinks import (HOME_WORDS, breadcrumb_name, column_candidates, column_id_for, column_url, page_links,
                        site_prefix)

MAX_BYTES = 8 * 1024 * 1024
_META = r"""<meta\s[^>]*name\s*=\s*["']{name}["'][^>]*content\s*=\s*["']([^"']*)["']"""
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
_COL = re.compile(r"/col/col(\d+)/")


def meta(text: str, name: str) -> str | None:
    m = re.search(_META.format(name=name), text[:20000], re.I)
    if m and m.group(1).strip() and m.group(1).strip().lower() not in ("null", "none"):
        return m.group(1).strip()
    return None


@dataclass
class Column:
    id: str
    name: str | None
    url: str
    platform: str | None = None
    item_count: int | None = None
    count_exact: bool = True
    last_item_date: str | None = None
    state: str = "unverifiable"
    reason: str | None = None
    cls: str = "other"
    pages: int = 0

    def as_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "url": self.url, "platform": self.platform,
                "item_count": self.item_count, "count_exact": self.count_exact,
                "last_item_date": self.last_item_date, "state": self.state, "reason": self.reason,
                "class": self.cls}


@dataclass
class Fetcher:
    user_agent: str
    delay: float = 0.5
    timeout: float = 30.0
    obey_robots: bool = True
    requests: int = 0
    _last: float = 0.0
    _robots: dict = field(default_factory=dict)
    _prefer: dict = field(default_factory=dict)

    def _allowed(self, url: str) -> bool:
        if not self.obey_robots:
            return True
        p = urlsplit(url)
        key = p.netloc
        if key not in self._robots:
            rp = urllib.robotparser.RobotFileParser()
            try:
                status, _, body, _ = self._get(urlunsplit((p.scheme, p.netloc, "/robots.txt", "", "")))
                rp.parse(body.decode("utf-8", "replace").splitlines() if status == 200 else [])
            except Exception:
                rp.parse([])
            self._robots[key] = rp
        return self._robots[key].can_fetch(self.user_agent, url)

    def _get(self, url: str, method: str = "GET", body: bytes | None = None,
             headers: dict | None = None) -> tuple[int, dict, bytes, str]:
        wait = self._last + self.delay - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._last = time.monotonic()
        self.requests += 1
        hdrs = {"User-Agent": self.user_agent, **(headers or {})}
        req = urllib.request.Request(url, data=body, method=method, headers=hdrs)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                             urllib.request.HTTPSHandler(context=ssl._create_unverified_context()))
        try:
            with opener.open(req, timeout=self.timeout) as r:
                return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read(MAX_BYTES), r.geturl()
        except urllib.error.HTTPError as e:
            return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read(MAX_BYTES), url

    def fetch(self, url: str, method: str = "GET", body: bytes | None = None,
              headers: dict | None = None) -> tuple[int, dict, bytes, str]:
        """(status, headers, body, final URL); raises on connection failure on both schemes."""
        p = urlsplit(url)
        if self._prefer.get(p.netloc) and p.scheme != self._prefer[p.netloc]:
            url = urlunsplit((self._prefer[p.netloc],) + tuple(p)[1:])
        if not self._allowed(url):
            raise PermissionError(f"robots.txt disallows {url}")
        try:
            return self._get(url, method, body, headers)
        except (urllib.error.URLError, socket.timeout, ConnectionError, ssl.SSLError, OSError) as first:
            p = urlsplit(url)
            other = urlunsplit(("http" if p.scheme == "https" else "https",) + tuple(p)[1:])
            try:
                got = self._get(other, method, body, headers)
            except Exception:
                raise first from None
            self._prefer[p.netloc] = urlsplit(other).scheme
            return got

    def response(self, url: str, request: Request | None = None) -> TextResponse:
        if request is not None:
            headers = {k.decode(): b", ".join(v).decode("latin-1") for k, v in request.headers.items()}
            status, hdrs, body, final = self.fetch(request.url, request.method, request.body or None, headers)
        else:
            status, hdrs, body, final = self.fetch(url)
        ctype = hdrs.get("content-type", "text/html")
        m = re.search(r"charset=([\w-]+)", ctype, re.I)
        text, enc = decode_html(body, m.group(1) if m else None)
        cls = HtmlResponse if "html" in ctype or not ctype else TextResponse
        return cls(final, status=status, headers={"Content-Type": ctype}, body=text.encode("utf-8"),
                   encoding="utf-8", request=request or Request(final))


def describe_column(fetcher: Fetcher, url: str, cid: str, label: str | None, *, max_pages: int = 20,
                    platform: str | None = None, page: TextResponse | None = None) -> Column:
    col = Column(id=cid, name=label or None, url=url)
    try:
        resp = page or fetcher.response(url)
    except Exception as e:
        col.reason = f"fetch failed: {type(e).__name__}: {e}"[:200]
        return col
    if resp.status != 200:
        col.reason = f"column page answered HTTP {resp.status}"
        return col
    text = resp.text
    name = meta(text, "ColumnName")
    if name == "首页":
        name = None
    col.name = name or breadcrumb_name(text) or col.name
    col.cls = column_class(None, meta(text, "ColumnType"), col.name)
    adapter = adapter_for(resp, platform)
    col.platform = adapter.name
    walk = ListWalk(site="discover", column_id=cid, url=url, name=col.name)
    walk.adapter = adapter.name
    try:
        adapter.first(resp, walk)
        col.pages = 1
        while not walk.complete and not walk.failed and col.pages < max_pages:
            if walk.total is not None and walk.entries and walk.pages >= 2:
                break   # the platform says how many and its paging answers: no need to walk it all
            req = adapter.next_request(walk)
            if req is None:
                break
            more = fetcher.response(req.url, req)
            col.pages += 1
            if more.status != 200:
                retry = adapter.retry(more, walk)
                if retry is None:
                    walk.fail(f"list page {more.url} answered HTTP {more.status}")
                    break
                more = fetcher.response(retry.url, retry)
                col.pages += 1
                if more.status != 200:
                    walk.fail(f"list page {more.url} answered HTTP {more.status}")
                    break
            adapter.more(more, walk)
    except Exception as e:
        walk.fail(f"list could not be read: {type(e).__name__}: {e}"[:200])
    col.last_item_date = walk.last_item_date
    if walk.failed:
        col.state, col.reason = "unverifiable", walk.failed
        col.item_count = walk.total
    elif walk.complete or walk.total is not None:
        col.item_count = walk.total if walk.total is not None else len(walk.entries)
        col.state = "normal" if (col.item_count or walk.entries) else ("blank" if walk.is_list_page else "unverifiable")
        if col.state == "unverifiable":
            col.reason = "no records and not a recognisable list page"
    else:
        col.item_count, col.count_exact = len(walk.entries), False
        col.state = "normal" if walk.entries else "unverifiable"
        col.reason = f"counted on the first {col.pages} list pages" if walk.entries else "no list found"
    return col


def is_column_page(resp: TextResponse) -> bool:
    """A column (list) page rather than a home or section page: a JCMS/JPaaS ``/col/colN/`` URL, a
    ColumnName meta other than 首页, or a list a platform adapter (not the generic one) recognises."""
    if _COL.search(urlsplit(resp.url).path):
        return True
    name = meta(resp.text, "ColumnName")
    if name and name not in HOME_WORDS:
        return True
    return any(a.detect(resp) for n, a in ADAPTERS.items() if n != "generic")


def site_base(resp: TextResponse, column_page: bool) -> str:
    """The site's base URL, path prefix included (``http://host/jtj``): for a column page, what comes
    before ``/col/colN/``, else the directory of its 首页 link; for a home page, its own directory."""
    parts = urlsplit(resp.url)
    root = f"{parts.scheme}://{parts.netloc}"
    if column_page:
        m = _COL.search(parts.path)
        if m:
            return root + parts.path[:m.start()]
        for link, label in page_links(resp.text, resp.url):
            if label in HOME_WORDS and urlsplit(link).netloc == parts.netloc:
                return root + re.sub(r"/[^/]*$", "", urlsplit(link).path)
        return root
    last = parts.path.rsplit("/", 1)[-1]
    # /jtj/index.html → /jtj; /jtj/ and /jtj (a directory, no file name) → /jtj
    return root + (parts.path[: -len(last) - 1] if "." in last else parts.path.rstrip("/"))


def discover(start_url: str, fetcher: Fetcher, *, depth: int = 2, max_columns: int = 300,
             max_pages: int = 20, platform: str | None = None) -> tuple[dict, list[Column]]:
    """(site info {name, base_url, platform, start_url}, columns) of the portal at *start_url*.

    A sub-site keeps its path prefix (``http://host/jtj/`` → base ``http://host/jtj``, only links under
    ``/jtj/`` are candidates). Started on a column page, the result is that one column.
    """
    resp = fetcher.response(start_url)
    if resp.status != 200:
        raise RuntimeError(f"{start_url} answered HTTP {resp.status}")
    text = resp.text
    parts = urlsplit(resp.url)
    column_page = is_column_page(resp)
    site = {"name": meta(text, "SiteName") or (re.sub(r"\s+", " ", _TITLE.search(text).group(1)).strip()
                                               if _TITLE.search(text) else parts.netloc),
            "base_url": site_base(resp, column_page), "start_url": resp.url}
    prefix = site_prefix(site["base_url"])
    columns: list[Column] = []
    if column_page:
        path = urlsplit(resp.url).path
        m = _COL.search(path)
        cid = m.group(1) if m else column_id_for(resp.url, prefix)
        columns.append(describe_column(fetcher, resp.url, cid, None, max_pages=max_pages, platform=platform,
                                       page=resp))
        site["platform"] = columns[0].platform or platform or "generic"
        return site, columns
    seen: set[str] = {resp.url}
    frontier = [(resp, 1)]
    while frontier and len(columns) < max_columns:
        page, level = frontier.pop(0)
        for url, cid, label, strong in column_candidates(page.text, page.url, loose=True, prefix=prefix):
            if url in seen or any(c.id == cid for c in columns) or len(columns) >= max_columns:
                continue
            seen.add(url)
            try:
                cand = fetcher.response(url)
            except PermissionError:
                continue
            except Exception as e:
                if strong:
                    columns.append(Column(id=cid, name=label or None, url=url,
                                          reason=f"fetch failed: {type(e).__name__}"))
                continue
            if cand.status != 200:
                if strong:
                    columns.append(Column(id=cid, name=label or None, url=url,
                                          reason=f"column page answered HTTP {cand.status}"))
                continue
            is_list = any(a.detect(cand) for n, a in ADAPTERS.items() if n != "generic")
            if not is_list and not strong:
                probe = ListWalk(site="discover", column_id=cid, url=url)
                try:
                    ADAPTERS["generic"].first(cand, probe)
                except Exception:
                    pass
                is_list = len(probe.entries) >= 3
            if is_list or strong:
                columns.append(describe_column(fetcher, cand.url if not strong else url, cid, label,
                                               max_pages=max_pages, platform=platform, page=cand))
            elif level < depth:
                frontier.append((cand, level + 1))   # a section page: its links may be columns
    platforms = [c.platform for c in columns if c.platform]
    # the platform most columns use (a Hanweb/TRS one over generic on a tie); others are detected per page
    site["platform"] = max(sorted(set(platforms)), key=lambda p: (platforms.count(p), p != "generic")) \
        if platforms else (platform or "generic")
    return site, columns


def _q(s: str | None) -> str:
    import json

    return json.dumps(s or "", ensure_ascii=False)


def crawlable(column: Column) -> bool:
    """Whether the crawl can read this column: its page answered (a list may still be unverifiable)."""
    return not (column.reason or "").startswith(("fetch failed", "column page answered"))


def printed_url(site: dict, column: Column) -> str:
    """The column URL as the stanza writes it: relative to the site's base URL where it lies under it."""
    base = site["base_url"].rstrip("/")
    return column.url[len(base):] if column.url.startswith(base + "/") else column.url


def problems(site: dict, columns: list[Column]) -> list[str]:
    """Why the printed stanza cannot be crawled: no column whose page answers, or a printed URL the
    crawl would resolve to another page than the one discovery read."""
    out = []
    for c in columns:
        resolved = column_url(site["base_url"], c.id, printed_url(site, c))
        if resolved != c.url:
            out.append(f"column {c.id}: the stanza's URL resolves to {resolved}, not {c.url}")
    if not any(crawlable(c) for c in columns):
        reasons = sorted({c.reason or "?" for c in columns})
        out.append(f"no column page answered ({'; '.join(reasons)[:300]})")
    return out


def stanza(site: dict, columns: list[Column], key: str = "SITE_KEY") -> str:
    """The configuration stanza (YAML) an operator pastes under ``sites:``, with one comment per column.
    A column whose page did not answer is printed commented out."""
    base = site["base_url"]
    lines = [f"# zwgk sites discover {site['start_url']} — {len(columns)} columns, {dt.date.today().isoformat()}",
             "# Keep the columns you need (class: 动态 | 通知公告 | 政策文件 | 人事 | 规划计划 | 专题 | other) and paste under sites:",
             f"  {key}:",
             f"    name: {_q(site['name'])}",
             f"    base_url: {base}",
             f"    platform: {site['platform']}",
             "    columns:"]
    for c in columns:
        url = printed_url(site, c)
        count = "?" if c.item_count is None else (f"{c.item_count}" if c.count_exact else f"≥{c.item_count}")
        comment = (f"      # {c.name or '?'} — {c.url} — platform {c.platform or '?'}, {count} items, "
                   f"last item {c.last_item_date or '-'}, {c.state}")
        if c.reason and c.state != "normal":
            comment += f" ({c.reason})"
        lines.append(comment)
        line = f"      - {{id: {_q(c.id)}, name: {_q(c.name)}, url: {url}, class: {c.cls}}}"
        lines.append(line if crawlable(c) else "      # " + line.lstrip())
    return "\n".join(lines)
