"""The article extractor: one government article page in, its metadata and text out.

``extract(html, url, encoding=None) -> dict`` is a pure function (no I/O), used by the column spider
and by ``zwgk extract``. Sources of each field, first hit wins:

1. standard ``<meta>`` tags (names case-insensitive, the literal ``null`` means empty):
   ArticleTitle, PubDate, ContentSource, ColumnName;
2. the 信息公开 header table (索引号, 发布机构/发文机关, 成文日期, 发布日期, 文号/发文字号,
   主题分类/组配分类, 有效性), labels normalised for spaces, ``\\u3000`` and ``&nbsp;``;
3. text patterns (``发布日期：`` / ``发布时间：`` / ``日期：``, ``来源：`` / ``信息来源：``).

The body is what sits between the JCMS ContentStart/ContentEnd markers, else the first of the
known content containers (#zoom, .wip_art_con, .TRS_Editor …), else the densest text block.
"""
from __future__ import annotations

import re
from typing import Iterable
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

import lxml.html
from lxml import etree

from crawler.dates import parse_date

ATTACHMENT_TYPES = ("pdf", "doc", "docx", "xls", "xlsx", "wps", "ofd", "zip", "rar", "et", "ppt", "pptx")
# the types the brief names as attachments; rar/et/ppt(x) are as common on real sites
KEYS = ("title", "published", "publisher", "source", "index_no", "doc_no", "category", "column",
        "body", "attachments")

# --- text helpers -------------------------------------------------------------------------------

_SPACES = re.compile(r"[\s\u3000\xa0\u2002\u2003\u200b\ufeff]+")


def squash(text: str | None) -> str:
    """Collapse every run of blanks (incl. \\u3000 and &nbsp;) into one space, strip the ends."""
    return _SPACES.sub(" ", text or "").strip()


def _clean_value(value: str | None) -> str | None:
    value = squash(value)
    if not value or value.lower() in ("null", "none", "undefined", "无", "-", "--"):
        return None
    return value


# --- decoding -----------------------------------------------------------------------------------

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_CHINESE_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "gb_2312-80": "gb18030", "x-gbk": "gb18030",
                    "cp936": "gb18030", "hz-gb-2312": "gb18030"}


def _norm_encoding(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip("'\"").lower()
    name = _CHINESE_ALIASES.get(name, name)
    import codecs
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_html(data: bytes | str, encoding: str | None = None) -> tuple[str, str]:
    """Text of *data* and the encoding used.

    Order: *encoding* (the HTTP charset), the page's own <meta charset>, BOM, UTF-8, GB18030.
    A declared encoding the bytes do not decode with (a mislabelled page) is skipped; GBK and
    GB2312 are read as their superset GB18030.
    """
    if isinstance(data, str):
        return data, "unicode"
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace"), "utf-8"
    candidates: list[str] = []
    for enc in (encoding, *(m.decode("ascii", "ignore") for m in _META_CHARSET.findall(data[:4096]))):
        enc = _norm_encoding(enc)
        if enc and enc not in candidates:
            candidates.append(enc)
    for enc in ("utf-8", "gb18030"):
        if enc not in candidates:
            candidates.append(enc)
    for enc in candidates:
        try:
            return data.decode(enc), enc
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode(candidates[0], "replace"), candidates[0]


# --- parsing ------------------------------------------------------------------------------------

_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas",
              "select", "textarea", "button", "input")
_BLOCK_TAGS = {"p", "div", "br", "li", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "section",
               "article", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "hr", "center", "form",
               "header", "footer", "nav", "aside", "tbody", "thead", "caption", "figure", "figcaption",
               "address"}
_CELL_TAGS = {"td", "th"}


def _parse(text: str) -> etree._Element:
    # lxml refuses str input with an XML encoding declaration
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    if not text.strip():
        text = "<html><body></body></html>"
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        root = lxml.html.document_fromstring("<html><body></body></html>")
    return root


def _strip_noise(root: etree._Element) -> None:
    for el in list(root.iter(etree.Comment, etree.ProcessingInstruction)):
        _drop_keep_tail(el)
    for el in list(root.iter(*_DROP_TAGS)):
        _drop_keep_tail(el)


def _drop_keep_tail(el) -> None:
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


def element_text(el) -> str:
    """Readable text of *el*: block elements and cells break lines, blanks inside lines squashed."""
    parts: list[str] = []

    def walk(node):
        tag = node.tag if isinstance(node.tag, str) else None
        if tag is None:  # comment etc.
            if node.tail:
                parts.append(node.tail)
            return
        tag = tag.lower()
        block = tag in _BLOCK_TAGS
        if block:
            parts.append("\n")
        elif tag in _CELL_TAGS:
            parts.append(" ")
        if node.text and tag not in _DROP_TAGS:
            parts.append(node.text)
        if tag not in _DROP_TAGS:
            for child in node:
                walk(child)
        if block:
            parts.append("\n")
        if node.tail:
            parts.append(node.tail)

    text = el.text or ""
    parts.append(text)
    for child in el:
        walk(child)
    lines = (squash(line) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


# --- meta -----------------------------------------------------------------------------------------

def _metas(root) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for m in root.iter("meta"):
        name = (m.get("name") or m.get("property") or "").strip().lower()
        if not name or name in out and out[name]:
            continue
        out[name] = _clean_value(m.get("content"))
    return out


# --- header table and labelled text -------------------------------------------------------------

LABELS = {
    "索引号": "index_no",
    "发布机构": "publisher", "发文机关": "publisher", "发文机构": "publisher", "发布单位": "publisher",
    "发文单位": "publisher", "公开主体": "publisher",
    "成文日期": "written", "生成日期": "written", "发文日期": "written",
    "发布日期": "published", "公开日期": "published", "发布时间": "published", "公开时间": "published",
    "文号": "doc_no", "发文字号": "doc_no", "文件编号": "doc_no",
    "主题分类": "category", "组配分类": "category", "信息分类": "category", "分类": "category",
    "有效性": "validity", "公开方式": "open_mode", "失效日期": "expires",
    "标题": "title", "名称": "title", "信息名称": "title",
    "来源": "source", "信息来源": "source", "文章来源": "source",
    "日期": "date",
}
_LABEL_KEYS = sorted(LABELS, key=len, reverse=True)
_LABEL_RE = re.compile(r"^(" + "|".join(map(re.escape, _LABEL_KEYS)) + r")\s*[:：]?\s*(.*)$", re.S)
_ANY_LABEL = re.compile(r"(" + "|".join(map(re.escape, _LABEL_KEYS)) + r")[:：]")


def _norm_label_text(text: str) -> str:
    return _SPACES.sub("", text or "")


def _cells(root) -> list[str]:
    """Leaf-ish text chunks in document order: the text of every td/th/span/li/p/div … that has no
    block-level child, so that a label and its value land in neighbouring chunks."""
    out: list[str] = []
    leaf_tags = {"td", "th", "span", "li", "p", "div", "dt", "dd", "b", "strong", "label", "em", "font",
                 "h1", "h2", "h3", "h4", "h5", "h6", "i", "a"}
    container_children = leaf_tags | {"table", "tr", "tbody", "ul", "ol", "dl"}
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag.lower() not in leaf_tags:
            continue
        if any(isinstance(c.tag, str) and c.tag.lower() in container_children for c in el):
            # mixed content: text directly inside, before the first child, is a chunk too
            if el.text and el.text.strip():
                out.append(el.text)
            for c in el:
                if c.tail and c.tail.strip():
                    out.append(c.tail)
            continue
        text = el.text_content()
        if text and text.strip():
            out.append(text)
            if el.tail and el.tail.strip():
                out.append(el.tail)
    return out


def _labelled(root) -> dict[str, str]:
    """Values of the 信息公开 header table (and of labelled spans such as ``发布日期：2020-06-03``)."""
    found: dict[str, str] = {}
    chunks = [squash(c) for c in _cells(root)]
    chunks = [c for c in chunks if c]
    for i, chunk in enumerate(chunks):
        compact = _norm_label_text(chunk)
        if len(compact) > 80:
            continue
        m = _LABEL_RE.match(compact)
        if not m:
            continue
        label, rest = m.group(1), m.group(2)
        if not rest and not re.search(r"[:：]$", compact) and compact != label:
            continue
        key = LABELS[label]
        if key in found:
            continue
        if rest:
            # keep the original spacing of the value (文号 like "兖教体发〔2020〕1号" has none, dates may)
            value = re.split(r"[:：]", chunk, maxsplit=1)[1] if re.search(r"[:：]", chunk) else rest
            nxt = _ANY_LABEL.search(value)
            if nxt:  # "来源：X 发布时间：Y" in one chunk
                value = value[:nxt.start()]
            value = value.strip(" |｜")
        else:
            value = chunks[i + 1] if i + 1 < len(chunks) else ""
            if value[:1] in "|｜" or _ANY_LABEL.search(_norm_label_text(value)) \
                    or _norm_label_text(value) in LABELS:
                value = ""  # the next chunk is another label (or a separator): this one is empty
        value = _clean_value(value)
        if value:
            found[key] = value
    return found


_TEXT_DATE = re.compile(r"(?:发布日期|发布时间|公开日期|日期|时间)\s*[:：]\s*([^\n|｜]{6,30})")
_TEXT_SOURCE = re.compile(r"(?:信息来源|文章来源|来源)\s*[:：]\s*([^\s|｜:：]{2,40})")


# --- title ------------------------------------------------------------------------------------------

_TITLE_SPLIT = re.compile(r"\s*(?:[-_|｜—–]{1,2}|::)\s*")
_TITLE_CLASSES = re.compile(r"(^|[\s_-])(title|tit|article-title|con-title|art_title|bt|biaoti|news_title|"
                            r"detail-title|content-title)([\s_-]|$)", re.I)


def _title_from_page(root, page_title: str | None) -> str | None:
    candidates = []
    for tag in ("h1", "h2", "h3"):
        for el in root.iter(tag):
            text = squash(el.text_content())
            if 4 <= len(text) <= 120:
                candidates.append(text)
    for el in root.iter():
        if isinstance(el.tag, str) and _TITLE_CLASSES.search(el.get("class") or "") :
            text = squash(el.text_content())
            if 4 <= len(text) <= 120:
                candidates.append(text)
    if page_title:
        parts = [p for p in _TITLE_SPLIT.split(page_title) if p]
        best = parts[0] if parts else page_title
        # a candidate heading that the <title> starts with is the article title
        for c in candidates:
            if page_title.startswith(c) or c.startswith(best):
                return c
        return best
    return candidates[0] if candidates else None


# --- body -------------------------------------------------------------------------------------------

_MARKERS = re.compile(
    r"<meta\s+name\s*=\s*[\"']?ContentStart[\"']?\s*/?>(.*?)<meta\s+name\s*=\s*[\"']?ContentEnd[\"']?\s*/?>",
    re.I | re.S)
_BODY_SELECTORS = ("zoom", ".wip_art_con", ".TRS_Editor", ".TRS_UEDITOR", "UCAP-CONTENT", ".article_content",
                   "vsb_content", ".v_news_content", ".article-content", ".pages_content", "content")


def _find_by_selector(root, sel: str):
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


_CHROME = re.compile(r"(nav|menu|footer|foot|header|banner|breadcrumb|crumb|sidebar|related|xglj|share|"
                     r"copyright|bottom|position|location|dqwz|toolbar)", re.I)


def _is_chrome(el) -> bool:
    if el.tag in ("nav", "footer", "header", "aside"):
        return True
    ident = " ".join(filter(None, (el.get("id"), el.get("class"))))
    return bool(ident and _CHROME.search(ident))


def _densest(root):
    """The element whose own (non-link) text is largest: the classic text-density fallback."""
    best, best_score = None, 0
    body = root.find("body")
    if body is None:
        body = root
    for el in body.iter("div", "td", "article", "section", "main", "body"):
        if _is_chrome(el) or any(_is_chrome(a) for a in el.iterancestors()):
            continue
        own = len(squash(el.text))
        link = 0
        for child in el:
            if not isinstance(child.tag, str):
                own += len(squash(child.tail))
                continue
            tag = child.tag.lower()
            if tag in ("p", "span", "font", "strong", "b", "br", "em", "i", "u", "sub", "sup", "h4", "h5",
                       "h6", "center", "blockquote", "img", "a"):
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


# --- links and attachments ---------------------------------------------------------------------

_EXT_RE = re.compile(r"\.(" + "|".join(ATTACHMENT_TYPES) + r")$", re.I)


def attachment_type(url: str, name: str | None = None) -> str | None:
    """The attachment type (pdf, docx …) of a link, or None when it is not an attachment link."""
    parts = urlsplit(url)
    path = unquote(parts.path)
    m = _EXT_RE.search(path)
    if m:
        return m.group(1).lower()
    query = parse_qs(parts.query)
    for key in ("filename", "fileName", "file", "name", "filepath"):
        for v in query.get(key, []):
            m = _EXT_RE.search(unquote(v))
            if m:
                return m.group(1).lower()
    if re.search(r"(downfile|download|attachment|fileDownload|getfile)", path, re.I) and name:
        m = _EXT_RE.search(name.strip())
        if m:
            return m.group(1).lower()
    return None


def _base_url(root, url: str | None) -> str | None:
    for b in root.iter("base"):
        href = (b.get("href") or "").strip()
        if href:
            return urljoin(url or "", href)
    return url


def _links(el, base: str | None) -> Iterable[tuple[str, str]]:
    for a in el.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        absolute = urljoin(base or "", href) if base else href
        yield absolute.split("#", 1)[0], squash(a.text_content()) or squash(a.get("title"))


def _attachments(el, base: str | None) -> list[dict]:
    out, seen = [], set()
    for href, text in _links(el, base):
        kind = attachment_type(href, text)
        if not kind or href in seen:
            continue
        seen.add(href)
        name = text
        if not name:
            q = parse_qs(urlsplit(href).query)
            name = unquote((q.get("filename") or [urlsplit(href).path.rsplit("/", 1)[-1]])[0])
        out.append({"url": href, "name": name, "type": kind})
    return out


# --- the extractor ----------------------------------------------------------------------------------

def extract(html: bytes | str, url: str | None = None, encoding: str | None = None) -> dict:
    """Metadata, body text and attachments of one article page.

    Returns a dict with the keys of ``KEYS`` plus ``links`` (absolute URLs of the non-attachment
    links inside the body, for link checking) and ``encoding``.
    """
    text, used = decode_html(html, encoding)
    root = _parse(text)
    base = _base_url(root, url)
    metas = _metas(root)
    page_title = None
    t = root.find(".//title")
    if t is not None:
        page_title = _clean_value(t.text_content())

    # body region: from the raw markup between the JCMS markers, else a known container
    body_el = None
    m = _MARKERS.search(text)
    if m:
        frag = lxml.html.fragment_fromstring(m.group(1), create_parent="div")
        _strip_noise(frag)
        body_el = frag
    _strip_noise(root)
    if body_el is None:
        for sel in _BODY_SELECTORS:
            body_el = _find_by_selector(root, sel)
            if body_el is not None and (squash(body_el.text_content()) or list(body_el.iter("a", "img"))):
                break
            body_el = None
    if body_el is None:
        body_el = _densest(root)
    body = element_text(body_el) if body_el is not None else ""

    # labelled values: the page outside the body (header table, spans), then the body's first lines
    labelled = _labelled(root)

    out: dict = {}
    out["title"] = metas.get("articletitle") or labelled.get("title") or _title_from_page(root, page_title)
    published = parse_date(metas.get("pubdate"))
    if not published:
        published = parse_date(labelled.get("published"))
    page_text = None
    if not published:
        page_text = element_text(root)
        for dm in _TEXT_DATE.finditer(page_text):
            published = parse_date(dm.group(1))
            if published:
                break
    if not published:
        published = parse_date(labelled.get("date")) or parse_date(labelled.get("written"))
    out["published"] = published
    source = metas.get("contentsource") or labelled.get("source")
    if not source:
        page_text = page_text if page_text is not None else element_text(root)
        sm = _TEXT_SOURCE.search(page_text)
        if sm:
            source = _clean_value(sm.group(1))
    out["source"] = source
    out["publisher"] = labelled.get("publisher") or source
    out["index_no"] = labelled.get("index_no")
    out["doc_no"] = labelled.get("doc_no")
    out["category"] = labelled.get("category")
    out["column"] = metas.get("columnname")
    out["body"] = body
    region = body_el if body_el is not None else root
    attachments = _attachments(region, base)
    if not attachments and body_el is not None and not body.strip():
        attachments = _attachments(root, base)
    out["attachments"] = attachments
    att_urls = {a["url"] for a in attachments}
    links = []
    for href, _ in _links(region, base):
        if href.startswith(("http://", "https://")) and href not in att_urls and href not in links:
            links.append(href)
    out["links"] = links
    out["encoding"] = used
    out["validity"] = labelled.get("validity")
    out["written"] = parse_date(labelled.get("written"))
    return out
