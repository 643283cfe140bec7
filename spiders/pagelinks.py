"""What a portal page says about its columns: navigation links, breadcrumb names, every link on it.

Used by the column spider (home-page discovery, column names, link checks of the bureau's pages) and
by ``zwgk sites discover``. Pure functions on (html text, page URL).
"""
from __future__ import annotations

import html as _html
import re
from urllib.parse import urljoin, urlsplit

from .adapters.base import looks_like_article
from .extract import attachment_type, squash

_A = re.compile(r"""<a\s([^>]*?)href\s*=\s*(["'])(.*?)\2([^>]*)>(.*?)</a>""", re.I | re.S)
_TAGS = re.compile(r"<[^>]+>")
_BASE = re.compile(r"""<base\s[^>]*href\s*=\s*["']([^"']+)["']""", re.I)
_SCRIPT = re.compile(r"<script\b.*?</script>", re.I | re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_JCMS_COL = re.compile(r"/col/col(\d+)/(?:index\.s?html?)?$")
_LISTY = re.compile(r"(/|/index\.s?html?|/index_\d+\.s?html?|/list[\w-]*\.s?html?|/more[\w-]*\.s?html?)$", re.I)
_SKIP_PATH = re.compile(r"(/module/|/api|/search|/login|/jsearch|/member|/interviewdb|/picture/)", re.I)
_CRUMB_CLASS = re.compile(r"""<(div|p|span|td|nav|ul|section)\b[^>]*(?:class|id)\s*=\s*["'][^"']*"""
                          r"""(?:bread|crumb|position|location|dqwz|weizhi|\bpos\b|nav_path|path)[^"']*["'][^>]*>(.*?)</\1>""",
                          re.I | re.S)
_CRUMB_TEXT = re.compile(r"(?:当前位置|您现在的位置|您的位置|当前的位置|所在位置|现在位置)\s*[:：]?\s*(.{0,400}?)(?:</div>|</p>|</td>|</span>\s*</div>|\n)",
                         re.I | re.S)
_SEPARATORS = re.compile(r"\s*(?:>|＞|&gt;|»|›|→|/|\\|-&gt;)\s*")
HOME_WORDS = {"首页", "网站首页", "主页", "home", "Home", "门户首页"}


def base_of(text: str, url: str) -> str:
    m = _BASE.search(text[:5000])
    return urljoin(url, m.group(1)) if m else url


def page_links(text: str, url: str) -> list[tuple[str, str]]:
    """(absolute http(s) URL without fragment, link text) of every <a href> outside scripts and comments."""
    base = base_of(text, url)
    clean = _COMMENT.sub(" ", _SCRIPT.sub(" ", text))
    out, seen = [], set()
    for m in _A.finditer(clean):
        href = _html.unescape(m.group(3).strip())
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
            continue
        absolute = urljoin(base, href).split("#", 1)[0]
        if not absolute.startswith(("http://", "https://")) or absolute in seen:
            continue
        seen.add(absolute)
        label = squash(_html.unescape(_TAGS.sub("", m.group(5))))
        if not label:
            t = re.search(r"""title\s*=\s*["']([^"']*)["']""", m.group(1) + m.group(4), re.I)
            label = squash(_html.unescape(t.group(1))) if t else ""
        out.append((absolute, label))
    return out


def site_prefix(base_url: str) -> str:
    """The path a site lives under, with a trailing slash: ``http://host/jtj`` → ``/jtj/``, ``http://host`` → ``/``."""
    return urlsplit(base_url).path.rstrip("/") + "/"


def column_url(base_url: str, cid: str, url: str | None = None) -> str:
    """The absolute URL of a configured column, as the crawl resolves it: an absolute URL as is; a path
    already under the site's prefix on its host; any other path relative to the site
    (``/col/col3301/`` under ``http://host/jtj`` is ``http://host/jtj/col/col3301/``); no URL: the JCMS
    column page ``col/colN/index.html`` of the site."""
    base = base_url.rstrip("/")
    if not url:
        return f"{base}/col/col{cid}/index.html"
    if re.match(r"^https?://", url, re.I):
        return url
    prefix = site_prefix(base)
    if url.startswith(prefix) and prefix != "/":
        return urljoin(base + "/", url)
    return urljoin(base + "/", url.lstrip("/"))


def column_id_for(url: str, prefix: str = "/") -> str:
    """The configuration id of a column URL: JCMS/JPaaS ``/col/colN/`` → ``N``, else its path under the
    site's *prefix* without ``index.html`` (``/zwgk/tzgg/`` → ``zwgk/tzgg``, ``/xwzx/list.html`` →
    ``xwzx/list``)."""
    path = urlsplit(url).path
    m = re.search(r"/col/col(\d+)/", path)
    if m:
        return m.group(1)
    if path.startswith(prefix):
        path = "/" + path[len(prefix):]
    path = re.sub(r"/index(_\d+)?\.s?html?$", "/", path)
    path = re.sub(r"\.s?html?$", "", path)
    return path.strip("/") or "home"


def column_candidates(text: str, url: str, *, loose: bool = True, prefix: str = "/") -> list[tuple[str, str, str, bool]]:
    """Links on a portal page that may be columns: (URL, id, link text, strong).

    ``strong``: a JCMS/JPaaS ``/col/colN/`` link (certainly a column). With ``loose`` also same-host
    links that look like list pages (``…/``, ``index.html``, ``list….html``), which the caller must
    confirm by fetching them (a page no adapter reads as a list is not a column). Only links under the
    site's path *prefix* count (a bureau at ``/jtj/`` on a district portal: not the portal's own
    columns), and a column keeps the prefix (``/jtj/col/col3301/index.html``).
    """
    host = urlsplit(url).netloc
    here = url.split("#", 1)[0]
    out, seen = [], set()
    for link, label in page_links(text, url):
        parts = urlsplit(link)
        if parts.netloc != host or link == here or not (parts.path + "/").startswith(prefix):
            continue
        m = re.search(r"/col/col(\d+)/", parts.path)
        if m:
            cid = m.group(1)
            if "/art/" in parts.path or cid in seen:
                continue
            seen.add(cid)
            out.append((f"{parts.scheme}://{parts.netloc}{parts.path[:m.start()]}/col/col{cid}/index.html",
                        cid, label, True))
            continue
        if not loose or parts.query or looks_like_article(link) or attachment_type(link, label):
            continue
        rest = "/" + parts.path[len(prefix):] if parts.path.startswith(prefix) else parts.path
        if rest in ("", "/", "/index.html", "/index.htm", "/index.shtml") or _SKIP_PATH.search(rest):
            continue
        if not _LISTY.search(parts.path):
            continue
        cid = column_id_for(link, prefix)
        if cid in seen:
            continue
        seen.add(cid)
        out.append((link, cid, label, False))
    return out


def breadcrumb_name(text: str) -> str | None:
    """The last step of the page's breadcrumb (当前位置：首页 > 政务公开 > 通知公告 → 通知公告)."""
    body = _COMMENT.sub(" ", _SCRIPT.sub(" ", text))
    candidates = [m.group(2) for m in _CRUMB_CLASS.finditer(body)]
    candidates += [m.group(1) for m in _CRUMB_TEXT.finditer(body)]
    for frag in candidates:
        plain = squash(_html.unescape(_TAGS.sub(" ", frag.replace("&gt;", " > "))))
        plain = re.sub(r"^(?:当前位置|您现在的位置|您的位置|当前的位置|所在位置|现在位置)\s*[:：]?\s*", "", plain)
        steps = [s.strip() for s in _SEPARATORS.split(plain) if s.strip()]
        steps = [s for s in steps if s not in HOME_WORDS and not s.startswith(("当前位置", "您现在的位置"))]
        if steps:
            name = steps[-1]
            if 1 <= len(name) <= 30:
                return name
    return None
