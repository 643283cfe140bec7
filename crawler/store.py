"""The store: one SQLite file (WAL mode) written through sqlite-utils.

Schema changes are migrations, applied in order and recorded in ``PRAGMA user_version``; never edit a
migration that has shipped, add a new one. Table shapes are documented in docs/contracts.md §2.
"""
from __future__ import annotations

import datetime as dt
import difflib
import itertools
import json
import os
from pathlib import Path
from typing import Any, Callable, Iterable

import sqlite_utils

from . import textseg
from .batches import BatchWrites
from .configcopy import m6_config_copy
from .records import _as_list, content_hash, document_record  # noqa: F401 — part of this module's API
from .searchindex import m5_search_by_document, replace_search_row
from .storefile import StoreError, check_store_file  # noqa: F401 — StoreError is part of this module's API

DEFAULT_DB = Path("var") / "zwgk.db"
PENDING = "pending"   # links.error of a link found whose target is checked later (crawler/pipelines.py)


def default_db_path() -> Path:
    return Path(os.environ.get("ZWGK_DB") or DEFAULT_DB)


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0, tzinfo=None).isoformat()


# --- migrations -----------------------------------------------------------------------------

def _m1_initial(db: sqlite_utils.Database) -> None:
    db["documents"].create({
        "url": str, "site": str, "column_id": str, "column_name": str, "title": str,
        "published": str, "publisher": str, "source": str, "index_no": str, "doc_no": str,
        "category": str, "body": str, "attachments": str, "attachment_text": str,
        "content_hash": str, "first_seen": str, "last_seen": str, "state": str,
        "withdrawn_on": str, "etag": str, "last_modified": str, "version": int,
    }, pk="url", defaults={"state": "live", "version": 1})
    db["documents"].create_index(["site", "column_id"])
    db["documents"].create_index(["published"])
    db["versions"].create({
        "url": str, "version": int, "seen": str, "title": str, "published": str, "body": str,
        "content_hash": str, "diff": str,
    }, pk=("url", "version"))
    db["columns"].create({
        "site": str, "column_id": str, "name": str, "url": str, "platform": str, "class": str,
        "item_count": int, "last_item_date": str, "state": str, "reason": str, "checked_at": str,
    }, pk=("site", "column_id"))
    db["links"].create({
        "from_url": str, "to_url": str, "status": int, "error": str, "checked_at": str,
    }, pk=("from_url", "to_url"))
    db["runs"].create({
        "id": int, "kind": str, "started": str, "finished": str, "status": str, "as_of": str,
        "stats": str,
    }, pk="id")
    db["findings"].create({
        "id": int, "run_id": int, "requirement": str, "check_name": str, "units": str,
        "status": str, "due": str, "evidence": str, "message": str, "unassigned": int,
    }, pk="id", foreign_keys=[("run_id", "runs", "id")])
    db["findings"].create_index(["run_id"])
    db["deliveries"].create({
        "id": int, "run_id": int, "unit": str, "recipients": str, "subject": str,
        "eml_path": str, "status": str, "error": str, "attempts": int, "updated": str,
    }, pk="id")
    db["attestations"].create({
        "id": int, "requirement": str, "unit": str, "evidence": str, "note": str,
        "attested_at": str, "plan_year": int,
    }, pk="id")
    db.execute(
        "CREATE VIRTUAL TABLE documents_fts USING fts5("
        "url UNINDEXED, title, body, attachments, tokenize='unicode61 remove_diacritics 2')"
    )


def _m2_health(db: sqlite_utils.Database) -> None:
    """Crawl health (spiders/health.py): one row per monitored figure per crawl, and the alarms raised."""
    db["health_metrics"].create({
        "id": int, "crawl_run_id": int, "site": str, "column_id": str, "metric": str, "value": float,
        "flagged": int, "recorded": str,
    }, pk="id", defaults={"column_id": "", "flagged": 0})
    db["health_metrics"].create_index(["site", "column_id", "metric", "crawl_run_id"])
    db["health_metrics"].create_index(["crawl_run_id"])
    db["alarms"].create({
        "id": int, "key": str, "site": str, "column_id": str, "column_name": str, "monitor": str,
        "severity": str, "state": str, "message": str, "evidence": str, "first_run": int, "last_run": int,
        "nights": int, "opened": str, "updated": str, "resolved": str, "resolved_run": int,
        "resolution": str, "notified_run": int, "recovery_notified_run": int,
    }, pk="id", defaults={"column_id": "", "state": "active", "nights": 1})
    db["alarms"].create_index(["state"])
    db["alarms"].create_index(["key"])


def _m3_crawl_sync(db: sqlite_utils.Database) -> None:
    """Incremental crawling (spiders/column.py): when each column was last completely synced, how
    tonight's list walk went; the kind of each checked link."""
    db["columns"].add_column("full_walk_at", str)   # last full walk whose every listed article was stored
    db["columns"].add_column("walk", str)           # full | incremental | failed
    db["columns"].add_column("pages", int)          # list responses read by that walk
    db["links"].add_column("kind", str)             # internal | attachment | external


def _m4_finding_facts(db: sqlite_utils.Database) -> None:
    """Findings carry what they measured as data beside their sentence (rules/findings.py ``facts``)."""
    db["findings"].add_column("facts", str)         # JSON object: {"quarters": {...}}, {"stale_columns": [...]} …


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_m1_initial, _m2_health, _m3_crawl_sync,
                                                             _m4_finding_facts, m5_search_by_document, m6_config_copy]
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(db: sqlite_utils.Database) -> int:
    """Bring *db* to the newest schema; returns the number of migrations applied."""
    current = db.execute("PRAGMA user_version").fetchone()[0]
    if current > SCHEMA_VERSION:
        raise RuntimeError(
            f"database schema version {current} is newer than this zwgk ({SCHEMA_VERSION}); upgrade zwgk")
    applied = 0
    for number, step in enumerate(MIGRATIONS[current:], start=current + 1):
        with db.conn:
            step(db)
            db.execute(f"PRAGMA user_version = {number}")
        applied += 1
    return applied


# --- the store --------------------------------------------------------------------------------

class Store(BatchWrites):
    """All reads and writes of crawled data, findings and deliveries go through here."""

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path) if path else default_db_path()
        check_store_file(self.path, SCHEMA_VERSION)   # read-only: nothing changes before the version is known
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreError(self.path, f"cannot be created: {e.strerror or e}") from None
        self.db = sqlite_utils.Database(self.path)
        self.db.execute("PRAGMA busy_timeout = 30000")
        self.db.enable_wal()
        self.db.execute("PRAGMA synchronous = NORMAL")   # WAL: durable at checkpoints, never corrupt
        self._batch = False
        self._table_columns: dict[str, set[str]] = {}
        migrate(self.db)

    def close(self) -> None:
        self.db.close()

    # documents -----------------------------------------------------------------------------
    def get_document(self, url: str) -> dict | None:
        rows = list(self.db.query("select * from documents where url = ?", [url]))
        return rows[0] if rows else None

    def known_urls(self, site: str | None = None) -> set[str]:
        sql, args = "select url from documents", []
        if site:
            sql, args = sql + " where site = ?", [site]
        return {r["url"] for r in self.db.query(sql, args)}

    def known_documents(self, site: str | None = None) -> dict[str, dict]:
        """url -> {column_id, state, title, published, etag, last_modified, last_seen} (no bodies):
        what the crawler needs to decide what to refetch and what was withdrawn."""
        sql = ("select url, column_id, state, title, published, etag, last_modified, last_seen "
               "from documents")
        args: list[Any] = []
        if site:
            sql, args = sql + " where site = ?", [site]
        return {r["url"]: r for r in self.db.query(sql, args)}

    def stored_hash(self, url: str) -> str | None:
        return next((r[0] for r in self.db.execute("select content_hash from documents where url = ?", [url])), None)

    def upsert_document(self, doc: dict, *, seen: str | None = None, segmented: tuple | None = None,
                        record: dict | None = None) -> str:
        """Store one crawled (or imported) document. Returns ``new``, ``changed`` or ``unchanged``.

        A change keeps the old text in ``versions`` with a unified diff; first_seen never moves.
        *segmented*: ``searchindex.segments`` of its text if computed beforehand (the crawl does it off the
        reactor); else the text is segmented here, and only if it changed. *record*: ``document_record(doc)``
        if the caller computed it already.
        """
        seen = seen or now_iso()
        record = dict(record) if record is not None else document_record(doc)
        old = self.get_document(record["url"])
        with self._atomic():
            if old is not None and old["content_hash"] == record["content_hash"]:
                updates = {"last_seen": seen, "state": "live", "withdrawn_on": None}
                for k in ("etag", "last_modified"):
                    if record.get(k):
                        updates[k] = record[k]
                self._update_document(record["url"], updates)
                return "unchanged"    # same text: the search row stands, nothing to segment
            if old is None:
                record.update(first_seen=seen, last_seen=seen, state="live", withdrawn_on=None, version=1,
                              doc_id=self._next_doc_id())
                keys = list(record)
                self.db.execute(f"INSERT INTO documents ({', '.join(keys)}) VALUES ({', '.join('?' for _ in keys)})",
                                [record[k] for k in keys])
                self._version(record, 1, seen, diff=None)
                outcome = "new"
            else:
                version = (old["version"] or 1) + 1
                record.update(first_seen=old["first_seen"], last_seen=seen, state="live",
                              withdrawn_on=None, version=version, doc_id=old.get("doc_id") or self._next_doc_id())
                self._update_document(record["url"], {k: v for k, v in record.items() if k != "url"})
                diff = "\n".join(difflib.unified_diff(
                    (old["body"] or "").splitlines(), (record["body"] or "").splitlines(),
                    "v%d" % (version - 1), "v%d" % version, lineterm=""))
                self._version(record, version, seen, diff=diff)
                outcome = "changed"
            replace_search_row(self.db, record, segmented)
        return outcome

    def _next_doc_id(self) -> int:
        return self.db.execute("SELECT coalesce(max(doc_id), 0) + 1 FROM documents").fetchone()[0]

    def _update_document(self, url: str, updates: dict) -> None:
        keys = list(updates)
        self.db.execute(f"UPDATE documents SET {', '.join(f'{k} = ?' for k in keys)} WHERE url = ?",
                        [updates[k] for k in keys] + [url])

    def _version(self, record: dict, version: int, seen: str, diff: str | None) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO versions (url, version, seen, title, published, body, content_hash, diff) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [record["url"], version, seen, record.get("title"), record.get("published"), record.get("body"),
             record["content_hash"], diff])

    def touch_document(self, url: str, seen: str | None = None) -> None:
        """Seen again without refetching (listed, or answered 304)."""
        with self._atomic():
            self.db.execute("update documents set last_seen = ?, state = 'live', withdrawn_on = null "
                            "where url = ?", [seen or now_iso(), url])

    def mark_withdrawn(self, url: str, date: str) -> bool:
        """Mark a document withdrawn on *date* (first night it was missed). True if it changed state."""
        with self._atomic():
            cur = self.db.execute("update documents set state = 'withdrawn', withdrawn_on = ? "
                                  "where url = ? and state != 'withdrawn'", [date, url])
        return cur.rowcount > 0

    def documents(self, where: str | None = None, args: Iterable[Any] = (), *,
                  order_by: str = "published desc") -> list[dict]:
        sql = "select * from documents"
        if where:
            sql += " where " + where
        sql += " order by " + order_by
        return list(self.db.query(sql, list(args)))

    def count_documents(self, site: str | None = None, state: str | None = "live") -> int:
        clauses, args = [], []
        if site:
            clauses.append("site = ?"); args.append(site)
        if state:
            clauses.append("state = ?"); args.append(state)
        sql = "select count(*) from documents" + (" where " + " and ".join(clauses) if clauses else "")
        return self.db.execute(sql, args).fetchone()[0]

    def search(self, query: str, limit: int = 20, *, site: str | None = None) -> list[dict]:
        """Ranked (bm25) documents matching every word of *query*, segmented like the index."""
        match = textseg.fts_query(query)
        sql = ("select d.url, d.site, d.column_name, d.title, d.published, d.publisher, "
               "bm25(documents_fts, 0, 10.0, 1.0, 1.0) as rank "
               "from documents_fts join documents d on d.doc_id = documents_fts.rowid "
               "where documents_fts match ? and d.state = 'live'")
        args: list[Any] = [match]
        if site:
            sql += " and d.site = ?"; args.append(site)
        sql += " order by rank, d.published desc limit ?"
        args.append(limit)
        return list(self.db.query(sql, args))

    # columns and links ------------------------------------------------------------------------
    def upsert_column(self, column: dict) -> None:
        column = dict(column)
        column.setdefault("checked_at", now_iso())
        with self._atomic():
            self._upsert_row("columns", column, ("site", "column_id"))

    def columns(self, site: str | None = None) -> list[dict]:
        if site:
            return list(self.db.query("select * from columns where site = ? order by column_id", [site]))
        return list(self.db.query("select * from columns order by site, column_id"))

    def record_link(self, from_url: str, to_url: str, status: int | None, error: str | None = None,
                    checked_at: str | None = None, kind: str | None = None, text: str | None = None) -> None:
        row = {"from_url": from_url, "to_url": to_url, "status": status, "error": error,
               "checked_at": checked_at or now_iso()}
        row.update({k: v for k, v in (("kind", kind), ("text", text)) if v is not None})
        with self._atomic():
            self._upsert_row("links", row, ("from_url", "to_url"))

    def record_links(self, rows: list[dict], *, results_since: str | None = None) -> None:
        """Many link checks at once ({from_url, to_url, status, error, kind, text?, checked_at?, drop?, tentative?}),
        one transaction, in order: a later row for the same pair replaces an earlier one; ``drop`` deletes it.
        A ``tentative`` row (a link found, its check still to come) never replaces a row checked at or after
        *results_since*: whatever order tonight's items arrive in, tonight's result wins."""
        if not rows:
            return
        stamp = now_iso()
        upsert = ("insert into links (from_url, to_url, status, error, checked_at, kind, text) values (?, ?, ?, ?, ?, ?, ?) "
                  "on conflict (from_url, to_url) do update set status = excluded.status, error = excluded.error, "
                  "checked_at = excluded.checked_at, kind = excluded.kind, text = coalesce(excluded.text, links.text)")
        writes = []   # (statement, arguments) in order; a run of one statement goes in one executemany
        for r in rows:
            if r.get("drop"):
                writes.append(("delete from links where from_url = ? and to_url = ?", (r["from_url"], r["to_url"])))
                continue
            args = (r["from_url"], r["to_url"], r.get("status"), r.get("error"), r.get("checked_at") or stamp,
                    r.get("kind"), r.get("text") or None)
            if r.get("tentative") and results_since:
                writes.append((upsert + " where links.checked_at < ?", (*args, results_since)))
            else:
                writes.append((upsert, args))
        with self._atomic():
            for sql, run in itertools.groupby(writes, key=lambda w: w[0]):
                self.db.conn.executemany(sql, [args for _, args in run])

    def mark_column_synced(self, site: str, column_id: str, when: str | None = None) -> None:
        """A full walk of the column stored every listed article (the incremental crawl's resume marker)."""
        with self._atomic():
            self.db.execute("update columns set full_walk_at = ? where site = ? and column_id = ?",
                            [when or now_iso(), site, str(column_id)])

    def broken_links(self) -> list[dict]:
        return list(self.db.query(
            "select * from links where status is null or status >= 400 order by to_url, from_url"))

    # runs and findings --------------------------------------------------------------------------
    def start_run(self, kind: str, *, as_of: str | None = None, stats: dict | None = None) -> int:
        return self.db["runs"].insert({
            "kind": kind, "started": now_iso(), "finished": None, "status": "running",
            "as_of": as_of, "stats": json.dumps(stats or {}, ensure_ascii=False)}).last_pk

    def finish_run(self, run_id: int, status: str = "ok", stats: dict | None = None) -> None:
        updates = {"finished": now_iso(), "status": status}
        if stats is not None:
            updates["stats"] = json.dumps(stats, ensure_ascii=False)
        self.db["runs"].update(run_id, updates)

    def run(self, run_id: int) -> dict | None:
        rows = list(self.db.query("select * from runs where id = ?", [run_id]))
        return _decode_run(rows[0]) if rows else None

    def latest_run(self, kind: str, *, status: str | None = "ok", before: int | None = None) -> dict | None:
        sql, args = "select * from runs where kind = ?", [kind]
        if status:
            sql += " and status = ?"; args.append(status)
        if before is not None:
            sql += " and id < ?"; args.append(before)
        rows = list(self.db.query(sql + " order by id desc limit 1", args))
        return _decode_run(rows[0]) if rows else None

    def runs(self, kind: str | None = None, limit: int = 20) -> list[dict]:
        sql, args = "select * from runs", []
        if kind:
            sql += " where kind = ?"; args.append(kind)
        return [_decode_run(r) for r in self.db.query(sql + " order by id desc limit ?", args + [limit])]

    def add_findings(self, run_id: int, findings: Iterable[dict]) -> int:
        rows = []
        for f in findings:
            rows.append({
                "run_id": run_id, "requirement": f["requirement"], "check_name": f.get("check") or f.get("check_name"),
                "units": list(f.get("units") or []), "status": f["status"],   # sqlite-utils writes lists/dicts as JSON
                "due": f.get("due"), "evidence": list(f.get("evidence") or []),
                "message": f.get("message"), "unassigned": int(bool(f.get("unassigned"))),
                "facts": dict(f.get("facts") or {})})
        if rows:
            self.db["findings"].insert_all(rows)
        return len(rows)

    def findings(self, run_id: int) -> list[dict]:
        out = []
        for r in self.db.query("select * from findings where run_id = ? order by id", [run_id]):
            r = dict(r)
            r["units"] = json.loads(r["units"] or "[]")
            r["evidence"] = json.loads(r["evidence"] or "[]")
            r["facts"] = json.loads(r.get("facts") or "{}")
            r["check"] = r.pop("check_name")
            out.append(r)
        return out

    # deliveries (reports/mail: one row per (run_id, unit)) ------------------------------------------
    def delivery(self, run_id: int, unit: str) -> dict | None:
        rows = list(self.db.query("select * from deliveries where run_id = ? and unit = ? order by id desc limit 1",
                                  [run_id, unit]))
        if not rows:
            return None
        row = dict(rows[0])
        row["recipients"] = json.loads(row["recipients"] or "[]")
        return row

    def deliveries(self, run_id: int | None = None) -> list[dict]:
        sql, args = "select * from deliveries", []
        if run_id is not None:
            sql, args = sql + " where run_id = ?", [run_id]
        out = []
        for r in self.db.query(sql + " order by id", args):
            r = dict(r)
            r["recipients"] = json.loads(r["recipients"] or "[]")
            out.append(r)
        return out

    def record_delivery(self, run_id: int, unit: str, *, status: str, recipients: list[str] | None = None,
                        subject: str | None = None, eml_path: str | None = None, error: str | None = None,
                        attempted: bool = True) -> dict:
        """Insert or update the delivery of (run_id, unit); ``attempted`` adds one to ``attempts``."""
        old = self.delivery(run_id, unit)
        record = {"run_id": run_id, "unit": unit, "recipients": json.dumps(recipients or [], ensure_ascii=False),
                  "subject": subject, "eml_path": eml_path, "status": status, "error": error,
                  "attempts": ((old or {}).get("attempts") or 0) + (1 if attempted else 0), "updated": now_iso()}
        with self.db.conn:
            if old is None:
                self.db["deliveries"].insert(record)
            else:
                self.db["deliveries"].update(old["id"], record)
        return self.delivery(run_id, unit)

    # crawl health: alarms (spiders/health.py writes them; rules and mail read them) ---------------
    def alarms(self, state: str | None = "active", *, site: str | None = None, limit: int | None = None) -> list[dict]:
        """Alarms, newest first; ``state`` active | resolved | accepted | None (all)."""
        sql, args = "select * from alarms", []
        clauses = []
        if state:
            clauses.append("state = ?"); args.append(state)
        if site:
            clauses.append("site = ?"); args.append(site)
        if clauses:
            sql += " where " + " and ".join(clauses)
        sql += " order by id desc"
        if limit:
            sql += " limit ?"; args.append(limit)
        return [_decode_alarm(r) for r in self.db.query(sql, args)]

    def active_alarms(self) -> list[dict]:
        return self.alarms("active")

    def alarm(self, alarm_id: int) -> dict | None:
        rows = list(self.db.query("select * from alarms where id = ?", [alarm_id]))
        return _decode_alarm(rows[0]) if rows else None

    def alarms_to_notify(self) -> tuple[list[dict], list[dict]]:
        """(new alarms not yet reported to the office, recoveries not yet reported)."""
        new = [_decode_alarm(r) for r in self.db.query(
            "select * from alarms where notified_run is null and state = 'active' order by site, column_id, id")]
        recovered = [_decode_alarm(r) for r in self.db.query(
            "select * from alarms where state in ('resolved', 'accepted') "
            "and recovery_notified_run is null order by site, column_id, id")]
        return new, recovered

    def mark_alarms_notified(self, new_ids: Iterable[int], recovered_ids: Iterable[int], run_id: int) -> None:
        with self.db.conn:
            for i in new_ids:
                self.db.execute("update alarms set notified_run = ? where id = ? and notified_run is null", [run_id, i])
            for i in recovered_ids:
                self.db.execute("update alarms set recovery_notified_run = ?, notified_run = coalesce(notified_run, ?) "
                                "where id = ? and recovery_notified_run is null", [run_id, run_id, i])


def _decode_alarm(row: dict) -> dict:
    row = dict(row)
    row["evidence"] = json.loads(row.get("evidence") or "{}")
    return row


def _decode_run(row: dict) -> dict:
    row = dict(row)
    row["stats"] = json.loads(row.get("stats") or "{}")
    return row
