"""`zwgk db import FILE.jsonl`: documents from outside the crawl (staff evidence, archives of old sites).

One JSON object per line: ``url``, ``title``, ``published`` (a date), ``site`` (bureau/province/city/
district), optional ``column`` (id or name), ``column_name``, ``publisher``, ``source``, ``body``,
``attachments`` (list of {url, name, type, text, status} or of URLs), ``attachment_text``, ``index_no``,
``doc_no``. Bad lines are reported by number; good ones are kept.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from crawler.dates import parse_date
from crawler.searchindex import Presegmenter

from .params import SITES

KNOWN = ("url", "title", "published", "site", "column", "column_id", "column_name", "publisher", "source", "body",
         "attachments", "attachment_text", "index_no", "doc_no", "category")


@dataclass
class ImportResult:
    counts: dict[str, int] = field(default_factory=lambda: {"new": 0, "changed": 0, "unchanged": 0})
    bad: list[tuple[int, str]] = field(default_factory=list)


def document_from(obj) -> dict:
    """A store document from one JSON object; raises ValueError with the problem in words."""
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    unknown = [k for k in obj if k not in KNOWN]
    if unknown:
        raise ValueError(f"unknown field {unknown[0]!r} (known: {', '.join(KNOWN)})")
    for key in ("url", "title", "published", "site"):
        if not isinstance(obj.get(key), str) or not obj[key].strip():
            raise ValueError(f"{key}: is required (text)")
    url = obj["url"].strip()
    if not re.match(r"^https?://\S+$", url):
        raise ValueError(f"url: {url!r} is not an http(s) URL")
    published = parse_date(obj["published"], strict=True)
    if not published:
        raise ValueError(f"published: {obj['published']!r} is not a date like 2020-06-01")
    site = obj["site"].strip()
    if site not in SITES:
        raise ValueError(f"site: {site!r} is not one of {', '.join(SITES)}")
    for key in ("column", "column_id", "column_name", "publisher", "source", "body", "attachment_text",
                "index_no", "doc_no", "category"):
        if obj.get(key) is not None and not isinstance(obj[key], (str, int)):
            raise ValueError(f"{key}: must be text")
    atts = obj.get("attachments") or []
    if not isinstance(atts, list):
        raise ValueError("attachments: must be a list")
    attachments = []
    for i, a in enumerate(atts):
        if isinstance(a, str):
            a = {"url": a}
        if not isinstance(a, dict) or not isinstance(a.get("url"), str):
            raise ValueError(f"attachments[{i}]: must be a URL or an object with a url")
        attachments.append({k: a.get(k) for k in ("url", "name", "type", "size", "text", "status")})
    column = obj.get("column_id", obj.get("column"))
    column = str(column).strip() if column is not None else None
    column_name = obj.get("column_name")
    if column_name is None and column and not column.isdigit():
        column_name = column
    return {"url": url, "title": obj["title"].strip(), "published": published, "site": site,
            "column_id": column, "column_name": column_name, "publisher": obj.get("publisher"),
            "source": obj.get("source"), "body": obj.get("body"), "attachments": attachments,
            "attachment_text": obj.get("attachment_text"), "index_no": obj.get("index_no"),
            "doc_no": obj.get("doc_no"), "category": obj.get("category")}


BATCH_LINES = 500   # lines per transaction: all of a batch or none of it


def import_jsonl(store, lines, *, column_names: dict | None = None, workers: int | None = None) -> ImportResult:
    """*workers*: processes that segment the documents' search rows (default: the cores, up to 4)."""
    result = ImportResult()
    names = column_names if column_names is not None else {
        (c["site"], str(c["column_id"])): c.get("name") for c in store.columns()}
    batch: list[tuple[int, str]] = []
    with Presegmenter(workers) as pre:
        for n, line in enumerate(lines, 1):
            batch.append((n, line))
            if len(batch) >= BATCH_LINES:
                _import_batch(store, batch, names, result, pre)
                batch = []
        _import_batch(store, batch, names, result, pre)
    return result


def _import_batch(store, lines, names: dict, result: ImportResult, pre: Presegmenter) -> None:
    docs = [(n, doc) for n, doc in ((n, _document(n, line, names, result)) for n, line in lines) if doc]
    if not docs:
        return
    segmented = pre.segmented(store, [doc for _, doc in docs])
    with store.batch():
        for (n, doc), fields in zip(docs, segmented):
            result.counts[store.upsert_document(doc, segmented=fields)] += 1


def _document(n: int, line: str, names: dict, result: ImportResult) -> dict | None:
    """The document of line *n*, or None (a blank line; a bad one is added to the result)."""
    if not line.strip():
        return None
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        result.bad.append((n, f"not valid JSON ({e.msg} at column {e.colno})"))
        return None
    try:
        doc = document_from(obj)
    except ValueError as e:
        result.bad.append((n, str(e)))
        return None
    if not doc["column_name"] and doc["column_id"]:
        doc["column_name"] = names.get((doc["site"], doc["column_id"]))
    return doc
