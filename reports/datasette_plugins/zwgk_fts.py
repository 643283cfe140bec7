"""Datasette plugin (loaded with --plugins-dir): SQL function zwgk_fts(query) → FTS5 MATCH expression.

The index holds jieba-segmented text (crawler/textseg.py), so a query must be segmented the same way:
``where documents_fts match zwgk_fts(:q)``.
"""
from __future__ import annotations

try:
    from datasette import hookimpl
except ImportError:  # usable (and testable) without Datasette
    def hookimpl(fn):
        return fn


def zwgk_fts(query):
    from crawler.textseg import fts_query

    return fts_query(str(query or ""))


@hookimpl
def prepare_connection(conn):
    conn.create_function("zwgk_fts", 1, zwgk_fts, deterministic=True)
