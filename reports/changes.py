"""What changed since the previous check run, for a unit's report and for the whole report: gaps that are new
or closed, evidence that is new."""
from __future__ import annotations

from dataclasses import dataclass, field

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


