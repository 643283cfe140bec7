"""The full-text index: one FTS5 row per document, its rowid the document's ``doc_id``.

Text is segmented by jieba (crawler/textseg.py) and stored space-separated. A changed document's row is
replaced by rowid, a lookup; unchanged documents are never segmented again (Store.upsert_document).
"""
from __future__ import annotations

from . import textseg


def m5_search_by_document(db) -> None:
    """Search rows keyed by the document, so replacing one is a lookup: m1's index found a document's row
    by an UNINDEXED url, a scan of the whole index per stored document (O(n²) over a crawl).

    ``documents.doc_id`` is a stable integer id (the implicit rowid of a table keyed by url may change
    on VACUUM) and the FTS5 row's rowid; new documents get max + 1 (a trigger covers rows inserted by
    other code). Also the indexes the rules' reads use (state, published)."""
    db.execute("ALTER TABLE documents ADD COLUMN doc_id INTEGER")
    db.execute("UPDATE documents SET doc_id = rowid")
    db.execute("CREATE UNIQUE INDEX idx_documents_doc_id ON documents (doc_id)")
    db.execute("CREATE TRIGGER documents_doc_id AFTER INSERT ON documents WHEN new.doc_id IS NULL BEGIN "
               "UPDATE documents SET doc_id = (SELECT coalesce(max(doc_id), 0) + 1 FROM documents) "
               "WHERE rowid = new.rowid; END")
    db.execute("CREATE INDEX idx_documents_state_published ON documents (state, published)")
    db.execute(
        "CREATE VIRTUAL TABLE documents_fts_m4 USING fts5("
        "url UNINDEXED, title, body, attachments, tokenize='unicode61 remove_diacritics 2')")
    # the old index's newest row per url (a scan, once)
    db.execute(
        "INSERT INTO documents_fts_m4 (rowid, url, title, body, attachments) "
        "SELECT d.doc_id, f.url, f.title, f.body, f.attachments FROM documents_fts f "
        "JOIN documents d ON d.url = f.url "
        "WHERE f.rowid IN (SELECT max(rowid) FROM documents_fts GROUP BY url)")
    db.execute("DROP TABLE documents_fts")
    db.execute("ALTER TABLE documents_fts_m4 RENAME TO documents_fts")


def segments(title: str | None, body: str | None, attachment_text: str | None) -> tuple[str, str, str]:
    """The search row's segmented fields (pure: the crawl computes them in a worker, crawler/cpupool.py)."""
    return textseg.segment(title), textseg.segment(body), textseg.segment(attachment_text)


def indexed_texts(record: dict) -> tuple:
    """What a document's search row is made of, in the order of ``segments``."""
    return record.get("title"), record.get("body"), record.get("attachment_text")


def replace_search_row(db, record: dict, segmented: tuple[str, str, str] | None = None) -> None:
    """The document's one search row, replaced by rowid (= documents.doc_id): a lookup, not a scan.
    *segmented*: ``segments(*indexed_texts(record))`` computed beforehand, else computed here."""
    if segmented is None:
        segmented = segments(*indexed_texts(record))
    db.execute("DELETE FROM documents_fts WHERE rowid = ?", [record["doc_id"]])
    db.execute(
        "INSERT INTO documents_fts (rowid, url, title, body, attachments) VALUES (?, ?, ?, ?, ?)",
        [record["doc_id"], record["url"], *segmented])


def _watch_parent(parent: int) -> None:
    import os
    import time

    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)   # the import was killed: nothing left to work for


def _warm_worker(parent: int) -> None:
    import threading

    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    textseg.segment("预热")   # jieba's dictionary, once per worker


class Presegmenter:
    """Search rows of many documents segmented in worker processes, for ``db import`` (one core segments ~300
    documents a second; the writes stay in the importing process, in its batches). Only documents whose
    text differs from the stored one are segmented; small batches and one-core machines segment in-process
    (``None``: the store segments it)."""

    MIN_BATCH = 64

    def __init__(self, workers: int | None = None):
        import os

        self.workers = workers if workers is not None else min(os.cpu_count() or 1, 4)
        self.executor = None

    def segmented(self, store, docs: list[dict]) -> list[tuple | None]:
        from .records import document_record

        out: list[tuple | None] = [None] * len(docs)
        if self.workers < 2 or len(docs) < self.MIN_BATCH:
            return out
        records = [document_record(d) for d in docs]
        todo = [i for i, r in enumerate(records) if store.stored_hash(r["url"]) != r["content_hash"]]
        if len(todo) < self.MIN_BATCH:
            return out
        if self.executor is None:
            import multiprocessing
            import os
            from concurrent.futures import ProcessPoolExecutor

            self.executor = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                                initializer=_warm_worker, initargs=(os.getpid(),))
        texts = list(zip(*(indexed_texts(records[i]) for i in todo)))
        for i, fields in zip(todo, self.executor.map(segments, *texts, chunksize=16)):
            out[i] = fields
        return out

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True)
            self.executor = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
