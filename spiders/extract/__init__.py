"""The article extractor: one government article page in, its metadata and text out.

``extract(html, url, encoding=None, last_modified=None) -> dict`` is a pure function (no I/O), used by
the column spider and by ``zwgk extract``. Each field is chosen by ranking its evidence, and
``result["explain"]`` says where each came from (meta, table, label, byline, headline, container,
density …):

- title: meta ArticleTitle, the 信息公开 table's 标题, headline blocks and ``<title>`` reconciled
  (title.py);
- published: the visible date by the headline, then 发布日期 labels and the table, then metas, with
  re-generation times set aside (dates.py);
- publisher/source: 发布机构 in the table, else 来源 (meta ContentSource, label, byline) (labels.py);
- body: the platform's container, else text density (body.py);
- attachments: document links in the article region, not the chrome (links.py).
"""
from __future__ import annotations

import re
from itertools import count

import lxml.html

from .body import body_text, container, densest
from .dates import byline_zone, choose_published, zone_marks
from .encoding import decode_html
from .labels import (ANY_LABEL, META_SOURCE_NAMES, META_TITLE_NAMES, cut_at_next_label, labelled, meta_name, metas,
                     source_value)
from .links import (ATTACHMENT_TYPES, article_region, attachment_type, attachments, base_url, links,
                    region_attachments)
from .text import clean_value, element_text, html_parser, parse, parse_date, squash, strip_noise, tidy
from .title import block_before_body, choose_title, headline_blocks

__all__ = ["extract", "decode_html", "attachment_type", "parse_date", "squash", "element_text", "KEYS",
           "ATTACHMENT_TYPES"]

KEYS = ("title", "published", "publisher", "source", "index_no", "doc_no", "category", "column",
        "body", "attachments")

_MARKERS = re.compile(
    r"<meta\s+name\s*=\s*[\"']?ContentStart[\"']?\s*/?>(.*?)<meta\s+name\s*=\s*[\"']?ContentEnd[\"']?\s*/?>",
    re.I | re.S)
_ZONE_SOURCE = re.compile(r"(?:信息来源|文章来源|稿件来源|稿源|来源)[^\S\n]*[:：][^\S\n]*([^\n|｜]{2,60})")


def _content_start(root):
    for m in root.iter("meta"):
        if (m.get("name") or "").lower() == "contentstart":
            return m
    return None


def _body(root, text: str):
    """(body element, start element in the page, how it was found)."""
    m = _MARKERS.search(text)
    start = _content_start(root)
    if m and start is not None:
        frag = lxml.html.fragment_fromstring(m.group(1), create_parent="div", parser=html_parser())
        strip_noise(frag)
        return frag, start, "JCMS ContentStart/ContentEnd"
    el, sel = container(root)
    if el is not None:
        return el, el, f"container {sel}"
    el = densest(root)
    return el, el, "text density"


def _source(metas_: dict, found: dict, zone: str) -> tuple[str | None, str | None]:
    for name in META_SOURCE_NAMES:
        if metas_.get(name):
            return cut_at_next_label(" " + metas_[name]).strip() or None, f"meta {meta_name(name)}"
    if "source" in found and found["source"].where != "body":
        return found["source"].value, f"{found['source'].where} 来源"
    m = _ZONE_SOURCE.search(zone)
    if m and not ANY_LABEL.match(m.group(1)):
        value = source_value(m.group(1))
        if value and not parse_date(value):
            return value, "byline 来源"
    return None, None


def extract(html: bytes | str, url: str | None = None, encoding: str | None = None,
            last_modified: str | None = None) -> dict:
    """Metadata, body text and attachments of one article page.

    Returns a dict with the keys of ``KEYS`` plus ``links`` (absolute URLs of the non-attachment links
    inside the body), ``encoding``, ``validity``, ``written`` and ``explain`` (field → evidence used).
    """
    text, used = decode_html(html, encoding)
    root = parse(text)
    base = base_url(root, url)
    metas_ = metas(root)
    t = next(root.iterdescendants("title"), None)
    page_title = clean_value(t.text_content()) if t is not None else None
    strip_noise(root)
    body_el, body_start, body_how = _body(root, text)
    # the body as it sits in the page (a JCMS body is a fragment: its container stands for it)
    body_in_page = body_el if body_el is body_start else (body_start.getparent() if body_start is not None else None)
    found = labelled(root, body_in_page)
    explain: dict[str, str] = {}

    order = dict(zip(root.iter(), count()))    # element → its position in the page
    blocks = headline_blocks(root, order, order.get(body_start))
    if body_start is not None and not any(b[2] < 10**6 for b in blocks):
        blocks += block_before_body(body_start, order)
    names = {n for n in (metas_.get("sitename"), metas_.get("columnname")) if n}
    witnesses = [(metas_[n], f"meta {meta_name(n)}") for n in META_TITLE_NAMES if metas_.get(n)]
    if "title" in found and found["title"].where != "body":
        witnesses.append((found["title"].value, f"{found['title'].where} 标题"))
    title, explain["title"] = choose_title(witnesses, blocks, page_title, names)
    headline_el = next((el for txt, el, _ in blocks if txt == title), None)
    if headline_el is None:
        near = [b for b in blocks if b[2] < 10**6]
        headline_el = min(near, key=lambda b: b[2])[1] if near else None

    zone = byline_zone(root, headline_el, body_start if body_start is not None and body_start in order else None,
                       title, zone_marks(text))
    body = body_text(body_el)
    published, explain["published"], date_notes = choose_published(zone, found, metas_, last_modified, body, url)
    source, explain["source"] = _source(metas_, found, zone)
    if "publisher" in found:
        publisher, explain["publisher"] = found["publisher"].value, f"{found['publisher'].where} 发布机构"
    else:
        publisher, explain["publisher"] = source, explain["source"]

    out: dict = {"title": title, "published": published, "publisher": publisher, "source": source}
    for key, label in (("index_no", "索引号"), ("doc_no", "文号"), ("category", "主题分类")):
        out[key] = (tidy(found[key].value) if key == "doc_no" else found[key].value) if key in found else None
        explain[key] = f"{found[key].where} {label}" if key in found else None
    out["column"] = metas_.get("columnname")
    explain["column"] = "meta ColumnName" if out["column"] else None
    out["body"] = body
    explain["body"] = body_how if body_el is not None else None

    # the body's own document links first (their order is the author's), then the article region's
    # 附件 blocks around it; the JCMS body is a fragment, so the region is found from its container
    anchor = body_in_page
    atts = attachments(body_el, base) if body_el is not None else []
    if anchor is not None:
        region = article_region(anchor, headline_el)
        known = {a["url"] for a in atts}
        atts += [a for a in region_attachments(region, anchor, base) if a["url"] not in known]
    out["attachments"] = atts
    explain["attachments"] = (f"{len(atts)} document links in the article region" if atts else None)
    att_urls = {a["url"] for a in atts}
    body_links: list[str] = []
    link_texts: dict[str, str] = {}   # URL → the words of its first link (broken links are shown by them)
    for href, label, _ in links(body_el, base) if body_el is not None else ():
        if href.startswith(("http://", "https://")) and href not in att_urls and href not in body_links:
            body_links.append(href)
            link_texts[href] = label or ""
    out["links"] = body_links
    out["link_texts"] = link_texts
    out["encoding"] = used
    out["validity"] = found["validity"].value if "validity" in found else None
    out["written"] = parse_date(found["written"].value) if "written" in found else None
    if date_notes:
        explain["published_notes"] = "; ".join(date_notes)
    out["explain"] = explain
    return out
