"""The article's text: the platform's content container where known (JCMS ContentStart/ContentEnd
markers, #zoom, .TRS_Editor, UCAP-CONTENT …), else the densest text block of the page (own text minus
link text, chrome excluded). A container holding nothing but a URL or links is not a body."""
from __future__ import annotations

import re

from lxml import etree

from .text import element_text, in_chrome, squash, text_of

BODY_SELECTORS = ("zoom", ".wip_art_con", ".TRS_Editor", ".TRS_UEDITOR", "UCAP-CONTENT", ".article_content",
                  "vsb_content", ".v_news_content", ".article-content", ".pages_content", "content",
                  ".article-con", ".detil-new-cont", ".con_text", ".xl_content", ".view")
_URL_ONLY = re.compile(r"^(https?://\S+|www\.\S+)$", re.I)
_INLINE = ("p", "span", "font", "strong", "b", "br", "em", "i", "u", "sub", "sup", "h4", "h5", "h6",
           "center", "blockquote", "img", "a")


_IDS = {sel for sel in BODY_SELECTORS if not sel.startswith(".")}
_CLASSES = {sel[1:] for sel in BODY_SELECTORS if sel.startswith(".")}
_NAMED = etree.XPath("descendant-or-self::*[@id or @class]")


def _first_named(root) -> tuple[dict, dict]:
    """The first element (document order) of each id and each class of BODY_SELECTORS: one walk for all."""
    by_id, by_class = {}, {}
    for el in _NAMED(root):
        ident = el.get("id")
        if ident in _IDS and ident not in by_id:
            by_id[ident] = el
        cls = el.get("class")
        if cls:
            for token in cls.split():
                if token in _CLASSES and token not in by_class:
                    by_class[token] = el
    return by_id, by_class


def readable(el) -> bool:
    """Whether *el* holds article text (or at least images/links to documents), not just a URL."""
    text = squash(el.text_content())
    words = " ".join(w for w in text.split() if not _URL_ONLY.match(w))
    link_text = sum(len(squash(text_of(a))) for a in el.iter("a"))
    if words and len(words) > link_text + 10:
        return True
    return bool(list(el.iter("img"))) or any(_doc_link(a) for a in el.iter("a"))


def _doc_link(a) -> bool:
    from .links import attachment_type
    return bool(attachment_type(a.get("href") or a.get("oldsrc") or "", text_of(a)))


def container(root):
    """(element, selector) of the first known, readable content container; (None, None) if none."""
    by_id, by_class = _first_named(root)
    for sel in BODY_SELECTORS:
        el = by_class.get(sel[1:]) if sel.startswith(".") else by_id.get(sel)
        if el is not None and readable(el):
            return el, sel
    return None, None


def densest(root):
    """The element whose own (non-link) text is largest: the classic text-density fallback."""
    best, best_score = None, 0
    body = root.find("body")
    if body is None:
        body = root
    chrome: dict = {}
    for el in body.iter("div", "td", "article", "section", "main", "body"):
        if in_chrome(el, None, chrome):
            continue
        own = len(squash(el.text))
        link = 0
        for child in el:
            if not isinstance(child.tag, str):
                own += len(squash(child.tail))
                continue
            tag = child.tag.lower()
            if tag in _INLINE:
                text = squash(text_of(child))
                if tag == "a":
                    link += len(text)
                else:
                    link += sum(len(squash(text_of(a))) for a in child.iter("a"))
                    own += len(text)
            own += len(squash(child.tail))
        score = own - link
        if score > best_score:
            best, best_score = el, score
    return best


def body_text(el) -> str:
    """The text of the body element, URL-only lines dropped (a 公报 page printing its own address)."""
    if el is None:
        return ""
    return "\n".join(line for line in element_text(el).split("\n") if not _URL_ONLY.match(line))
