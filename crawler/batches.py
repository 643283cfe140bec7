"""Writes in batches: one transaction for many writes (the crawl's pipeline, `db import`), each write inside
it a savepoint, so a batch is stored whole or not at all and a failing write leaves the others.

Per-document transactions cost a WAL sync each (a first crawl wrote 1.8 GB for a 69 MB database).
Writes here use plain SQL: sqlite-utils' table methods commit (``with conn``), which would end a batch.
"""
from __future__ import annotations

from contextlib import contextmanager


class BatchWrites:
    """Mixed into crawler.store.Store (``self.db`` a sqlite_utils.Database)."""

    _batch = False
    _table_columns: dict[str, set[str]]

    @contextmanager
    def batch(self):
        """Many writes in one transaction, all of them or none: a crash loses the open batch, never half
        a document. Inside, each write is its own savepoint (a failing one leaves the others)."""
        if self._batch:
            yield self
            return
        conn = self.db.conn
        if conn.in_transaction:
            conn.commit()
        conn.execute("BEGIN IMMEDIATE")
        self._batch = True
        try:
            yield self
        except BaseException:
            conn.rollback()
            raise
        else:
            conn.commit()
        finally:
            self._batch = False

    @contextmanager
    def _atomic(self):
        """One write (a document with its version and search row …): a savepoint inside a batch, else its
        own transaction."""
        conn = self.db.conn
        if not self._batch:
            with conn:
                yield
            return
        conn.execute("SAVEPOINT write")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK TO write")
            conn.execute("RELEASE write")
            raise
        conn.execute("RELEASE write")

    def _columns_of(self, table: str) -> set[str]:
        if table not in self._table_columns:
            self._table_columns[table] = {r[1] for r in self.db.execute(f"PRAGMA table_info([{table}])")}
        return self._table_columns[table]

    def _upsert_row(self, table: str, row: dict, pk: tuple[str, ...]) -> None:
        """insert … on conflict update, adding columns the table lacks (sqlite-utils' alter=True) without
        committing, so it can be part of a batch."""
        have = self._columns_of(table)
        for key, value in row.items():
            if key not in have:
                kind = "INTEGER" if isinstance(value, (bool, int)) else "FLOAT" if isinstance(value, float) else "TEXT"
                self.db.execute(f"ALTER TABLE [{table}] ADD COLUMN [{key}] {kind}")
                have.add(key)
        keys = list(row)
        sets = ", ".join(f"[{k}] = excluded.[{k}]" for k in keys if k not in pk)
        self.db.execute(
            f"INSERT INTO [{table}] ({', '.join(f'[{k}]' for k in keys)}) VALUES ({', '.join('?' for _ in keys)}) "
            f"ON CONFLICT ({', '.join(pk)}) DO " + (f"UPDATE SET {sets}" if sets else "NOTHING"),
            [row[k] for k in keys])

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
