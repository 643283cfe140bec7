"""Links and attachments of an article.

An attachment is any document link — pdf, doc/docx, xls/xlsx, wps, ofd, zip, rar …, a download script
(``downfile.jsp``, ``download.do``) naming a document, or a TRS ``OLDSRC=`` file — inside the article's
region: the body and what sits before or after it within the article (TRS pages put the 附件 list after
``div.TRS_Editor``, other templates a separate 附件下载 box), never the nav, sidebars or footer.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

from .text import in_chrome, squash, text_of

ATTACHMENT_TYPES = ("pdf", "doc", "docx", "xls", "xlsx", "wps", "ofd", "zip", "rar", "7z", "et", "ppt", "pptx",
                    "txt", "csv")
_EXT_RE = re.compile(r"\.(" + "|".join(ATTACHMENT_TYPES) + r")$", re.I)
_DOWNLOAD_SCRIPT = re.compile(r"/(downfile|download|downloadfile|filedown|getfile|fileDownload)\w*\.(jsp|do|aspx?|php|action)$",
                              re.I)
_DOWNLOAD = re.compile(r"(downfile|download|attachment|fileDownload|getfile|downloadfile)", re.I)


def attachment_type(url: str, name: str | None = None) -> str | None:
    """The attachment type (pdf, docx …) of a link, or None when it is not an attachment link."""
    # plain str keys: lxml's text_content() strings hold their element, and with it the page
    return _attachment_type(str(url), None if name is None else str(name))


@lru_cache(maxsize=8192)   # a site's links repeat from page to page
def _attachment_type(url: str, name: str | None) -> str | None:
    parts = urlsplit(url)
    path = unquote(parts.path)
    m = _EXT_RE.search(path)
    if m:
        return m.group(1).lower()
    query = parse_qs(parts.query)
    for key in ("filename", "fileName", "file", "name", "filepath", "path", "fname"):
        for v in query.get(key, []):
            m = _EXT_RE.search(unquote(v))
            if m:
                return m.group(1).lower()
    if _DOWNLOAD.search(path) and name:
        m = _EXT_RE.search(squash(name))
        if m:
            return m.group(1).lower()
    if _DOWNLOAD_SCRIPT.search(path):
        return "file"    # a download script that names no type: the bytes will tell (attachments.sniff_type)
    return None


def base_url(root, url: str | None) -> str | None:
    for b in root.iter("base"):
        href = (b.get("href") or "").strip()
        if href:
            return urljoin(url or "", href)
    return url


@lru_cache(maxsize=256)
def _origin(base: str) -> str | None:
    """``scheme://host`` of an http(s) base: what a plain root-relative link is joined to."""
    parts = urlsplit(base)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else None


# "/a/b.html?x=1": no dot segment, parameters, fragment or blanks that urljoin would resolve or drop
_PLAIN_ROOT_RELATIVE = re.compile(r"/(?!/)[^;#\t\r\n]*")


@lru_cache(maxsize=4096)   # the body's links are read twice (attachments, links)
def _absolute(href: str, base: str | None) -> str:
    if not base:
        return href.split("#", 1)[0]
    origin = _origin(base) if href[:1] == "/" else None
    if origin and _PLAIN_ROOT_RELATIVE.fullmatch(href) and "/." not in href and not href.endswith("?"):
        return origin + href     # what urljoin gives, without its parsing (most links of a page are so)
    return urljoin(base, href).split("#", 1)[0]


def links(el, base: str | None, stop=None) -> Iterable[tuple[str, str, object]]:
    """(absolute URL, text, element) of the links under *el* (or of the anchors in a list *el*) that
    are not in the chrome."""
    for a in (el if isinstance(el, list) else el.iter("a")):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            oldsrc = (a.get("oldsrc") or "").strip()
            if not oldsrc:
                continue
            href = oldsrc
        if stop is not None and in_chrome(a, stop):
            continue
        yield _absolute(href, base), squash(text_of(a)) or squash(a.get("title")), a


def attachments(el, base: str | None, stop=None) -> list[dict]:
    out, seen = [], set()
    for href, text, a in links(el, base, stop):
        kind = attachment_type(href, text)
        oldsrc = (a.get("oldsrc") or "").strip()
        if not kind and oldsrc:
            kind = attachment_type(oldsrc, text)
        if not kind or href in seen:
            continue
        seen.add(href)
        name = text
        if not name:
            q = parse_qs(urlsplit(href).query)
            name = unquote((q.get("filename") or [urlsplit(oldsrc or href).path.rsplit("/", 1)[-1]])[0])
        out.append({"url": href, "name": name, "type": kind})
    return out


_ATTACHMENT_WORDS = re.compile(r"附件|附表|相关文件|文件下载|相关附件|附件下载")


def _labelled_as_attachment(a, region, says: dict) -> bool:
    """Whether a link outside the body sits in an 附件/附件下载 block: some ancestor up to three levels
    (below the region) says so. *says* keeps each ancestor's answer for the region's other links."""
    node, levels = a.getparent(), 0
    while node is not None and node is not region and levels < 3:
        said = says.get(node)
        if said is None:
            said = says[node] = bool(_ATTACHMENT_WORDS.search(node.text_content()[:2000]))
        if said:
            return True
        node, levels = node.getparent(), levels + 1
    return False


def _links_right_after(body_el, region) -> set:
    """The links in the three elements that follow the body (or the body's ancestor) inside the region:
    where templates print the attachment list."""
    anchor = body_el
    while anchor is not None and anchor.getparent() is not None and anchor.getparent() is not region:
        anchor = anchor.getparent()
    if anchor is None:
        return set()
    following = []
    sib = anchor.getnext()
    while sib is not None and len(following) < 3:
        if isinstance(sib.tag, str):
            following.append(sib)
        sib = sib.getnext()
    return {a for f in following for a in f.iter("a")}


def region_attachments(region, body_el, base: str | None) -> list[dict]:
    """Attachments of the article region outside the body: links in an 附件 block, or right after the
    body, not in the chrome."""
    picked = []
    in_body = set(body_el.iter("a")) if body_el is not None else set()
    after = _links_right_after(body_el, region) if body_el is not None else set()
    says: dict = {}
    chrome: dict = {}
    for a in region.iter("a"):
        if a in in_body:
            continue
        if in_chrome(a, region, chrome):
            continue
        if a in after or _labelled_as_attachment(a, region, says):
            picked.append(a)
    # an 附件 box just after the article's own block (a table layout's 相关附件 row below the table)
    sib, seen = region.getnext(), 0
    while sib is not None and seen < 2:
        if isinstance(sib.tag, str):
            seen += 1
            if not in_chrome(sib) and _ATTACHMENT_WORDS.search(sib.text_content()[:2000]):
                picked += [a for a in sib.iter("a") if not in_chrome(a, sib)]
        sib = sib.getnext()
    return attachments(picked, base) if picked else []


def article_region(body_el, headline_el):
    """The smallest element holding both the headline and the body (the article), else the body's parent;
    never the whole page."""
    if body_el is None:
        return None
    if headline_el is not None:
        ancestors = set(body_el.iterancestors())
        ancestors.add(body_el)
        node = headline_el
        while node is not None and node not in ancestors:
            node = node.getparent()
        if node is not None and node.tag not in ("html", "body"):
            return node
    parent = body_el.getparent()
    if parent is not None and parent.tag not in ("html", "body"):
        return parent
    return body_el
