"""Text helpers shared by the extractor's parts: blank squashing, dates, parsing, readable text,
page chrome (navigation, sidebars, footers) recognition."""
from __future__ import annotations

import re
import threading
from functools import lru_cache

import lxml.html
from lxml import etree

from crawler.dates import _DATE, parse_date  # noqa: F401 — the project's one date parser, re-exported here

SPACES = re.compile(r"[\s\u3000\xa0\u2002\u2003\u200b\ufeff]+")


def squash(text: str | None) -> str:
    """Collapse every run of blanks (incl. \\u3000 and &nbsp;) into one space, strip the ends."""
    return SPACES.sub(" ", text or "").strip()


def compact(text: str | None) -> str:
    """*text* without any blank: for comparing labels written ``索 引 号`` or ``文　　号``."""
    return SPACES.sub("", text or "")


def find_date(text: str | None):
    """The first date match in *text* (a ``re.Match``), or None."""
    for m in _DATE.finditer(text or ""):
        if 1 <= int(m.group(2)) <= 12 and 1 <= int(m.group(3)) <= 31:
            return m
    return None


_NO_VALUE = ("null", "none", "undefined", "无", "-", "--", "暂无")


def clean_value(value: str | None) -> str | None:
    value = squash(value)
    if not value or (len(value) <= 9 and value.lower() in _NO_VALUE):
        return None
    return value


# a space typed inside a number ("2007 年末", "20 19年", "第 3 期") is a typo, not a word break
_NUMBER_SPACE = re.compile(r"(?<=\d) +(?=\d*[年月日号期届次个项%％])|(?<=[第〔\[（(]) +(?=\d)|(?<=\d) +(?=[〕\]）)])|(?<=[〕\]]) +(?=\d+号)")


def tidy(text: str | None) -> str:
    """Squashed *text* with the stray spaces inside numbers removed."""
    return _NUMBER_SPACE.sub("", squash(text))


def longest_common_substring(a: str, b: str) -> int:
    """Length of the longest common substring of *a* and *b*.

    Each start in *a* only has to beat the best so far: one substring test (in C) per start and per
    longer match found, instead of a table of len(a) × len(b) steps in Python."""
    if not a or not b:
        return 0
    if a in b:
        return len(a)      # a headline inside <title>: the usual case
    best = 0
    for i in range(len(a)):
        while i + best < len(a) and a[i:i + best + 1] in b:
            best += 1
    return best


# --- parsing --------------------------------------------------------------------------------------

DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas",
             "select", "textarea", "button", "input")
BLOCK_TAGS = {"p", "div", "br", "li", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "section",
              "article", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "hr", "center", "form",
              "header", "footer", "nav", "aside", "tbody", "thead", "caption", "figure", "figcaption",
              "address"}
_CELL_TAGS = {"td", "th"}


_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_PARSERS = threading.local()   # an lxml parser is not to be shared between threads


def html_parser() -> etree.HTMLParser:
    """lxml.html's parser with its elements (``text_content()`` …) but without lxml.html's per-tag class
    lookup, which runs Python code for every element proxy made (a third of the extractor's time);
    the extractor needs none of the form classes it picks."""
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = etree.HTMLParser()
        parser.set_element_class_lookup(etree.ElementDefaultClassLookup(
            element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment,
            pi=lxml.html.HtmlProcessingInstruction, entity=lxml.html.HtmlEntity))
    return parser


def parse(text: str) -> etree._Element:
    # lxml refuses str input with an XML encoding declaration
    text = _XML_DECLARATION.sub("", text)
    if not text.strip():
        text = "<html><body></body></html>"
    try:
        return lxml.html.document_fromstring(text, parser=html_parser())
    except (etree.ParserError, ValueError):
        return lxml.html.document_fromstring("<html><body></body></html>", parser=html_parser())


def strip_noise(root) -> None:
    # one walk: a node inside a dropped one is dropped from a detached subtree (no effect), and each
    # tail moves to where the node stood, whatever the order
    for el in list(root.iter(etree.Comment, etree.ProcessingInstruction, *DROP_TAGS)):
        drop_keep_tail(el)


def drop_keep_tail(el) -> None:
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


# the blanks SPACES collapses, but for the line break: the 29 characters \s matches (str.isspace()) less
# "\n", and the zero-width space and BOM
_BLANKS_IN_LINE = re.compile("[\t\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
                             "\u200b\ufeff]+")
_LINE_BREAKS = re.compile(r"[ \n]*\n[ \n]*")
_BLOCK, _CELL, _DROP, _INLINE = 1, 2, 3, 0
_KINDS: dict[str, int] = {}     # tag → what it does to the text, by tag name as written


def _kind(tag: str) -> int:
    kind = _KINDS.get(tag)
    if kind is None:
        low = tag.lower()
        kind = _KINDS[tag] = (_BLOCK if low in BLOCK_TAGS else _CELL if low in _CELL_TAGS
                              else _DROP if low in DROP_TAGS else _INLINE)
    return kind


class _Reached(Exception):
    pass


def element_text(el, until=None, start=None) -> str | None:
    """Readable text of *el*: block elements and cells break lines, blanks inside lines squashed.

    *until*: an element inside *el* where reading stops, after its own text (the text before it, for
    one who needs no more: the lines come out the same as the start of the whole text's).
    *start*: an element inside *el* where reading begins, with its own text; what follows the first
    character of that text comes out as in the whole text. None is returned when *until* is given and
    not reached from *start*, or when *start* is not inside *el* or inside an element whose text is
    dropped."""
    parts: list[str] = [el.text or ""]
    append = parts.append

    def walk(node):
        tag = node.tag
        if tag.__class__ is not str:  # comment etc.
            if node.tail:
                append(node.tail)
            return
        kind = _KINDS.get(tag)
        if kind is None:
            kind = _kind(tag)
        if kind == _BLOCK:
            append("\n")
        elif kind == _CELL:
            append(" ")
        if kind != _DROP:
            if node.text:
                append(node.text)
            if node is until:
                raise _Reached
            for child in node:
                walk(child)
        if kind == _BLOCK:
            append("\n")
        if node.tail:
            append(node.tail)

    if start is not None and start is not el:
        parents = []
        for a in start.iterancestors():
            if a is el:
                break
            parents.append(a)
        else:
            return None          # not inside el
        if any(_kind(a.tag) == _DROP for a in parents) or _kind(start.tag) == _DROP:
            return None
        parts.clear()
        try:
            walk(start)
            node = start
            for parent in parents + [el]:   # what follows start, closing its ancestors on the way up
                for sib in node.itersiblings():
                    walk(sib)
                if parent is el:
                    break
                if _kind(parent.tag) == _BLOCK:
                    append("\n")
                if parent.tail:
                    append(parent.tail)
                node = parent
        except _Reached:
            pass
        else:
            if until is not None:
                return None
    elif el is not until:
        try:
            for child in el:
                walk(child)
        except _Reached:
            pass
    # each line squashed (SPACES → one space, ends stripped), empty lines dropped: in two passes
    return _LINE_BREAKS.sub("\n", _BLANKS_IN_LINE.sub(" ", "".join(parts))).strip(" \n")


# --- page chrome ----------------------------------------------------------------------------------

# a class/id token that names chrome: strong words anywhere in it (topnav, left_menu, site-copyright);
# weak words only at its start ("header", "footer-links"), since "article-header" wraps the headline
_CHROME_STRONG = re.compile(r"nav|menu|breadcrumb|crumb|sidebar|copyright|banner|xglj|yqlj|friend|toolbar|"
                            r"share|dqwz", re.I)
_CHROME_WEAK = re.compile(r"^(header|footer|foot|bottom|position|location|related|top-?bar)", re.I)
_CHROME_TAGS = ("nav", "footer", "header", "aside")


def is_chrome(el) -> bool:
    """Navigation, header, footer, sidebar, breadcrumbs, related links, share bars."""
    tag = el.tag
    if not isinstance(tag, str):
        return False
    if tag in _CHROME_TAGS:
        # an <article>'s own <header>/<footer> hold its headline, byline and attachments
        return tag in ("nav", "aside") or not any(a.tag == "article" for a in el.iterancestors())
    ident, cls = el.get("id"), el.get("class")
    return bool(ident or cls) and _chrome_names(f"{ident or ''} {cls or ''}")


@lru_cache(maxsize=8192)   # id/class names repeat on every page of a site
def _chrome_names(names: str) -> bool:
    for token in names.split():
        if _CHROME_STRONG.search(token) or _CHROME_WEAK.search(token):
            return True
    return False


def in_chrome(el, stop=None, known: dict | None = None) -> bool:
    """Whether *el* or an ancestor below *stop* is chrome. *known* (node → answer, for one *stop*) keeps
    the answers of the ancestors for the next element asked about under the same *stop*."""
    if known is None:
        node = el
        while node is not None and node is not stop:
            if is_chrome(node):
                return True
            node = node.getparent()
        return False
    path, node, answer = [], el, False
    while node is not None and node is not stop:
        said = known.get(node)
        if said is not None:
            answer = said
            break
        if is_chrome(node):
            answer = True
            break
        path.append(node)
        node = node.getparent()
    for n in path:
        known[n] = answer
    return answer


def text_of(el) -> str:
    """``el.text_content()``, read directly when *el* has no children (the usual link or cell)."""
    return el.text_content() if len(el) else (el.text or "")
