"""What a check concludes, and the helpers every rule kind shares to conclude it: statuses by due
date and publication date, evidence, document labels, attachments that cannot be opened.

rules/engine.py and every kind in rules/kinds/ import this module; it imports neither.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Iterable

# worst first: what a requirement shows when its checks disagree
SEVERITY = ("gap", "late", "at_risk", "unverifiable", "pending", "manual", "met")


def worst(statuses: Iterable[str]) -> str:
    statuses = list(statuses)
    for s in SEVERITY:
        if s in statuses:
            return s
    return "met"


def due_status(as_of: dt.date, due: dt.date | None, horizon: int) -> str:
    """Status of something not (yet) published, due on *due*."""
    if due is None or as_of >= due:
        return "gap"
    if (due - as_of).days <= horizon:
        return "at_risk"
    return "pending"


def published_status(published: str, due: dt.date | None) -> str:
    if due is None or dt.date.fromisoformat(published[:10]) <= due:
        return "met"
    return "late"


def follow_up_status(matches: list[tuple[dict, list]], due: dt.date, as_of: dt.date, horizon: int,
                     evidence: list, dues: list) -> tuple[str, dict | None]:
    """Status of a document that must follow another by *due* (a 解读, a 采纳情况): the first match is
    the follow-up and joins the evidence; without one, *due* joins the open due dates."""
    if matches:
        doc, terms = matches[0]
        evidence.append(evidence_of(doc, terms))
        return published_status(doc["published"], due), doc
    dues.append(due)
    return due_status(as_of, due, horizon), None


@dataclass
class Finding:
    requirement: str
    check: str
    units: list[str]
    status: str
    due: str | None = None
    evidence: list[dict] = field(default_factory=list)
    message: str = ""
    unassigned: bool = False
    #: what the check measured, as data beside its sentence: {"quarters": {"2020Q3": {"count": 0, "target": 1}}},
    #: {"stale_columns": [...]}, {"window_days": 15} … Reports read these, never the message.
    facts: dict = field(default_factory=dict)
    candidates: list[dict] = field(default_factory=list)   # manual/gap: documents that may prove it (rules/candidates.py)

    def to_dict(self) -> dict:
        return {"requirement": self.requirement, "check": self.check, "units": list(self.units),
                "status": self.status, "due": self.due, "evidence": self.evidence,
                "message": self.message, "unassigned": self.unassigned, "facts": self.facts,
                "candidates": self.candidates}

    def to_json(self) -> dict:
        return {"requirement": self.requirement, "check": self.check, "units": list(self.units),
                "status": self.status, "due": self.due,
                "evidence": [{"url": e.get("url"), "title": e.get("title"), "published": e.get("published"),
                              "terms": e.get("terms", [])} for e in self.evidence],
                "message": self.message, "unassigned": self.unassigned, "facts": self.facts,
                "candidates": [{"url": c.get("url"), "title": c.get("title"), "published": c.get("published"),
                                "score": c.get("score")} for c in self.candidates]}


def evidence_of(doc: dict, terms: list[str] | None = None) -> dict:
    return {"url": doc.get("url"), "title": doc.get("title"), "published": (doc.get("published") or "")[:10] or None,
            "terms": list(terms or [])}


def combine(statuses: Iterable[str]) -> str:
    """One status for several parts: the worst of those already due; ``pending`` only if all are."""
    statuses = list(statuses)
    due = [s for s in statuses if s != "pending"]
    return worst(due) if due else "pending"


def attachment_broken(att: dict) -> bool:
    """An attachment that did not download (spider: status ``failed``; manifest: ``missing``)."""
    status = att.get("status")
    if att.get("missing") is True:
        return True
    http = att.get("http_status")
    if isinstance(http, int) and http >= 400:
        return True
    if isinstance(status, int) or (isinstance(status, str) and status.isdigit()):
        return int(status) >= 400
    return status in ("failed", "missing", "error", "broken")


def attachments_of(doc: dict) -> list[dict]:
    raw = doc.get("attachments")
    if not raw:
        return []
    try:
        items = json.loads(raw) if isinstance(raw, str) else list(raw)
    except ValueError:
        return []
    return [a for a in items if isinstance(a, dict)]


def unusable(doc: dict) -> bool:
    """A document whose every attachment fails to open (its content cannot be read)."""
    atts = attachments_of(doc)
    return bool(atts) and all(attachment_broken(a) for a in atts)


def label(doc: dict) -> str:
    return f"《{doc.get('title')}》（{(doc.get('published') or '')[:10]}）"


def mark_unverifiable(found: list, statuses: Iterable[str], cause: str, when_read: str, problem: str) -> int:
    """A missing item proves nothing when its source could not be read: each finding in *statuses* becomes
    ``unverifiable``, its message saying why (*cause*: *problem*) and what it would have been (*when_read*).
    Returns how many were changed."""
    statuses, n = tuple(statuses), 0
    for f in found:
        if f.status not in statuses:
            continue
        was = {"gap": "缺失", "at_risk": "临近期限", "met": "已满足"}[f.status]
        f.status = "unverifiable"
        f.message = f"{cause}，本次无法核实：{problem}。（{when_read}时本项结论为“{was}”：{f.message}）"
        n += 1
    return n
