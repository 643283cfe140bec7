"""Search as staff mean it: the bureau's own documents first (its site, or its name as publisher elsewhere),
title matches (every query word a whole dictionary word of the title) above body matches, the bureau's site
above copies elsewhere; newest first, then full-text rank (bm25).

The store finds the candidates (FTS5, crawler/store.py); this module only orders and filters them.
"""
from __future__ import annotations

from typing import Iterable

from . import textseg

#: how many full-text candidates are ranked (enough for any first page; the CLI shows 20 by default)
CANDIDATES = 2000


def _has_words(title_words: list[str], title: str, term: str) -> bool:
    """*term* is a whole word of the title (or the run of its parts, as the index splits it)."""
    if term in title_words:
        return True
    parts = textseg._parts(term) or []
    n = len(parts)
    return bool(n) and any(title_words[i:i + n] == parts for i in range(len(title_words) - n + 1))


def is_own(row: dict, aliases: Iterable[str]) -> bool:
    """The bureau's own document: on its site, or published under one of its names elsewhere."""
    if row.get("site") == "bureau":
        return True
    publisher = str(row.get("publisher") or "")
    return bool(publisher) and any(a and a in publisher for a in aliases)


def search(store, query: str, *, limit: int = 20, site: str | None = None, year: int | None = None,
           aliases: Iterable[str] = ()) -> list[dict]:
    aliases = [a for a in aliases if a]
    rows = store.search(query, limit=CANDIDATES, site=site)
    if year is not None:
        rows = [r for r in rows if str(r.get("published") or "").startswith(str(year))]
    terms = textseg.words(query)

    def key(r: dict):
        title = str(r.get("title") or "")
        title_words = textseg.words(title)
        in_title = bool(terms) and all(_has_words(title_words, title, t) for t in terms)
        published = str(r.get("published") or "")
        return (not is_own(r, aliases), not in_title, r.get("site") != "bureau", _desc(published), r.get("rank") or 0.0)

    ranked = sorted(rows, key=key)[:limit]
    for r in ranked:
        r["own"] = is_own(r, aliases)
    return ranked


def _desc(text: str) -> tuple:
    """Sort key for newest first on an ISO date string (missing dates last)."""
    return (not text, tuple(-ord(c) for c in text))
