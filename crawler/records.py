"""A crawled or imported document as the ``documents`` table stores it, and the hash that tells a change."""
from __future__ import annotations

import hashlib
import json


def content_hash(doc: dict) -> str:
    """Hash of what a reader sees: a change here makes a new version."""
    parts = [doc.get("title") or "", doc.get("published") or "", doc.get("body") or "",
             doc.get("attachment_text") or "",
             json.dumps(sorted(a.get("url", "") for a in _as_list(doc.get("attachments"))))]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def document_record(doc: dict) -> dict:
    """The documents row of a crawled or imported document (before its dates and ids), with its hash."""
    record = {k: doc.get(k) for k in (
        "url", "site", "column_id", "column_name", "title", "published", "publisher", "source",
        "index_no", "doc_no", "category", "body", "attachment_text", "etag", "last_modified")}
    attachments = _as_list(doc.get("attachments"))
    record["attachments"] = json.dumps(attachments, ensure_ascii=False)
    if not record.get("attachment_text"):
        record["attachment_text"] = "\n".join(a.get("text") or "" for a in attachments).strip() or None
    record["content_hash"] = content_hash(record)
    return record


def _as_list(value) -> list:
    if not value:
        return []
    if isinstance(value, str):
        return json.loads(value)
    return list(value)
