"""Chinese word segmentation for the full-text index (jieba with the domain's user dictionary).

SQLite's unicode61 tokenizer treats a run of Hanzi as a single token and trigram misses two-character
words, so text is segmented here and stored space-separated; FTS5 then indexes the words.
"""
from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path

USERDICT = Path(__file__).with_name("userdict.txt")
_PUNCT = re.compile(r"[\s\u3000\W_]+", re.UNICODE)


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.load_userdict(str(USERDICT))
    return jieba


def words(text: str | None, *, for_search: bool = False) -> list[str]:
    """The words of *text*, punctuation and blanks dropped.

    ``for_search=True`` also yields the shorter words inside long ones (部门预算 → 部门, 预算, 部门预算),
    which is what the index stores so that a query for either finds the document.
    """
    if not text:
        return []
    jb = _jieba()
    cut = jb.cut_for_search(text) if for_search else jb.cut(text)
    out = []
    for w in cut:
        w = w.strip().lower()
        if w and not _PUNCT.fullmatch(w):
            out.append(w)
    return out


def segment(text: str | None) -> str:
    """Index form of *text*: search-mode words joined by spaces."""
    return " ".join(words(text, for_search=True))


def fts_query(query: str) -> str:
    """An FTS5 MATCH expression for a user's query: every word must occur (AND), each quoted."""
    terms = words(query)
    if not terms:
        return '""'
    return " ".join('"' + t.replace('"', '""') + '"' for t in terms)
