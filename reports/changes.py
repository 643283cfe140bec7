"""What changed since last night: which check run was the previous night's (one definition for the nightly
summary and the reports), how the findings moved between the two (nightly, status), and per unit and for
the whole report which gaps are new or closed and which evidence is new."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from crawler.store import Store
from crawler.vocabulary import STATUSES

from .statuses import ACTION_STATUSES


@dataclass
class Changes:
    previous_run: dict | None
    new_gaps: list = field(default_factory=list)
    closed_gaps: list[tuple] = field(default_factory=list)  # (now, before)
    new_evidence: list[tuple] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.new_gaps or self.closed_gaps or self.new_evidence)


def compute_changes(current: list, previous: list | None, previous_run: dict | None) -> Changes:
    ch = Changes(previous_run=previous_run)
    if previous is None:
        return ch
    prev_by_key: dict[tuple, list] = {}
    for f in previous:
        prev_by_key.setdefault(f.key, []).append(f)
    cur_by_key: dict[tuple, list] = {}
    for f in current:
        cur_by_key.setdefault(f.key, []).append(f)
    for key, fs in cur_by_key.items():
        before = prev_by_key.get(key, [])
        was_gap = any(b.status in ACTION_STATUSES for b in before)
        old_urls = {e.url for b in before for e in b.evidence}
        for f in fs:
            if f.status in ACTION_STATUSES and not was_gap:
                ch.new_gaps.append(f)
            for e in f.evidence:
                if e.url and e.url not in old_urls:
                    ch.new_evidence.append((f, e))
                    old_urls.add(e.url)
    for key, before in prev_by_key.items():
        old_gaps = [b for b in before if b.status in ACTION_STATUSES]
        if not old_gaps:
            continue
        now = cur_by_key.get(key, [])
        if any(f.status in ACTION_STATUSES for f in now):
            continue
        ch.closed_gaps.append((now[0] if now else None, old_gaps[0]))
    ch.new_gaps.sort(key=lambda f: f.sort_key())
    ch.closed_gaps.sort(key=lambda p: p[1].sort_key())
    return ch


def _fkey(f: dict) -> tuple:
    return (f["requirement"], f.get("check") or f.get("check_name"), tuple(sorted(f.get("units") or [])))


def previous_check_run(store: Store, check_run: int, nightly_run: int | None = None) -> int | None:
    """The check run of the previous night: the last earlier nightly's, else the last earlier ok check run."""
    if nightly_run is not None:
        for r in store.db.query("select id from runs where kind = 'nightly' and id < ? order by id desc limit 10",
                                [nightly_run]):
            cr = (store.run(r["id"]) or {}).get("stats", {}).get("check_run")
            if cr and cr != check_run:
                return cr
    prev = store.latest_run("check", before=check_run)
    return prev["id"] if prev else None


def findings_movement(store: Store, check_run: int | None, nightly_run: int | None = None) -> dict:
    """Findings by status of a check run, and how they moved since the previous night's."""
    if check_run is None:
        return {"run": None, "by_status": {}, "previous_run": None, "delta": {}, "moved": {}, "new_gaps": [],
                "returned_gaps": [], "closed_gaps": []}
    cur = store.findings(check_run)
    by_status = Counter({s: 0 for s in STATUSES})
    by_status.update(f["status"] for f in cur)
    prev_id = previous_check_run(store, check_run, nightly_run)
    out = {"run": check_run, "by_status": dict(by_status), "previous_run": prev_id, "delta": {}, "moved": {},
           "new_gaps": [], "returned_gaps": [], "closed_gaps": []}
    if prev_id is None:
        return out
    prev = store.findings(prev_id)
    pc = Counter({s: 0 for s in STATUSES})
    pc.update(f["status"] for f in prev)
    out["delta"] = {s: by_status.get(s, 0) - pc.get(s, 0) for s in set(by_status) | set(pc)
                    if by_status.get(s, 0) != pc.get(s, 0)}
    before = {_fkey(f): f["status"] for f in prev}
    moved = Counter()
    for f in cur:
        k = _fkey(f)
        old = before.get(k)
        if old is None:
            moved[f"(新)→{f['status']}"] += 1
        elif old != f["status"]:
            moved[f"{old}→{f['status']}"] += 1
        if f["status"] == "gap" and old != "gap":
            # a gap that was only hidden by a crawl alarm is not new: it is back
            target = "returned_gaps" if old == "unverifiable" else "new_gaps"
            out.setdefault(target, []).append({"requirement": f["requirement"], "check": f["check"],
                                               "units": f["units"], "was": old})
    now_gaps = {_fkey(f) for f in cur if f["status"] == "gap"}
    for f in prev:
        if f["status"] == "gap" and _fkey(f) not in now_gaps:
            out["closed_gaps"].append({"requirement": f["requirement"], "check": f["check"], "units": f["units"]})
    out["moved"] = dict(moved)
    return out


def alarm_summary(store: Store, health: dict | None) -> dict:
    active = store.active_alarms()
    out = {"active": len(active), "new": [], "ongoing": [], "resolved": [], "evaluated": health is not None}
    if health:
        for key in ("new", "ongoing", "resolved"):
            for aid in health.get(key) or []:
                a = store.alarm(aid)
                if a is not None:
                    out[key].append({"id": aid, "site": a["site"], "column": a["column_id"] or None,
                                     "monitor": a["monitor"], "message": a["message"]})
    return out
