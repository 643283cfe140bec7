"""The headline of an article page, reconciled from several witnesses.

Witnesses: meta ``ArticleTitle`` (and dc.title/og:title), the 信息公开 table's 标题, headline blocks
(h1–h3, ``ucaptitle``, elements classed title/con_title/bt…, ``td.title``) and ``<title>`` minus its
site/column parts. As GeneralNewsExtractor does, the witness sharing the longest common substring with
``<title>`` wins; when ``<title>`` is only the site or column name, the meta, then the table, then the
headline block nearest before the body do. A byline typed into the headline block (``来源：… 作者：…
2023-12-01 14:43``) is cut off, and stray spaces inside numbers (``2007 年末``) are removed.
"""
from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree

from .labels import ANY_LABEL
from .text import BLOCK_TAGS, element_text, find_date, in_chrome, longest_common_substring, squash, text_of, tidy

_SUBTITLE = re.compile(r"sub[_-]?title|fu[_-]?bt|subhead", re.I)


@lru_cache(maxsize=4096)   # class names repeat on every page of a site
def titleish(ident: str | None) -> bool:
    """Whether a class/id names a headline: a token with "title" (not a subtitle), or one ending in the
    pinyin abbreviations bt (标题: wzbt, xxbt, nrbt), tit or biaoti; "headline"."""
    for token in re.split(r"[\s]+", (ident or "").lower()):
        if not token or _SUBTITLE.search(token):
            continue
        if "title" in token or token.endswith(("bt", "tit", "biaoti")) or token in ("headline", "heading"):
            return True
    return False


_TITLE_TAGS = ("h1", "h2", "h3", "ucaptitle")
# the elements that can be headline blocks: a title tag or a class/id to read (one walk in C, in document order)
_CANDIDATES = etree.XPath("|".join(["descendant-or-self::*[@class or @id]"] + [f"descendant-or-self::{t}" for t in _TITLE_TAGS]))
# separators of "<headline> - <column> - <site>": _ | ｜ always; a dash between words, not in "2020-2021"
_SPLIT = re.compile(r"\s*[_|｜]+\s*|\s+[-–—]{1,2}\s+|(?<=[^\d\s])[-–—]{1,2}(?=[^\d\s])|\s*::\s*|\s{2,}")
_ORG_SUFFIX = re.compile(r"(人民政府|政府|网|网站|门户|门户网站|局|委员会|委|办公室|办|厅|部|中心|医院|大学|学院|"
                         r"学校|纪检|官网|官方网站|平台|在线)$")
GENERIC_HEADINGS = {"相关链接", "相关文章", "相关新闻", "热点新闻", "最新动态", "通知公告", "新闻中心", "友情链接",
                    "网站地图", "联系我们", "当前位置", "信息公开", "政务公开", "图片新闻", "专题专栏"}


def clean_headline(text: str) -> str:
    """The headline part of a headline block: its first line, up to a byline label or a date."""
    first = text.split("\n", 1)[0]
    m = ANY_LABEL.search(first)
    if m and m.start() > 0:
        first = first[:m.start()]
    d = find_date(first)
    if d and d.start() > 4 and not first[d.end():].strip(" 日"):
        first = first[:d.start()]    # "… 2023-12-01 14:43" at the end is the byline's date
    return tidy(first).strip(" -_|｜")


def _headline_text(el) -> str:
    """A headline broken over lines with ``<br>`` is one line; block children stay lines of their own."""
    if any(isinstance(c.tag, str) and c.tag in BLOCK_TAGS - {"br"} for c in el.iterdescendants()):
        return element_text(el)
    return squash(el.text_content())


def headline_blocks(root, order: dict, body_pos: int | None) -> list[tuple[str, object, int]]:
    """(text, element, distance before the body) of every headline-like block outside the chrome."""
    out, seen, chrome = [], set(), {}
    for el in _CANDIDATES(root):
        tag = el.tag.lower()
        if tag not in _TITLE_TAGS and not titleish(el.get("class")) and not titleish(el.get("id")):
            continue
        if in_chrome(el, None, chrome):
            continue
        text = clean_headline(_headline_text(el))
        if not 4 <= len(text) <= 150 or text in GENERIC_HEADINGS or text in seen:
            continue
        seen.add(text)
        pos = order.get(el, 0)
        distance = (body_pos - pos) if body_pos is not None and pos <= body_pos else 10**6 + pos
        out.append((text, el, distance))
    return out


def block_before_body(body_start, order: dict) -> list[tuple[str, object, int]]:
    """The first short, link-free, undated block before the body (up to 4 siblings back, 3 levels up):
    the headline of a template that marks it with no recognisable class."""
    node, levels = body_start, 0
    while node is not None and levels < 3 and node.tag not in ("body", "html"):
        sib, steps = node.getprevious(), 0
        while sib is not None and steps < 4:
            if isinstance(sib.tag, str) and sib.tag not in ("head", "title") and not in_chrome(sib):
                text = squash(sib.text_content())
                links = sum(len(squash(text_of(a))) for a in sib.iter("a"))
                if text and not find_date(text) and not ANY_LABEL.search(text) and links < len(text) / 2 \
                        and 5 <= len(text) <= 150 and text not in GENERIC_HEADINGS:
                    return [(tidy(text), sib, order.get(body_start, 0) - order.get(sib, 0))]
                steps += 1
            sib = sib.getprevious()
        node, levels = node.getparent(), levels + 1
    return []


def title_parts(page_title: str | None, names: set[str]) -> list[str]:
    """The parts of ``<title>`` that are not the site's or column's name, most title-like first."""
    if not page_title:
        return []
    parts = [tidy(p) for p in _SPLIT.split(page_title) if p and p.strip()]
    # "<headline> 某某医院": a site name after a single space
    parts = [p.rsplit(" ", 1)[0] if " " in p and len(p.rsplit(" ", 1)[1]) >= 4
             and (_ORG_SUFFIX.search(p.rsplit(" ", 1)[1]) or p.rsplit(" ", 1)[1] in names) else p for p in parts]
    parts = [p for p in parts if p and p not in names]
    plain = [p for p in parts if not _ORG_SUFFIX.search(p)]
    return sorted(plain, key=len, reverse=True) + [p for p in parts if p not in plain]


def choose_title(witnesses: list[tuple[str, str]], blocks: list[tuple[str, object, int]],
                 page_title: str | None, names: set[str]) -> tuple[str | None, str | None]:
    """(title, where it came from). *witnesses* are (text, source) of meta/table titles, best first."""
    cands: list[tuple[str, str, int]] = []   # text, source, rank (lower is better on a tie)
    for i, (text, source) in enumerate(witnesses):
        text = clean_headline(squash(text)) if text else ""
        if text and text not in names:
            cands.append((text, source, i))
    for text, el, distance in sorted(blocks, key=lambda b: b[2]):
        cands.append((text, f"headline <{el.tag}{' class=' + el.get('class') if el.get('class') else ''}>",
                      100 + min(distance, 10**6)))
    parts = title_parts(page_title, names)
    if page_title and parts:
        reference = squash(page_title)
        best, best_key = None, None
        for text, source, rank in cands:
            common = longest_common_substring(text, reference)
            if common < max(4, 0.6 * len(text)) and common < 0.9 * len(parts[0]):
                continue
            key = (common, -rank)
            if best_key is None or key > best_key:
                best, best_key = (text, f"{source} ≈ <title>"), key
        if best:
            return best
    if cands:
        text, source, _ = min(cands, key=lambda c: c[2])
        return text, source
    if parts:
        return parts[0], "<title>"
    return None, None
