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


def _import_jieba():
    """jieba, imported without pkg_resources. jieba 0.42's ``_compat`` imports pkg_resources (0.1 CPU s,
    four times jieba's own import, in every process that segments: the ingest, a crawl's CPU worker, each
    ``db import`` worker) only to open files of its own package, and opens the same files with ``open()``
    when that import fails: so it fails, for the time of jieba's import only."""
    import sys

    if "jieba" in sys.modules:
        return sys.modules["jieba"]
    hide = "pkg_resources" not in sys.modules
    if hide:
        sys.modules["pkg_resources"] = None   # an import of it raises ImportError
    try:
        import jieba
    finally:
        if hide and "pkg_resources" in sys.modules and sys.modules["pkg_resources"] is None:
            del sys.modules["pkg_resources"]
    return jieba


@lru_cache(maxsize=1)
def _jieba():
    jieba = _import_jieba()

    from .segmenter import load_cached_dictionary

    jieba.setLogLevel(logging.WARNING)
    load_cached_dictionary(jieba.dt)
    jieba.load_userdict(str(USERDICT))
    return jieba


def new_segmenter(block_cache: int | None = None):
    """A Segmenter (crawler/segmenter.py) on jieba's dictionary with ours; *block_cache*: blocks it remembers."""
    tokenizer = _jieba().dt   # first: it imports jieba
    from jieba import finalseg, re_han_default, re_skip_default

    from .hmmcut import HmmCut
    from .segmenter import BLOCK_CACHE, Segmenter

    return Segmenter(tokenizer, HmmCut(finalseg), re_han_default, re_skip_default,
                     BLOCK_CACHE if block_cache is None else block_cache)


@lru_cache(maxsize=1)
def _segmenter():
    return new_segmenter()


def words(text: str | None, *, for_search: bool = False) -> list[str]:
    """The words of *text*, punctuation and blanks dropped.

    ``for_search=True`` also yields the shorter words inside long ones (部门预算 → 部门, 预算, 部门预算),
    which is what the index stores so that a query for either finds the document.
    """
    if not text:
        return []
    return _segmenter().words(text, for_search)


def segment(text: str | None) -> str:
    """Index form of *text*: search-mode words joined by spaces."""
    return " ".join(words(text, for_search=True))


def _parts(term: str) -> list[str] | None:
    """Shorter dictionary words that cover *term* end to end (三公经费 → 三公, 经费), or None."""
    tokens = [(w, a, b) for w, a, b in _jieba().tokenize(term, mode="search") if w != term]
    parts, pos = [], 0
    while pos < len(term):
        here = [t for t in tokens if t[1] == pos]
        if not here:
            return None
        word, _, end = max(here, key=lambda t: t[2])
        parts.append(word)
        pos = end
    return parts if len(parts) > 1 else None


def _quote(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def fts_query(query: str) -> str:
    """An FTS5 MATCH expression for a user's query: every word must occur (AND).

    A query word may have been split in a document (“三公”经费 is indexed as 三公 经费), so each word
    matches either itself or the phrase of its parts.
    """
    terms = words(query)
    if not terms:
        return '""'
    out = []
    for t in terms:
        parts = _parts(t)
        if parts:
            out.append(f"({_quote(t)} OR {_quote(' '.join(parts))})")
        else:
            out.append(_quote(t))
    return " AND ".join(out)
