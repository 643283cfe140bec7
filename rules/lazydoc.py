"""Document rows that keep only what checks filter on, so a check's memory stays flat in the number of
documents (issue 14): long texts are read from the store when a kind asks for them, and not kept."""
from __future__ import annotations

import sys

# columns with few distinct values: one string object per value, not one per document
_SHARED = ("site", "column_id", "column_name", "publisher", "source", "state", "category")


class LazyDoc(dict):
    """A document row with the columns checks filter on (CORE); any other column (body, attachment_text,
    attachments …) is read from the store each time it is asked for and not kept."""
    CORE = ("doc_id", "url", "site", "column_id", "column_name", "title", "published", "publisher", "source",
            "state", "index_no", "doc_no", "category")
    _MISSING = object()
    __slots__ = ("_store", "_columns")

    def __init__(self, row, store, columns: frozenset = frozenset()):
        super().__init__(row)
        self._store, self._columns = store, columns
        for k in _SHARED:
            v = dict.get(self, k)
            if type(v) is str:
                dict.__setitem__(self, k, sys.intern(v))

    def _read(self, key):
        if dict.__contains__(self, key) or key not in self._columns or self._store is None:
            return self._MISSING
        row = self._store.db.execute(f"select [{key}] from documents where url = ?", [dict.get(self, "url")]).fetchone()
        return row[0] if row else self._MISSING

    def __missing__(self, key):
        value = self._read(key)
        if value is self._MISSING:
            raise KeyError(key)
        return value

    def __contains__(self, key):
        return dict.__contains__(self, key) or key in self._columns

    def get(self, key, default=None):
        if dict.__contains__(self, key):
            return dict.__getitem__(self, key)
        value = self._read(key)
        return default if value is self._MISSING else value
