"""Links and attachments of an article.

An attachment is any document link — pdf, doc/docx, xls/xlsx, wps, ofd, zip, rar …, a download script
(``downfile.jsp``, ``download.do``) naming a document, or a TRS ``OLDSRC=`` file — inside the article's
region: the body and what sits before or after it within the article (TRS pages put the 附件 list after
``div.TRS_Editor``, other templates a separate 附件下载 box), never the nav, sidebars or footer.
"""
from __future__ import annotations

import re
from typing import Iterable
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

from .text import in_chrome, squash

ATTACHMENT_TYPES = ("pdf", "doc", "docx", "xls", "xlsx", "wps", "ofd", "zip", "rar", "7z", "et", "ppt", "pptx",
                    "txt", "csv")
_EXT_RE = re.compile(r"\.(" + "|".join(ATTACHMENT_TYPES) + r")$", re.I)
_DOWNLOAD = re.compile(r"(downfile|download|attachment|fileDownload|getfile|downloadfile)", re.I)


def attachment_type(url: str, name: str | None = None) -> str | None:
    """The attachment type (pdf, docx …) of a link, or None when it is not an attachment link."""
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
    return None


def base_url(root, url: str | None) -> str | None:
    for b in root.iter("base"):
        href = (b.get("href") or "").strip()
        if href:
            return urljoin(url or "", href)
    return url


def _absolute(href: str, base: str | None) -> str:
    return (urljoin(base, href) if base else href).split("#", 1)[0]


def links(el, base: str | None, stop=None) -> Iterable[tuple[str, str, object]]:
    """(absolute URL, text, element) of the links under *el* that are not in the chrome."""
    for a in el.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            oldsrc = (a.get("oldsrc") or "").strip()
            if not oldsrc:
                continue
            href = oldsrc
        if stop is not None and in_chrome(a, stop):
            continue
        yield _absolute(href, base), squash(a.text_content()) or squash(a.get("title")), a


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
