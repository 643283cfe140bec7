"""Submissions to the upper-level columns per quarter against the target, from the submissions findings."""
from __future__ import annotations

import datetime as dt
import re


SUBMISSION_SITES = ("province", "city", "district")
SUBMISSION_SITE_NAMES = {"province": "政务公开看山东", "city": "政务公开经验做法", "district": "政务公开看兖州"}


def submission_facts(f) -> dict:
    """{site: {quarter: {"count": n, "target": t}}} as the submissions rule measured it (its ``facts``)."""
    sites = (f.facts or {}).get("sites")
    if not isinstance(sites, dict):
        return {}
    return {site: v["quarters"] for site, v in sites.items() if isinstance(v, dict) and isinstance(v.get("quarters"), dict)}


def is_submissions(f) -> bool:
    return bool(submission_facts(f))


def submission_table(store, findings: list, as_of: dt.date | None, year: int | None) -> dict:
    """The bureau's items in the upper columns per quarter against the target, as the submissions rule
    counted them (its findings' ``facts``).

    Returns {"quarters": [...], "sites": [...], "counts": {site: {quarter: n}}, "target": n | None,
    "targets": {site: {quarter: n}}, "cells": {site: {quarter: {count, target, status}}}, "site_names": {...}} or {}.
    """
    subs = [f for f in findings if is_submissions(f)]
    if not subs:
        return {}
    counts: dict[str, dict[str, int]] = {s: {} for s in SUBMISSION_SITES}
    targets: dict[str, dict[str, int]] = {}
    quarters: set[str] = set()
    for f in subs:
        for site, qs in submission_facts(f).items():
            for q, cell in qs.items():
                counts.setdefault(site, {})[q] = int(cell.get("count") or 0)
                if cell.get("target") is not None:
                    targets.setdefault(site, {})[q] = int(cell["target"])
                quarters.add(q)
    values = {t for qs in targets.values() for t in qs.values()}
    target = values.pop() if len(values) == 1 else None
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


