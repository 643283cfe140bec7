"""The document a title is about (《name》, or the title without 关于/解读/征求意见 wrappers), and pairing
documents by it: a policy with its 解读, a consultation draft with its 采纳情况.

Pairing every policy with every interpretation is quadratic (6.9 million comparisons at 100,000
documents); NameIndex finds the same partners by looking up only the names that can match.
"""
from __future__ import annotations

import math
import re
from collections import Counter, defaultdict

_NAME = re.compile(r"《(.+?)》")
_DRAFT = re.compile(r"[（(]?\s*(征求意见稿|送审稿|草案|试行稿)\s*[）)]?")
SIMILARITY = 0.6   # share of bigrams two names must have in common (Jaccard)


def doc_name(title: str) -> str:
    """The document a consultation, feedback, policy or interpretation is about."""
    m = _NAME.search(title or "")
    name = m.group(1) if m else (title or "")
    if not m:
        name = re.sub(r"^(关于|图解[:：]?|一图读懂[:：]?|政策解读[:：]?|解读[:：]?)", "", name)
        name = re.sub(r"(的)?(公开征求意见的?(公告|通知)|征求意见采纳情况的?说明|征求意见.*|政策解读|解读|图解)$", "", name)
        name = re.sub(r"^印发", "", name)
        name = re.sub(r"的通知$", "", name)
    name = _DRAFT.sub("", name)
    return re.sub(r"[\s\u3000“”\"《》、，,。：:（）()]", "", name)


def bigrams(s: str) -> set[str]:
    return {s[i:i + 2] for i in range(len(s) - 1)}


def same_document(a: str, b: str) -> bool:
    if not a or not b:
        return False
    if a == b or (min(len(a), len(b)) >= 4 and (a in b or b in a)):
        return True
    ga, gb = bigrams(a), bigrams(b)
    return bool(ga and gb) and len(ga & gb) / len(ga | gb) >= SIMILARITY


class NameIndex:
    """(document, terms) pairs, found by the name they are about: ``matches(name)`` is exactly
    ``[x for x in items if same_document(name, doc_name(x.title))]``, without comparing every item.

    Every pair same_document accepts shares at least 60 % of the smaller name's bigrams (equal or
    contained: all of them; Jaccard ≥ 0.6: 60 % of the union). So the smaller name's k − ⌈0.6k⌉ + 1
    rarest bigrams (its prefix) include one of the other's: a name's prefix is looked up among all the
    items' bigrams, and all its bigrams among the items' prefixes (prefix filtering)."""

    def __init__(self, items):
        self.items = list(items)
        self.names = [doc_name(d.get("title") or "") for d, _ in self.items]
        grams = [bigrams(n) for n in self.names]
        self.freq = Counter(g for gs in grams for g in gs)
        self.by_name: dict[str, list[int]] = defaultdict(list)
        self.by_gram: dict[str, list[int]] = defaultdict(list)
        self.by_prefix: dict[str, list[int]] = defaultdict(list)
        for i, (name, gs) in enumerate(zip(self.names, grams)):
            self.by_name[name].append(i)
            for g in gs:
                self.by_gram[g].append(i)
            for g in self._prefix(gs):
                self.by_prefix[g].append(i)

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)

    def _prefix(self, grams: set[str]) -> list[str]:
        k = len(grams)
        need = math.ceil(SIMILARITY * k - 1e-9)
        return sorted(grams, key=lambda g: (self.freq.get(g, 0), g))[:k - need + 1]

    def matches(self, name: str) -> list:
        if not name:
            return []
        grams = bigrams(name)
        found = set(self.by_name.get(name, ()))
        for g in self._prefix(grams):
            found.update(self.by_gram.get(g, ()))
        for g in grams:
            found.update(self.by_prefix.get(g, ()))
        return [self.items[i] for i in sorted(found) if same_document(name, self.names[i])]
