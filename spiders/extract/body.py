"""The article's text: the platform's content container where known (JCMS ContentStart/ContentEnd
markers, #zoom, .TRS_Editor, UCAP-CONTENT …), else the densest text block of the page (own text minus
link text, chrome excluded). A container holding nothing but a URL or links is not a body."""
from __future__ import annotations

import re

from .text import element_text, in_chrome, is_chrome, squash

BODY_SELECTORS = ("zoom", ".wip_art_con", ".TRS_Editor", ".TRS_UEDITOR", "UCAP-CONTENT", ".article_content",
                  "vsb_content", ".v_news_content", ".article-content", ".pages_content", "content",
                  ".article-con", ".detil-new-cont", ".con_text", ".xl_content", ".view")
_URL_ONLY = re.compile(r"^(https?://\S+|www\.\S+)$", re.I)
_INLINE = ("p", "span", "font", "strong", "b", "br", "em", "i", "u", "sub", "sup", "h4", "h5", "h6",
           "center", "blockquote", "img", "a")


def find_by_selector(root, sel: str):
    if sel.startswith("."):
        cls = sel[1:]
        for el in root.iter():
            if isinstance(el.tag, str) and cls in (el.get("class") or "").split():
                return el
        return None
    for el in root.iter():
        if isinstance(el.tag, str) and el.get("id") == sel:
            return el
    return None


def readable(el) -> bool:
    """Whether *el* holds article text (or at least images/links to documents), not just a URL."""
    text = squash(el.text_content())
    words = " ".join(w for w in text.split() if not _URL_ONLY.match(w))
    link_text = sum(len(squash(a.text_content())) for a in el.iter("a"))
    if words and len(words) > link_text + 10:
        return True
    return bool(list(el.iter("img"))) or any(_doc_link(a) for a in el.iter("a"))


def _doc_link(a) -> bool:
    from .links import attachment_type
    return bool(attachment_type(a.get("href") or a.get("oldsrc") or "", a.text_content()))


def container(root):
    """(element, selector) of the first known, readable content container; (None, None) if none."""
    for sel in BODY_SELECTORS:
        el = find_by_selector(root, sel)
        if el is not None and readable(el):
            return el, sel
    return None, None


def densest(root):
    """The element whose own (non-link) text is largest: the classic text-density fallback."""
    best, best_score = None, 0
    body = root.find("body")
    if body is None:
        body = root
    for el in body.iter("div", "td", "article", "section", "main", "body"):
        if is_chrome(el) or in_chrome(el):
            continue
        own = len(squash(el.text))
        link = 0
        for child in el:
            if not isinstance(child.tag, str):
                own += len(squash(child.tail))
                continue
            tag = child.tag.lower()
            if tag in _INLINE:
                text = squash(child.text_content())
                if tag == "a":
                    link += len(text)
                else:
                    link += sum(len(squash(a.text_content())) for a in child.iter("a"))
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
