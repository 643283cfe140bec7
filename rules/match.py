"""Finding documents for a check: jieba words with synonym groups, restricted by site, column,
publisher and year.

Terms are matched the way the full-text index works (crawler.textseg): a document's text is cut into
search-mode words; a term matches when each of its words is there, or the shorter words that make it up
are (“三公”经费 matches 三公经费). ``all`` groups must all match, ``any`` at least one, ``none`` none; each
group is one term or a list of synonyms. Evidence carries the terms that matched.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

from crawler import textseg

from .params import MATCH_KEYS

# ``ctx`` below is a rules.context.Context; not imported: that module imports this one

_CJK = re.compile(r"[\u4e00-\u9fff]")
_TITLE_YEAR = re.compile(r"(20\d\d)\s*(?:[-—–~至]\s*20\d\d\s*)?(?:年|学年)")
_ORG_SUFFIX = re.compile(r"(局|委员会|教委|办公室|政府|学校|小学|中学|幼儿园|中心|医院|街道|镇|乡|学院|研究院|"
                         r"公司|所|站|馆|大队|支队)$")
_GENERIC_PREFIX = re.compile(r"^(关于|印发|公开|发布|转发|我局|本局|全区|[\s\u3000“”\"《》〈〉：:、，,（）()])+")


@lru_cache(maxsize=4096)
def _term_words(term: str) -> tuple[tuple[str, tuple[str, ...] | None], ...]:
    out = []
    for w in textseg.words(term):
        parts = textseg._parts(w) if len(w) > 1 else None
        out.append((w, tuple(parts) if parts else None))
    return tuple(out)


def term_in(term: str, tokens: set[str]) -> bool:
    ws = _term_words(term)
    if not ws:
        return False
    for w, parts in ws:
        if w in tokens:
            continue
        if parts and all(p in tokens for p in parts):
            continue
        return False
    return True


def group_match(groups: list[list[str]], tokens: set[str]) -> list[str] | None:
    """Terms of *groups* found in *tokens*: one per group if every group matches, else None."""
    found = []
    for alts in groups:
        hit = next((t for t in alts if term_in(t, tokens)), None)
        if hit is None:
            return None
        found.append(hit)
    return found


def any_match(groups: list[list[str]], tokens: set[str]) -> list[str]:
    return [t for alts in groups for t in alts if term_in(t, tokens)]


# --- the bureau -----------------------------------------------------------------------------

def bureau_alias_in(text: str | None, aliases: Iterable[str]) -> str | None:
    """The bureau alias named in *text*, or None.

    An alias without a place name (区教体局) does not count inside another place's name
    (任城区教体局): it must not follow a Hanzi, unless that Hanzi ends 兖州.
    """
    if not text:
        return None
    text = re.sub(r"[\s\u3000]+", "", text)
    for alias in sorted(aliases, key=len, reverse=True):
        start = text.find(alias)
        while start >= 0:
            if alias[0] not in "区县市镇" or start == 0 or not _CJK.match(text[start - 1]) \
                    or text[:start].endswith("兖州"):
                return alias
            start = text.find(alias, start + 1)
    return None


def doc_year(doc: dict) -> int | None:
    """The year an item is about: the first year in its title, else the year it was published."""
    m = _TITLE_YEAR.search(doc.get("title") or "")
    if m:
        return int(m.group(1))
    pub = doc.get("published") or ""
    return int(pub[:4]) if pub[:4].isdigit() else None


def title_owner(title: str) -> str:
    """The organisation a title begins with, before its year (“兖州区实验小学2020年部门预算”), or ''."""
    m = _TITLE_YEAR.search(title or "")
    if not m or m.start() > 40:
        return ""
    return _GENERIC_PREFIX.sub("", title[:m.start()]).strip()


def owned_by_bureau(doc: dict, ctx: "Context") -> bool:
    """An item of the bureau: not another unit's (a school's budget, another department's report)."""
    pub = (doc.get("publisher") or "").strip()
    if pub and pub.lower() != "null" and not ctx.is_bureau_name(pub):
        return False
    owner = title_owner(doc.get("title") or "")
    if owner and not ctx.is_bureau_name(owner) and _ORG_SUFFIX.search(owner):
        return False
    return True


def _local_name(name: str, ctx: "Context") -> bool:
    if ctx.is_bureau_name(name):
        return True
    return ctx.registry is not None and ctx.registry.get(name) is not None


def owned_locally(doc: dict, ctx: "Context") -> bool:
    """An item of the bureau or of one of its configured units (a school, a town's 教委): never another
    district's or another department's. Without a unit registry only the bureau's own items are sure."""
    pub = (doc.get("publisher") or "").strip()
    if pub and pub.lower() != "null" and not _local_name(pub, ctx):
        return False
    owner = title_owner(doc.get("title") or "")
    if owner and _ORG_SUFFIX.search(owner) and not _local_name(owner, ctx):
        return False
    return True


def about_bureau(doc: dict, ctx: "Context") -> str | None:
    """For upper-level columns: the bureau alias the item names in its title, publisher or source."""
    for key in ("title", "publisher", "source"):
        hit = bureau_alias_in(doc.get(key), ctx.bureau_aliases)
        if hit:
            return hit
    return None


# --- selection ------------------------------------------------------------------------------

def select(ctx: "Context", spec: dict, *, docs: list[dict] | None = None) -> list[tuple[dict, list[str]]]:
    """Documents matching *spec* (a validated ``match`` mapping), oldest first, with matched terms."""
    out = []
    year = ctx.plan_year
    candidates = _candidates(ctx, spec)
    for doc in (docs if docs is not None else ctx.docs):
        if candidates is not None and doc.get("doc_id") not in candidates:
            continue
        if spec["site"] and doc.get("site") not in spec["site"]:
            continue
        if spec["column"] and not ctx.in_columns(doc, spec["column"]):
            continue
        if spec["class"] and not ctx.in_classes(doc, spec["class"]):
            continue
        if spec["published"] == "plan" and (doc.get("published") or "")[:4] != str(year):
            continue
        if spec["year"] != "any":
            want = year if spec["year"] == "plan" else year - 1
            if doc_year(doc) != want:
                continue
        if spec["publisher"] == "bureau" and not owned_by_bureau(doc, ctx):
            continue
        if spec["publisher"] == "local" and not owned_locally(doc, ctx):
            continue
        tokens = ctx.tokens(doc, spec["fields"])
        terms: list[str] = []
        if spec["all"]:
            hit = group_match(spec["all"], tokens)
            if hit is None:
                continue
            terms += hit
        if spec["any"]:
            hit = any_match(spec["any"], tokens)
            if not hit:
                continue
            terms += [t for t in hit if t not in terms]
        if spec["none"] and any_match(spec["none"], tokens):
            continue
        out.append((doc, terms))
    out.sort(key=lambda x: (x[0].get("published") or "", x[0].get("url")))
    return out


def _fts_term(term: str) -> str | None:
    """An FTS5 expression true wherever term_in(term, …) can be: each word, or all of its parts."""
    out = []
    for w, parts in _term_words(term):
        q = textseg._quote(w)
        if parts:
            q = f"({q} OR ({' AND '.join(textseg._quote(p) for p in parts)}))"
        out.append(q)
    return "(" + " AND ".join(out) + ")" if out else None


def _candidates(ctx, spec: dict) -> set | None:
    """doc_ids the full-text index says can match *spec*'s ``all``/``any`` terms (a superset: each is
    still checked word by word), or None when every document must be looked at."""
    finder = getattr(ctx, "indexed_candidates", None)
    if finder is None or "publisher" in spec["fields"] or not (spec["all"] or spec["any"]):
        return None
    clauses = []
    for alts in spec["all"]:
        terms = [q for q in map(_fts_term, alts) if q]
        if not terms:
            return set()
        clauses.append("(" + " OR ".join(terms) + ")")
    if spec["any"]:
        terms = [q for alts in spec["any"] for q in map(_fts_term, alts) if q]
        if not terms:
            return set()
        clauses.append("(" + " OR ".join(terms) + ")")
    columns = " ".join(dict.fromkeys(spec["fields"]))
    return finder(f"{{{columns}}} : (" + " AND ".join(clauses) + ")")


def spec(**kw) -> dict:
    """A match spec in validated form, for kinds' defaults: ``spec(any=["预算"], year="plan")``."""
    out = {}
    kw["class"] = kw.pop("class_", kw.get("class", []))
    for key, p in MATCH_KEYS.items():
        v = kw.pop(key, p.default)
        if p.type == "terms":
            v = [list(x) if isinstance(x, (list, tuple)) else [x] for x in v]
        out[key] = list(v) if isinstance(v, (list, tuple)) else v
    if kw:
        raise TypeError(f"unknown match keys {sorted(kw)}")
    return out
