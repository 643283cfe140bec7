"""Candidate evidence: documents that may prove a ``manual`` requirement (or fill a ``gap``), ranked by how
well they match the requirement's key terms, for staff to confirm in a minute (可能相关的公开信息).

Key terms are the requirement's jieba words (function words and plan boilerplate dropped; words the
knowledge base knows as item names and longer words weigh more); each is looked up in the store's
full-text index (crawler.store.Store.search). A document's score is the weight of the terms it
matches over the weight of all, a term in its title counting fully and one only in its text partly.
Only documents published in the plan year (by the as-of date) and about it (last year's only when the
requirement speaks of last year) are candidates, never another district's or department's (and only the
bureau's own where the check wants the bureau's own item: a school's budget never proves the bureau's); the bureau's own documents come first (they rank with a bonus of
``OWN_BONUS``, so another local unit's document goes first only when it matches much better). Staff turn one into evidence with
``zwgk attest REQ --unit U --evidence URL --note …``.
"""
from __future__ import annotations

import json
import re
from typing import Callable, Iterable

from crawler import textseg

from .draft import knowledge
from .plan import Plan

STATUSES = ("manual", "gap")
LIMIT = 5
MIN_SCORE = 0.2
TABLE = "finding_candidates"
_PREVIOUS = re.compile(r"上年|上一年|去年|决算|年度报告|年报")
STOP = {
    "工作", "信息", "情况", "相关", "有关", "内容", "全面", "及时", "进一步", "规范", "做好", "加强", "推进", "持续",
    "社会", "公开", "发布", "公布", "政府", "政务", "本部门", "部门", "单位", "要求", "方面", "落实", "积极", "认真",
    "不断", "提升", "严格", "完善", "确保", "依法", "形式", "质量", "力度", "深化", "开展", "建立", "健全", "进行",
    "加大", "强化", "注重", "坚持", "继续", "统筹", "抓好", "有效", "重要", "主要", "各项", "各级", "各类", "机制",
    "能力", "水平", "实效", "切实", "增强", "提高", "明确", "以及", "等方面", "其他", "我们", "通过", "根据",
    "政务公开", "信息公开", "政府信息", "工作要点", "工作任务", "作为", "对于", "关于", "按照", "结合", "围绕",
    "一步", "各个", "环节", "实际", "目的", "重点", "领域", "有关部门", "进一步", "不少", "以上", "以下",
}
OWN_BONUS = 0.2     # the bureau's own documents rank first unless another's matches much better


def key_terms(text: str, *, limit: int = 10) -> list[tuple[str, float]]:
    """(term, weight) of a requirement's text, most telling first."""
    names = {n for item in knowledge() for n in item.names}
    seen: dict[str, float] = {}
    for w in textseg.words(text):
        if len(w) < 2 or w in STOP or w.isdigit() or w in seen:
            continue
        seen[w] = min(len(w), 4) * (2.0 if w in names else 1.0)
    ranked = sorted(seen.items(), key=lambda x: -x[1])
    return ranked[:limit]


class Ranker:
    """Ranks documents for requirements against one store, as of one date (search results cached).

    *ctx* is the engine's Context; *own* and *local* say whether a document is the bureau's own, or the
    bureau's or one of its units' (rules.match.owned_by_bureau / owned_locally)."""

    def __init__(self, ctx, own: Callable, local: Callable, year_of: Callable):
        self.ctx, self.own, self.local, self.year_of = ctx, own, local, year_of
        self._hits: dict[str, list[dict]] = {}

    def _search(self, term: str) -> list[dict]:
        if term not in self._hits:
            try:
                self._hits[term] = [dict(r) for r in self.ctx.store.search(term, limit=200)]
            except Exception:   # an index that is missing or broken: no candidates, not a failed check
                self._hits[term] = []
        return self._hits[term]

    def rank(self, text: str, *, exclude: Iterable[str] = (), limit: int = LIMIT,
             bureau_only: bool = False) -> list[dict]:
        terms = key_terms(text)
        total = sum(w for _, w in terms)
        if not total:
            return []
        year, as_of = str(self.ctx.plan_year), self.ctx.as_of.isoformat()
        # about the plan year; last year's only where the requirement speaks of last year (决算, 年度报告)
        years = {self.ctx.plan_year}
        if _PREVIOUS.search(text) or str(self.ctx.plan_year - 1) in text:
            years.add(self.ctx.plan_year - 1)
        skip = set(exclude)
        docs: dict[str, dict] = {}
        score: dict[str, float] = {}
        in_title: dict[str, int] = {}
        for term, weight in terms:
            for d in self._search(term):
                pub = (d.get("published") or "")[:10]
                if d["url"] in skip or pub[:4] != year or pub > as_of:
                    continue
                if not (self.own if bureau_only else self.local)(d, self.ctx) or self.year_of(d) not in years:
                    continue
                docs[d["url"]] = d
                titled = term in (d.get("title") or "")
                score[d["url"]] = score.get(d["url"], 0.0) + weight * (1.0 if titled else 0.5)
                in_title[d["url"]] = in_title.get(d["url"], 0) + int(titled)
        out = []
        for url, s in score.items():
            s = round(s / total, 2)
            if s < MIN_SCORE or not in_title[url]:
                continue
            d = docs[url]
            own = d.get("site") == "bureau" and self.own(d, self.ctx)
            out.append((-(s + (OWN_BONUS if own else 0.0)), 0 if own else 1, d.get("published") or "", url,
                        {"url": url, "title": d.get("title"), "published": (d.get("published") or "")[:10] or None,
                         "score": s}))
        out.sort(key=lambda x: x[:4])
        return [x[-1] for x in out[:limit]]


def attach_candidates(ctx, plan: Plan, findings: list, *, own: Callable, local: Callable,
                      year_of: Callable) -> None:
    """Give every manual and gap finding (engine.Finding) its ranked candidates (in place)."""
    ranker = Ranker(ctx, own, local, year_of)
    reqs = {r.id: r for r in plan.requirements()}
    for f in findings:
        if f.status not in STATUSES or f.requirement not in reqs:
            continue
        req = reqs[f.requirement]
        text = req.text if f.check in ("待配置", "人工确认") else f"{f.check} {req.text}"
        check = next((c for c in req.checks if c.name == f.check), None)
        # an item that must be the bureau's own: another unit's document can never prove it
        bureau_only = any(isinstance(v, dict) and v.get("publisher") == "bureau"
                          for v in (check.params.values() if check else []))
        f.candidates = ranker.rank(text, exclude=[e.get("url") for e in f.evidence], bureau_only=bureau_only)


def store_candidates(store, run_id: int, findings: list) -> None:
    """Keep a run's candidates beside its findings (table ``finding_candidates``) for the reports."""
    rows = [{"run_id": run_id, "requirement": f.requirement, "check_name": f.check,
             "candidates": list(f.candidates)}   # sqlite-utils writes lists as JSON
            for f in findings if getattr(f, "candidates", None)]
    if rows:
        store.db[TABLE].insert_all(rows, alter=True)


def stored_candidates(store, run_id: int) -> dict[tuple[str, str], list[dict]]:
    """(requirement, check) → candidates of a stored run (empty for runs before candidates existed)."""
    if TABLE not in store.db.table_names():
        return {}
    out = {}
    for r in store.db.query(f"select requirement, check_name, candidates from {TABLE} where run_id = ?", [run_id]):
        out[(r["requirement"], r["check_name"])] = json.loads(r["candidates"] or "[]")
    return out
