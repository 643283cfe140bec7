"""Draft the checks of a plan from its requirement text: data (rules/knowledge/*.yaml) plus a small
grammar (rules/phrases.py), not a model.

For each requirement: the knowledge base's items named in the text (预决算 → 部门预算, 部门决算, 三公经费)
become checks of their rule kind, with the item's title vocabulary, owner and year; the deadline comes
from the plan's 时限 cell or a phrase in the text (5月底前, 批复后20日内 …), else the item's usual one; a
period (每季度) makes it periodic, a count (不少于2篇) sets how many. A requirement naming a publishable
thing the knowledge base does not know, with a deadline or a count, gets a low-confidence check on the
words it names. Anything else is ``manual`` with its reason. Every check says ``why`` (the words of the
requirement that produced it) and ``confidence``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from . import phrases
from .plan import Check, Plan, Requirement

KNOWLEDGE_DIR = Path(__file__).with_name("knowledge")
_CLAUSE = re.compile(r"[，。；;,：:！!？?\n]")
_PUBLISH = re.compile(r"(?:(?<![务息])公开|发布|公布|公示|报送|编制|制定并公开|向社会公布)(?:了|本部门|本单位)?"
                      r"([^，。；;,、]{2,16})")
_STOP = {"工作", "信息", "情况", "相关", "有关", "内容", "全面", "及时", "进一步", "规范", "做好", "加强", "推进",
         "持续", "社会", "公开", "发布", "公布", "政府", "政务", "本部门", "部门", "单位", "要求", "方面", "落实",
         "积极", "认真", "不断", "提升", "严格", "完善", "确保", "依法", "形式", "质量", "力度"}


@dataclass
class Item:
    id: str
    label: str
    names: list[str]
    kind: str
    unless: list[str] = field(default_factory=list)
    title: dict | None = None
    owner: str = "any"
    year: str = "published"
    due: str | None = None
    params: dict = field(default_factory=dict)
    units_like: list[str] = field(default_factory=list)
    confidence: float = 0.6
    reason: str | None = None
    hint: str | None = None


@lru_cache(maxsize=4)
def knowledge(directory: str = str(KNOWLEDGE_DIR)) -> tuple[Item, ...]:
    """The knowledge base: every rules/knowledge/*.yaml file's ``items``."""
    out = []
    for path in sorted(Path(directory).glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for raw in data.get("items") or []:
            out.append(Item(**raw))
    return tuple(out)


def named_items(text: str, items=None) -> list[tuple[Item, str]]:
    """Items of the knowledge base the requirement names, each with the longest of its words found."""
    found = []
    for item in items or knowledge():
        rest = text
        for u in item.unless:          # 预算 inside 三公经费预算 or 预算执行 does not name the budget
            rest = rest.replace(u, "□")
        hits = [n for n in item.names if n in rest]
        if hits:
            found.append((item, max(hits, key=len)))
    return found


def _clause(text: str, word: str) -> str:
    for c in _CLAUSE.split(text):
        if word in c:
            return c.strip()
    return word


def _match(item: Item) -> dict:
    m: dict[str, Any] = dict(item.title or {})
    if item.owner == "bureau":
        m["publisher"] = "bureau"
    else:   # a school's or any local unit's item; another district's or department's never counts
        m["publisher"] = "local"
    if item.year in ("plan", "previous"):
        m["year"] = item.year
    elif item.year == "published":
        m["published"] = "plan"
    return m


def _units(req: Requirement, item: Item) -> list[str]:
    own = [u for u in req.units if any(w in u for w in item.units_like)]
    return own or list(req.units)


def draft_requirement(req: Requirement, items=None) -> list[Check]:
    text = req.text
    due = phrases.when(req.deadline or "") or phrases.when(text)
    cnt = phrases.count(text) or phrases.count(req.deadline or "")
    checks: list[Check] = []
    for item, word in named_items(text, items):
        why = [f"“{_clause(text, word)}”"]
        conf = item.confidence * (1.0 if len(word) >= 4 else 0.9)
        params: dict[str, Any] = dict(item.params)
        kind = item.kind
        if kind == "manual":
            params = {"reason": item.reason or f"{item.label}网页无法体现", "hint": item.hint}
        elif kind in ("presence", "periodic"):
            params["match"] = _match(item)
            params["what"] = item.label
            period = (cnt.per if cnt and cnt.per else None) or (due.period if due and due.period else None)
            if kind == "presence" and period:
                kind = "periodic"
                params.pop("due", None)
                params.update(period=period, grace_months=1)
                why.append(f"周期：“{(cnt.phrase if cnt and cnt.per else due.phrase)}”")
            if kind == "periodic":
                if cnt and cnt.per and cnt.n > 1:
                    params["min_per_period"] = cnt.n
                    why.append(f"数量：“{cnt.phrase}”")
            else:
                if due and due.date:
                    kind = "deadline"
                    params["due"] = due.date
                    why.append(f"时限：“{due.phrase}”")
                else:
                    params["due"] = item.due or "12-31"
                    note = ""
                    if due is not None and due.none:
                        note = f"“{due.phrase}”无固定时限，按惯例{params['due']}前检查"
                    elif due is not None and (due.after or due.days):
                        note = f"“{due.phrase}”（起算日期网页不可知，按惯例{params['due']}）"
                        conf *= 0.9
                    elif due is None:
                        note = f"未写明时限，按惯例{params['due']}"
                    why.append(note)
                if cnt and not cnt.per and not cnt.every_days and cnt.n > 1:
                    params["min_count"] = cnt.n
                    why.append(f"数量：“{cnt.phrase}”")
        elif kind == "interpretation":
            if due and due.workdays and due.days is not None:
                params["working_days"] = due.days
                why.append(f"时限：“{due.phrase}”")
        elif kind == "consultation":
            m = re.search(r"不少于\s*(\d+)\s*(?:日|天)", text)
            if m:
                params["min_days"] = int(m.group(1))
                why.append(f"期限：“{m.group(0)}”")
        elif kind == "annual_report":
            if due and due.date:
                params["due"] = due.date
                why.append(f"时限：“{due.phrase}”")
        elif kind == "submissions":
            if cnt and cnt.per == "quarter":
                params["target"] = cnt.n
                why.append(f"数量：“{cnt.phrase}”")
            elif cnt and not cnt.per and not cnt.every_days:
                params["target"] = max(1, -(-cnt.n // 4))
                why.append(f"数量：“{cnt.phrase}”（折算为每季度{params['target']}条）")
        elif kind == "freshness":
            if cnt and cnt.every_days:
                limits = dict(params.get("limits") or {})
                limits["动态"] = cnt.every_days
                params["limits"] = limits
                why.append(f"频次：“{cnt.phrase}”")
        name = item.label
        if any(c.name == name for c in checks):
            continue
        checks.append(Check(name=name, kind=kind, params=params, units=_units(req, item),
                            why="；".join(w for w in why if w), confidence=round(min(conf, 0.95), 2)))
    if any(c.kind != "manual" for c in checks):
        return checks
    generic = _generic(req, due, cnt)
    if generic is not None:
        return checks + [generic]
    if not checks:
        checks.append(Check(
            name="人工确认", kind="manual", units=list(req.units), confidence=0.5,
            why=f"“{text[:40]}{'…' if len(text) > 40 else ''}”：未识别出可在网站上核对的公开事项、时限或数量",
            params={"reason": "要求未指明可在网站上核对的公开事项（" + _gist(text) + "），需人工确认",
                    "hint": "能证明已完成该项工作的文件或网页链接"}))
    return checks


def _gist(text: str) -> str:
    return text[:20] + ("…" if len(text) > 20 else "")


def _generic(req: Requirement, due, cnt) -> Check | None:
    """A publishable thing the knowledge base does not know, with a deadline or a count: look for its
    words in titles (low confidence)."""
    if not ((due and (due.date or due.period)) or cnt):
        return None
    m = _PUBLISH.search(req.text)
    if not m:
        return None
    from crawler import textseg
    words = [w for w in textseg.words(m.group(1)) if len(w) >= 2 and w not in _STOP]
    if not words:
        return None
    terms = words[-2:]
    params: dict[str, Any] = {"what": m.group(1), "match": {"all": terms, "published": "plan"}}
    why = [f"“{m.group(0)}”"]
    kind = "presence"
    if due and due.date:
        kind, params["due"] = "deadline", due.date
        why.append(f"时限：“{due.phrase}”")
    elif (cnt and cnt.per) or (due and due.period):
        kind = "periodic"
        params.update(period=(cnt.per if cnt and cnt.per else due.period), grace_months=1)
        params.pop("due", None)
        if cnt and cnt.n > 1:
            params["min_per_period"] = cnt.n
        why.append(f"周期：“{cnt.phrase if cnt and cnt.per else due.phrase}”")
    if kind == "presence" and cnt and cnt.n > 1:
        params["min_count"] = cnt.n
        why.append(f"数量：“{cnt.phrase}”")
    return Check(name=m.group(1)[:16], kind=kind, params=params, units=list(req.units),
                 why="；".join(why) + "（知识库未收录该事项，按要求中的词语检索标题）", confidence=0.4)


def draft_plan(plan: Plan, items=None) -> Plan:
    """Draft the checks of every requirement (in place); returns the plan. Parameters are written in
    their short form; `zwgk plan import -o` loads the written file back as a catalogue to validate them."""
    for req in plan.requirements():
        req.checks = draft_requirement(req, items)
    return plan
