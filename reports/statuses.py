"""Statuses as people see them: their symbols and colours (the Chinese names are crawler/vocabulary.py's),
and severity rank. (What a unit should do is reports/actions.py's action line, built from the finding's facts.)"""
from __future__ import annotations

from typing import Iterable

from crawler.vocabulary import STATUS_LABELS, STATUS_ORDER

#: a symbol beside every colour, so colour is never the only signal (also in print)
STATUS_SYMBOLS = {
    "gap": "✗", "late": "◷", "at_risk": "!", "unverifiable": "?", "pending": "…", "manual": "✎", "met": "✓",
}
STATUS_COLOURS = {  # (background, text) — also used inline in e-mail
    "gap": ("#fbd5d0", "#8a1c0f"),
    "late": ("#fde2c4", "#7a3d00"),
    "at_risk": ("#fff1b8", "#5c4400"),
    "unverifiable": ("#e4dcf2", "#47306e"),
    "pending": ("#dbe8f5", "#1e3f63"),
    "manual": ("#e8e8e8", "#333333"),
    "met": ("#d3efd6", "#1b5e20"),
}
#: statuses a unit must act on; the e-mail subject counts these (see ``action_count``)
ACTION_STATUSES = ("gap", "late")
_RANK = {s: i for i, s in enumerate(STATUS_ORDER)}


def status_rank(status: str) -> int:
    return _RANK.get(status, len(STATUS_ORDER))


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status or "未知")


def worst(statuses: Iterable[str]) -> str | None:
    statuses = list(statuses)
    return min(statuses, key=status_rank) if statuses else None
