"""Labelled values of an article page: ``<meta>`` tags, the 信息公开 header table (索引号, 发布机构,
成文日期, 发布日期, 文号 …) and labelled spans of the byline (``来源：…  发布时间：…``).

Labels are compared without blanks (``索 引 号``, ``文　　号``, ``有&nbsp;效&nbsp;性``). A label whose value
is empty does not take the next label as its value (``来源：`` followed by ``访问量：199``), and a value
stops where the next label starts (``本站原创  作者：…`` is ``本站原创``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .text import SPACES, clean_value, compact, squash

LABELS = {
    "索引号": "index_no",
    "发布机构": "publisher", "发文机关": "publisher", "发文机构": "publisher", "发布单位": "publisher",
    "发文单位": "publisher", "公开主体": "publisher", "信息公开主体": "publisher",
    "成文日期": "written", "生成日期": "written", "发文日期": "written",
    "发布日期": "published", "公开日期": "published", "发布时间": "published", "公开时间": "published",
    "文号": "doc_no", "发文字号": "doc_no", "文件编号": "doc_no",
    "主题分类": "category", "组配分类": "category", "信息分类": "category", "分类": "category",
    "有效性": "validity", "公开方式": "open_mode", "失效日期": "expires",
    "标题": "title", "名称": "title", "信息名称": "title",
    "来源": "source", "信息来源": "source", "文章来源": "source", "稿源": "source", "稿件来源": "source",
    "来源单位": "source", "供稿单位": "source", "信息提供单位": "source", "发布部门": "publisher",
    "发文部门": "publisher", "制发机关": "publisher",
    "日期": "date", "时间": "date",
}
_LABEL_KEYS = sorted(LABELS, key=len, reverse=True)
_LABEL_FIRST = frozenset(label[0] for label in _LABEL_KEYS)   # a chunk starting otherwise is no label
_LABEL_RE = re.compile(r"^(" + "|".join(map(re.escape, _LABEL_KEYS)) + r")\s*[:：]?\s*(.*)$", re.S)
# any label, known or not (作者：, 访问量：, 浏览次数：, 字号：): a short run of letters and a colon
ANY_LABEL = re.compile(r"(?:^|(?<=[\s|｜/]))[\u4e00-\u9fffA-Za-z]{1,6}\s*[:：]|[【\[]\s*(?:字体|打印|关闭)")
_LEAF_TAGS = {"td", "th", "span", "li", "p", "div", "dt", "dd", "b", "strong", "label", "em", "font",
              "h1", "h2", "h3", "h4", "h5", "h6", "i", "a"}
_CONTAINERS = _LEAF_TAGS | {"table", "tr", "tbody", "ul", "ol", "dl"}

META_DATE_NAMES = ("pubdate", "publishdate", "firstpublishedtime", "article:published_time",
                   "og:release_date", "dc.date", "dc.date.issued", "dcterms.issued", "publishtime",
                   "releasedate", "publish_date", "pdate")
META_TITLE_NAMES = ("articletitle", "dc.title", "og:title")
META_SOURCE_NAMES = ("contentsource", "source", "dc.publisher", "publisher")


_SPELLING = {n.lower(): n for n in ("ArticleTitle", "PubDate", "ContentSource", "ColumnName", "SiteName",
                                     "PublishDate", "PublishTime", "ReleaseDate")}


def meta_name(name: str) -> str:
    """A meta's name as sites spell it (``pubdate`` → ``PubDate``), for explanations."""
    return _SPELLING.get(name, name)


def metas(root) -> dict[str, str | None]:
    """``<meta name|property=… content=…>`` by lower-cased name; the first non-empty one wins."""
    out: dict[str, str | None] = {}
    for m in root.iter("meta"):
        name = (m.get("name") or m.get("property") or "").strip().lower()
        if not name or out.get(name):
            continue
        out[name] = clean_value(m.get("content"))
    return out


@dataclass
class Labelled:
    value: str
    where: str       # "table" (a 信息公开 table cell), "label" (a labelled span/line) or "body"
    element: object = None


def _has_word(text: str) -> bool:
    """Whether squash(*text*) is not empty, without squashing it (most chunks are never read)."""
    return not text.isspace() and ("\u200b" not in text and "\ufeff" not in text or bool(SPACES.sub("", text)))


def _chunks(root) -> list[tuple[str, object]]:
    """(text, element) of every leaf-ish chunk in document order: the text of each td/th/span/li/p/div …
    without block children, so that a label and its value land in neighbouring chunks. Chunks whose
    squashed text is empty are left out (a tail counts after a text that is not blank for str.strip)."""
    out = []
    append = out.append
    for el in root.iter(*_LEAF_TAGS):     # the HTML parser lower-cases tag names
        mixed = False
        if len(el):
            for c in el:
                if c.tag in _CONTAINERS:
                    mixed = True
                    break
        if mixed:
            # mixed content: text directly inside, before the first child and between children
            text = el.text
            if text and _has_word(text):
                append((text, el))
            for c in el:
                text = c.tail
                if text and _has_word(text):
                    append((text, el))
            continue
        text = el.text_content() if len(el) else el.text   # no children: its text is its text content
        if not text or text.isspace():
            continue   # a blank text has no chunk, nor its tail
        if "\u200b" not in text and "\ufeff" not in text or SPACES.sub("", text):
            append((text, el))
        tail = el.tail
        if tail and _has_word(tail):
            parent = el.getparent()
            append((tail, parent if parent is not None else el))
    return out


def _where(el, body_el) -> str:
    node = el
    while node is not None:
        if node is body_el:
            return "body"
        node = node.getparent()
    node = el
    while node is not None:
        if isinstance(node.tag, str) and node.tag in ("td", "th") :
            return "table"
        node = node.getparent()
    return "label"


def _near(label_el, value_el) -> bool:
    """Whether *value_el* can hold the value of the label in *label_el*: in the same table, else
    within the label's grandparent (``<p><span>索引号：</span></p><p><span>…</span></p>``)."""
    table = next((a for a in label_el.iterancestors() if a.tag == "table"), None)
    scope = table
    if scope is None:
        parent = label_el.getparent()
        scope = parent.getparent() if parent is not None and parent.getparent() is not None \
            and parent.getparent().tag not in ("body", "html") else parent
    if scope is None:
        return True
    return value_el is scope or any(a is scope for a in value_el.iterancestors())


def cut_at_next_label(value: str) -> str:
    """``X 作者：Y`` → ``X``: a value ends where another label begins."""
    m = ANY_LABEL.search(value)
    return value[:m.start()] if m else value


_SOURCE_END = re.compile(r"[】\]]|\s{2,}|(?<!\d)(?:19|20)\d{2}\s*[-年./]")


def source_value(text: str) -> str | None:
    """A 来源/发布机构 value alone: up to the next label, a closing bracket, a date or a wide gap
    (``新华社】 2023-12-01``, ``新华社 2023-12-01 14:43``, ``本站原创  作者：…``)."""
    value = _SOURCE_END.split(cut_at_next_label(" " + text))[0]
    return clean_value(value.strip(" |｜【["))


def labelled(root, body_el=None) -> dict[str, Labelled]:
    """The first value of every known label on the page, with where it sits."""
    found: dict[str, Labelled] = {}
    chunks = _chunks(root)
    for i, (raw, el) in enumerate(chunks):
        first = raw[0]               # squash(raw)[0], when no blank leads
        if first.isspace() or first in ("\u200b", "\ufeff"):
            first = squash(raw)[:1]
        if first not in _LABEL_FIRST:
            continue
        chunk = squash(raw)
        flat = compact(chunk)
        if len(flat) > 80:
            continue
        m = _LABEL_RE.match(flat)
        if not m:
            continue
        label, rest = m.group(1), m.group(2)
        has_colon = bool(re.match(r"[:：]", flat[len(label):]))
        if not has_colon and (rest or el.tag not in ("td", "th")):
            continue   # "日期" in running text, or a word that merely starts like a label
        key = LABELS[label]
        where = _where(el, body_el)
        if key in found and not (found[key].where == "body" and where != "body"):
            continue
        if key == "date" and where == "body":
            continue   # 报名时间：… in the text is not the page's date
        if rest:
            value = re.split(r"[:：]", chunk, maxsplit=1)[1] if re.search(r"[:：]", chunk) else rest
            value = cut_at_next_label(" " + value.strip()).strip(" |｜")
        else:
            value, value_el = chunks[i + 1] if i + 1 < len(chunks) else ("", None)
            value = squash(value)
            if value_el is not None and not _near(el, value_el):
                value = ""   # an empty cell: the next text is the page's, not this label's
            if value[:1] in "|｜" or ANY_LABEL.match(compact(value)) or compact(value) in LABELS:
                # the next chunk is another label, maybe spaced out (标　　题：), or a separator: this
                # one is empty
                value = ""
        value = source_value(value) if key in ("source", "publisher") else clean_value(value.strip("【】[] "))
        if value:
            found[key] = Labelled(value, where, el)
    return found
