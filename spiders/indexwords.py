"""A new article's search words segmented in the same CPU-worker call as its extraction (crawler/cpupool.py).

A page the store has never seen will be indexed, so segmenting its title and body right after extracting
them, in the worker that already holds the text, saves a second round trip per document: the body is not
pickled back to the worker to be segmented, and the store pipeline does not hold the page's items for a
second answer. Only pages unknown to the spider are segmented this way (a known page may be unchanged,
and an unchanged document is never segmented); the pipeline uses the words only when the document's
title and body are exactly the texts they were made from (``WORDS``), else segments as before.
"""
from __future__ import annotations

from crawler.searchindex import segments

from .extract import extract

WORDS = "index_words"   # the extraction's key, and the DocumentItem field: {"title", "body", "words"}


def article_texts(data: dict, listed_title: str | None) -> tuple[str | None, str]:
    """The stored document's title and body from an extraction (the list's title when the page has none)."""
    return data.get("title") or listed_title, data.get("body") or ""


def extract_with_words(html: bytes, url: str, encoding: str | None, last_modified: str | None,
                       listed_title: str | None) -> dict:
    """``extract(…)`` plus ``WORDS``: the search index's segmented title and body of the document it makes."""
    data = extract(html, url, encoding, last_modified)
    title, body = article_texts(data, listed_title)
    title_words, body_words, _ = segments(title, body, None)
    data[WORDS] = {"title": title, "body": body, "words": (title_words, body_words)}
    return data
