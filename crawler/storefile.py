"""Before a store is opened for writing: is this file one zwgk may touch?

Checked on a read-only connection, before the WAL switch and the migrations (crawler/store.py): a path
under a file, a file that is not SQLite, another program's database and a store written by a newer zwgk
are refused with one line (``zwgk: database FILE: problem``, exit 2 from the CLI), the file untouched.
"""
from __future__ import annotations

from pathlib import Path


class StoreError(RuntimeError):
    """A database file zwgk must not touch: the CLI prints ``zwgk: database FILE: problem``, exit 2."""

    def __init__(self, path, problem: str):
        self.path, self.problem = str(path), problem
        super().__init__(f"database {path}: {problem}")


def check_store_file(path: Path, schema_version: int) -> None:
    """Before anything is changed (no WAL switch, no migration): the file must be absent, empty, or a
    zwgk store no newer than this code — checked on a read-only connection."""
    import sqlite3

    if path.parent.exists() and not path.parent.is_dir():
        raise StoreError(path, f"cannot be created: {path.parent} is a file, not a folder")
    if path.exists() and path.is_dir():
        raise StoreError(path, "is a folder, not a file")
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error as e:
        raise StoreError(path, f"cannot be opened: {e}") from None
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
    except sqlite3.DatabaseError:
        raise StoreError(path, "not a zwgk store") from None
    finally:
        conn.close()
    if version > schema_version:
        raise StoreError(path, f"is newer than this zwgk ({version} > {schema_version}): upgrade")
    if (version == 0 and tables) or (version > 0 and not {"documents", "runs"} <= tables):
        raise StoreError(path, "not a zwgk store")
