"""The publication date, ranked by evidence rather than first found.

1. the visible date next to the headline: a labelled one (发布日期/发布时间/日期/时间：) or a bare date in
   the byline lines between the headline and the body (``2020年06月10日 来源：…``);
2. a labelled 发布日期 elsewhere outside the body, then the 信息公开 table's 发布日期;
3. meta tags (PubDate, firstpublishedtime, article:published_time …) — but a meta date later than the
   response's ``Last-Modified`` is the time the page was re-generated, not published;
4. 发布日期 inside the body text, then 成文日期;
5. last resorts: the 落款 date closing the body, then the date in the address (JCMS ``/art/2020/6/3/``,
   TRS ``t20200603_``), which can differ from the page's own (cmse: t20210106 vs 发布日期 2021-01-05).
A date in the body (``报名时间：2020年6月20日``) is never the page's date unless labelled 发布日期.
Because the visible date outranks the meta, a meta later than it (a re-generation) never wins.
"""
from __future__ import annotations

import re
from datetime import datetime
from email.utils import parsedate_to_datetime

from .labels import META_DATE_NAMES, Labelled, meta_name
from .text import find_date, parse_date

_ZONE_LABEL = re.compile(r"(?<![\u4e00-\u9fff])(发布日期|发布时间|公开日期|发表时间|日期|时间)\s*[:：]\s*([^\n|｜]{6,30})")
_BYLINE_WORDS = re.compile(r"来源|作者|浏览|点击|阅读|访问|编辑|发布|字号|打印")
_HEAD_MARK, _BODY_MARK = "\ue000", "\ue001"   # private-use characters, unless the page holds them
# a page may (an icon font's glyphs): then two noncharacters it does not hold mark the zone instead
_SPARE_MARKS = "".join(chr(c) for c in range(0xFDD0, 0xFDF0))
_MARK_REF = re.compile(r"&#(?:[xX]0*[eE]00[01](?![0-9a-fA-F])|0*5734[45](?!\d))")
_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|(\d{1,8}))")
ZONE_LINES = 8


def zone_marks(text: str) -> tuple[str, str] | None:
    """Two characters the page's *text* holds neither as characters nor as ``&#…;`` references, to
    mark the headline and the body's start with; None if there are none (then no page is safe)."""
    if _HEAD_MARK not in text and _BODY_MARK not in text and not _MARK_REF.search(text):
        return _HEAD_MARK, _BODY_MARK
    held = set(text)
    for m in _CHAR_REF.finditer(text):
        code = int(m[1], 16) if m[1] else int(m[2])
        if code < 0x110000:
            held.add(chr(code))
    free = [c for c in _HEAD_MARK + _BODY_MARK + _SPARE_MARKS if c not in held]
    return (free[0], free[1]) if len(free) >= 2 else None


def byline_zone(root, headline_el, body_start_el, title: str | None,
                marks: tuple[str, str] | None = None) -> str:
    """The text between the headline block and the start of the body (at most a few lines).

    *marks* (``zone_marks`` of the page) are characters the page does not hold: the text is then read
    from the headline on, not from the top of the page, and comes out the same. Without them the
    private-use marks are used and the page read from the top."""
    from .text import element_text

    if body_start_el is None:
        return ""
    known_free = marks is not None
    head_mark, body_mark = marks or (_HEAD_MARK, _BODY_MARK)
    marked = []
    for el, mark in ((headline_el, head_mark), (body_start_el, body_mark)):
        if el is not None:
            marked.append((el, el.text))
            el.text = mark + (el.text or "")
    try:
        body = next(root.iterchildren("body"), None)
        body = body if body is not None else root
        text = None
        if known_free and headline_el is not None and headline_el is not body_start_el:
            text = element_text(body, until=body_start_el, start=headline_el)
        if text is None:
            # what follows the body's start is not read: the zone ends there
            text = element_text(body, until=body_start_el)
    finally:
        for el, original in reversed(marked):
            el.text = original
    end = text.find(body_mark)
    if end < 0:
        return ""
    start = text.rfind(head_mark, 0, end)
    zone = text[start + 1:end] if start >= 0 else "\n".join(text[:end].split("\n")[-ZONE_LINES:])
    if title:
        zone = zone.replace(title, " ")
    lines = [line for line in zone.split("\n") if line.strip()]
    return "\n".join(lines[:ZONE_LINES])


def _zone_date(zone: str) -> tuple[str | None, str | None]:
    for m in _ZONE_LABEL.finditer(zone):
        d = parse_date(m.group(2))
        if d:
            return d, f"byline {m.group(1)}"
    for i, line in enumerate(zone.split("\n")):
        m = find_date(line)
        if not m or re.search(r"[:：]\s*$", line[:m.start()]):
            continue   # "成文日期：2020-05-28" is another label's date
        rest = (line[:m.start()] + line[m.end():]).strip()
        at_start = not line[:m.start()].strip(" |｜[]【】()（）")
        if not rest or re.fullmatch(r"[\d:：\s]*", rest) or _BYLINE_WORDS.search(line) or (i < 2 and at_start):
            return parse_date(m.group(0)), "byline date"
    return None, None


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_HTTP_DATE = re.compile(r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d\d) (" + "|".join(_MONTHS) + r") (\d{4}) (\d\d):(\d\d):(\d\d) GMT")


def _last_modified(value: str | None) -> str | None:
    if not value:
        return None
    m = _HTTP_DATE.fullmatch(value)
    if m:    # the usual "Tue, 01 Jan 2019 02:23:00 GMT": read without the e-mail date parser
        try:
            y, mon, d, hh, mm, ss = int(m[3]), _MONTHS.index(m[2]) + 1, int(m[1]), int(m[4]), int(m[5]), int(m[6])
            return datetime(y, mon, d, hh, mm, ss).date().isoformat()
        except ValueError:
            pass
    try:
        return parsedate_to_datetime(value).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return parse_date(value)


_URL_DATE = re.compile(r"/(?:art/)?((?:19|20)\d{2})[/-]?(\d{1,2})[/-]?(\d{1,2})(?=/)|(?<=/)t((?:19|20)\d{2})(\d{2})(\d{2})_")


def url_date(url: str | None) -> str | None:
    """The date a JCMS (``/art/2020/6/3/``) or TRS (``t20200603_``) address carries."""
    for m in _URL_DATE.finditer(url or ""):
        y, mo, d = (g for g in m.groups() if g is not None)
        date = parse_date(f"{y}-{mo}-{d}")
        if date:
            return date
    return None


def signature_date(body: str) -> str | None:
    """The 落款 date on the last lines of the body (``2020年6月10日`` alone on a line)."""
    for line in reversed([ln for ln in body.split("\n") if ln.strip()][-3:]):
        m = find_date(line)
        if m and len(line.strip()) <= len(m.group(0)) + 2:
            return parse_date(m.group(0))
    return None


def choose_published(zone: str, labelled: dict[str, Labelled], metas: dict,
                     last_modified: str | None = None, body: str = "",
                     url: str | None = None) -> tuple[str | None, str | None, list[str]]:
    """(date, where it came from, notes on evidence set aside)."""
    notes: list[str] = []
    ranked: list[tuple[str | None, str]] = []
    ranked.append(_zone_date(zone))
    pub = labelled.get("published")
    if pub is not None and pub.where == "label":
        ranked.append((parse_date(pub.value), "label 发布日期"))
    if pub is not None and pub.where == "table":
        ranked.append((parse_date(pub.value), "table 发布日期"))
    if labelled.get("date") is not None:
        ranked.append((parse_date(labelled["date"].value), "label 日期"))
    modified = _last_modified(last_modified)
    meta_dates = [(name, d) for name in META_DATE_NAMES if metas.get(name) and (d := parse_date(metas[name]))]
    for name, d in meta_dates:
        if modified and d > modified:
            notes.append(f"meta {meta_name(name)} {d} is later than Last-Modified {modified}: a re-generation time")
            continue
        ranked.append((d, f"meta {meta_name(name)}"))
    if pub is not None and pub.where == "body":
        ranked.append((parse_date(pub.value), "body 发布日期"))
    if labelled.get("written") is not None:
        ranked.append((parse_date(labelled["written"].value), f"{labelled['written'].where} 成文日期"))
    ranked.append((signature_date(body), "body signature date"))
    ranked.append((url_date(url), "URL"))
    chosen = next(((d, s) for d, s in ranked if d), (None, None))
    for name, d in meta_dates:
        if chosen[0] and d > chosen[0] and not chosen[1].startswith("meta"):
            notes.append(f"meta {meta_name(name)} {d} is later than the visible {chosen[0]}: a re-generation time")
    return chosen[0], chosen[1], notes
