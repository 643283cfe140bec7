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
