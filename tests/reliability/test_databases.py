"""Hostile database files: a --db under a file, a file that is not SQLite, another program's SQLite file,
a store newer than the code. One line, exit 2, and the file is not touched (no WAL switch, no migration)."""
from __future__ import annotations

import hashlib
import sqlite3

import pytest

from conftest import run_zwgk

pytestmark = pytest.mark.reliability


def _newer_store(path):
    from crawler.store import SCHEMA_VERSION, Store

    with Store(path):
        pass
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 2}")
    conn.commit()
    conn.close()
    return SCHEMA_VERSION + 2, SCHEMA_VERSION


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("command", [["search", "预算"], ["status"], ["check", "--as-of", "2020-12-31"]])
def test_newer_store_is_refused_untouched(tmp_path, command):
    db = tmp_path / "zwgk.db"
    newer, ours = _newer_store(db)
    before = _digest(db)
    r = run_zwgk(["--db", str(db), *command], cwd=tmp_path, timeout=60)
    assert r.returncode == 2, r.stderr[-2000:]
    assert r.stderr.strip() == f"zwgk: database {db}: is newer than this zwgk ({newer} > {ours}): upgrade"
    assert _digest(db) == before
    assert not (tmp_path / "zwgk.db-wal").exists()
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()


@pytest.mark.parametrize("make, problem", [
    (lambda p: p.write_text("not a database at all\n" * 100), "not a zwgk store"),
    (lambda p: p.write_bytes(b"\x00\xff" * 4096), "not a zwgk store"),
    (lambda p: sqlite3.connect(p).execute("create table notes (t text)").connection.commit(), "not a zwgk store"),
])
def test_files_that_are_not_zwgk_stores_are_refused_untouched(tmp_path, make, problem):
    db = tmp_path / "other.db"
    make(db)
    before = _digest(db)
    r = run_zwgk(["--db", str(db), "search", "预算"], cwd=tmp_path, timeout=60)
    assert r.returncode == 2, r.stderr[-2000:]
    assert r.stderr.strip() == f"zwgk: database {db}: {problem}"
    assert _digest(db) == before


def test_db_under_a_file_is_one_line(tmp_path):
    (tmp_path / "afile").write_text("x")
    db = tmp_path / "afile" / "zwgk.db"
    r = run_zwgk(["--db", str(db), "search", "预算"], cwd=tmp_path, timeout=60)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"zwgk: database {db}: cannot be created"), r.stderr[-2000:]


def test_a_fresh_and_a_current_store_still_open(tmp_path):
    from crawler.store import SCHEMA_VERSION, Store

    db = tmp_path / "new" / "zwgk.db"
    with Store(db) as s:
        assert s.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    with Store(db):
        pass
    empty = tmp_path / "empty.db"
    empty.touch()
    with Store(empty):
        pass
