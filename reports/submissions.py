"""Submissions to the upper-level columns per quarter against the target, from the submissions findings."""
from __future__ import annotations

import datetime as dt
import re

from crawler.dates import quarter_of, to_date

_TARGET = re.compile(r"(?:目标|要求|应报送|不少于|至少)\D{0,6}(\d+)")
_OF = re.compile(r"(\d+)\s*/\s*(\d+)")
SUBMISSION_SITES = ("province", "city", "district")
SUBMISSION_SITE_NAMES = {"province": "政务公开看山东", "city": "政务公开经验做法", "district": "政务公开看兖州"}


def is_submissions(f) -> bool:
    return "submission" in f.kind.lower() or "报送" in f.check


_RULE_COUNTS = re.compile(r"(Q[1-4]\s*\d+\s*/\s*\d+(?:\s*[，,、]\s*Q[1-4]\s*\d+\s*/\s*\d+)*)")
_RULE_ONE = re.compile(r"Q([1-4])\s*(\d+)\s*/\s*(\d+)")


def _rule_counts(message: str, year: int | None) -> tuple[dict, dict]:
    """What the submissions rule wrote in its message — ``政务公开看山东 Q1 1/1，Q2 0/1 …`` per site — as
    ({site: {quarter: count}}, {site: {quarter: target}}). Empty when the message has another shape."""
    counts: dict[str, dict[str, int]] = {}
    targets: dict[str, dict[str, int]] = {}
    if not year:
        return counts, targets
    for site, label in SUBMISSION_SITE_NAMES.items():
        for m in re.finditer(re.escape(label) + r"\s*" + _RULE_COUNTS.pattern, message):
            for q, n, t in _RULE_ONE.findall(m.group(1)):
                counts.setdefault(site, {})[f"{year}Q{q}"] = int(n)
                targets.setdefault(site, {})[f"{year}Q{q}"] = int(t)
    return counts, targets


def submission_table(store, findings: list, as_of: dt.date | None, year: int | None) -> dict:
    """The bureau's items in the upper columns per quarter against the target.

    Counts and targets come from the submissions rule's own message (``政务公开看山东 Q1 1/1 …``) when it
    has that shape; otherwise each evidence URL of the submissions findings is looked up in the store for
    its site and date, and the target is read from the message (``目标3条``).

    Returns {"quarters": [...], "sites": [...], "counts": {site: {quarter: n}}, "target": n | None,
    "targets": {site: {quarter: n}}, "site_names": {...}} or {}.
    """
    subs = [f for f in findings if is_submissions(f)]
    if not subs:
        return {}
    year = int(year) if year else (as_of.year if as_of else None)
    counts: dict[str, dict[str, int]] = {s: {} for s in SUBMISSION_SITES}
    seen: set[str] = set()
    quarters: set[str] = set()
    if year:
        for q in range(1, 5):
            if as_of is None or dt.date(year, 3 * q - 2, 1) <= as_of:
                quarters.add(f"{year}Q{q}")
    target = None
    rule_counts: dict[str, dict[str, int]] = {}
    targets: dict[str, dict[str, int]] = {}
    for f in subs:
        rc, rt = _rule_counts(f.message, year)
        for site, qs in rc.items():
            rule_counts.setdefault(site, {}).update(qs)
        for site, qs in rt.items():
            targets.setdefault(site, {}).update(qs)
        if not rt:
            m = _TARGET.search(f.message) or _OF.search(f.message)
            if m:
                target = max(target or 0, int(m.group(m.re.groups)))
        for e in f.evidence:
            if not e.url or e.url in seen:
                continue
            seen.add(e.url)
            try:
                doc = store.get_document(e.url) or {}
            except Exception:
                doc = {}
            site = doc.get("site")
            day = e.published or to_date(doc.get("published"))
            if site not in counts or day is None or (year and day.year != year):
                continue
            q = quarter_of(day)
            quarters.add(q)
            counts[site][q] = counts[site].get(q, 0) + 1
    for site, qs in rule_counts.items():  # the rule's numbers are the ones its status rests on
        counts[site] = dict(qs)
        quarters.update(qs)
    if targets:
        values = {t for qs in targets.values() for t in qs.values()}
        target = values.pop() if len(values) == 1 else None
    elif target is not None:
        targets = {s: {q: target for q in quarters} for s in SUBMISSION_SITES}
    if not quarters:
        return {}
    cells: dict[str, dict[str, dict]] = {}
    for site in SUBMISSION_SITES:
        for q in sorted(quarters):
            n = counts[site].get(q, 0)
            t = (targets.get(site) or {}).get(q, target)
            end = _quarter_end(q)
            if t is None:
                status = None
            elif n >= t:
                status = "met"
            elif end is not None and as_of is not None and end <= as_of:
                status = "gap"
            else:
                status = "pending"
            cells.setdefault(site, {})[q] = {"count": n, "target": t, "status": status}
    return {"quarters": sorted(quarters), "sites": list(SUBMISSION_SITES), "counts": counts, "target": target,
            "targets": targets, "cells": cells, "site_names": SUBMISSION_SITE_NAMES}


def _quarter_end(q: str) -> dt.date | None:
    m = re.fullmatch(r"(\d{4})Q([1-4])", q)
    if not m:
        return None
    year, n = int(m[1]), int(m[2])
    return dt.date(year, 12, 31) if n == 4 else dt.date(year, 3 * n + 1, 1) - dt.timedelta(days=1)


