"""The work plan (政务公开工作要点) as data.

A plan is sections → tasks → requirements; each requirement has an id ``<task>.<order>`` (1-based), its
text, its responsible units (canonical names when a unit registry is given; units the configuration does
not know are kept as written and listed in ``unknown_units``), partner units and the plan's 时限 cell.
Sections are optional (a plan without 一、 headings has one untitled section). The catalogue
(rules/plans/<year>.yaml, see rules/catalogue.py) is the same shape plus the checks of each requirement.

Plans are read from documents by rules/planread/ (text export, .docx, .xlsx, .html, .pdf).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable

_BLANK = re.compile(r"[\s\u3000]+")
_OPEN, _CLOSE = "（(【[〔", "）)】]〕"
_LEVEL_ONLY = re.compile(r"各?[省市县区镇乡](?:[、][省市县区镇乡])*")


@dataclass
class Check:
    name: str
    kind: str
    params: dict[str, Any]
    units: list[str]
    line: int | None = None
    why: str | None = None              # drafted checks: the words of the requirement that produced it
    confidence: float | None = None     # drafted checks: how sure the drafter is (0–1)


@dataclass
class Requirement:
    id: str
    task: int
    order: int
    text: str
    units: list[str]
    unassigned: bool = False
    line: int | None = None
    checks: list[Check] = field(default_factory=list)
    partners: list[str] = field(default_factory=list)   # 配合单位: kept, not responsible for the finding
    deadline: str | None = None                          # the plan's 时限 cell as written


@dataclass
class Task:
    number: int
    title: str
    requirements: list[Requirement] = field(default_factory=list)
    line: int | None = None


@dataclass
class Section:
    title: str
    tasks: list[Task] = field(default_factory=list)
    line: int | None = None


@dataclass
class Plan:
    sections: list[Section]
    year: int | None = None
    title: str | None = None
    source: str | None = None
    horizon_days: int = 30
    unknown_units: list[str] = field(default_factory=list)   # units not in the configuration, as written

    def requirements(self) -> list[Requirement]:
        return [r for s in self.sections for t in s.tasks for r in t.requirements]

    def tasks(self) -> list[Task]:
        return [t for s in self.sections for t in s.tasks]

    def requirement(self, rid: str) -> Requirement | None:
        for r in self.requirements():
            if r.id == rid:
                return r
        return None

    def to_dict(self, *, checks: bool = False, meta: bool = False) -> dict:
        """The plan as plain data. ``meta`` adds year/title/source and the unassigned flags."""
        sections = []
        for s in self.sections:
            tasks = []
            for t in s.tasks:
                reqs = []
                for r in t.requirements:
                    d: dict[str, Any] = {"id": r.id, "text": r.text, "units": list(r.units)}
                    if r.partners:
                        d["partners"] = list(r.partners)
                    if r.deadline:
                        d["deadline"] = r.deadline
                    if r.unassigned:  # no unit in the plan: routed to the lead office
                        d["unassigned"] = True
                    if checks:
                        d["checks"] = [_check_dict(c, r) for c in r.checks]
                    reqs.append(d)
                tasks.append({"number": t.number, "title": t.title, "requirements": reqs})
            sections.append({"title": s.title, "tasks": tasks} if s.title else {"tasks": tasks})
        if not meta:
            return {"sections": sections}
        out: dict[str, Any] = {}
        if self.year:
            out["year"] = self.year
        if self.title:
            out["title"] = self.title
        if self.source:
            out["source"] = self.source
        if self.unknown_units:
            out["unknown_units"] = list(self.unknown_units)
        out["sections"] = sections
        return out


def _check_dict(c: Check, r: Requirement) -> dict:
    d: dict[str, Any] = {"name": c.name, "kind": c.kind}
    if c.units != r.units:
        d["units"] = list(c.units)
    if c.params:
        d["params"] = c.params
    if c.why:
        d["why"] = c.why
    if c.confidence is not None:
        d["confidence"] = c.confidence
    return d


# --- units ------------------------------------------------------------------------------------

def split_units(cell_text: str) -> list[str]:
    """Unit names in a cell: one per line and/or joined by 、，,；; or blanks (never inside brackets:
    ``各市、县(市、区)教育局`` is one unit)."""
    out: list[str] = []
    for line in cell_text.splitlines():
        line = line.strip()
        depth, cur = 0, ""
        for ch in line:
            if ch in _OPEN:
                depth += 1
            elif ch in _CLOSE:
                depth = max(0, depth - 1)
            if ch in "、，,；;/／ \u3000\t" and depth == 0:
                out.append(cur)
                cur = ""
            else:
                cur += ch
        out.append(cur)
    names = [_BLANK.sub("", u) for u in out if _BLANK.sub("", u)]
    # 各市、县(市、区)教育局: a bare place level before another is one name listing levels, not a unit
    joined: list[str] = []
    for name in names:
        if joined and _LEVEL_ONLY.fullmatch(joined[-1]) and name[:1] in "省市县区镇乡":
            joined[-1] += "、" + name
        else:
            joined.append(name)
    return joined


def summary_lines(plan: Plan) -> Iterable[str]:
    reqs = plan.requirements()
    yield (f"{plan.source or 'plan'}: {sum(1 for s in plan.sections if s.title)} sections, {len(plan.tasks())} tasks, "
           f"{len(reqs)} requirements")
    for s in plan.sections:
        if s.title:
            yield s.title
        for t in s.tasks:
            yield f"  {t.number}. {t.title}"
            for r in t.requirements:
                mark = "（未指定责任单位）" if r.unassigned else ""
                text = r.text if len(r.text) <= 30 else r.text[:30] + "…"
                partners = f"（配合：{'、'.join(r.partners)}）" if r.partners else ""
                due = f"  [{r.deadline}]" if r.deadline else ""
                yield f"    {r.id:<5} {text}  → {'、'.join(r.units)}{partners}{mark}{due}"


def repeated_requirements(p: "Plan") -> list[str]:
    """One warning per requirement whose text (spaces and punctuation aside) repeats an earlier one:
    a task block pasted twice would otherwise import silently as extra requirements."""
    first: dict[str, str] = {}
    out = []
    for r in p.requirements():
        key = re.sub(r"[\s\W_]+", "", r.text or "")
        if not key:
            continue
        if key in first:
            out.append(f"requirement {r.id} repeats the text of requirement {first[key]}: "
                       f"“{(r.text or '')[:40]}” (a task copied twice?)")
        else:
            first[key] = r.id
    return out
