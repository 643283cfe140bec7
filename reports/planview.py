"""The plan as reports quote it: requirements (texts, units, order) found by id."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from crawler.dates import to_date
from rules.catalogue import load_catalogue, plan_candidates
from rules.errors import PlanError

# --- the plan -----------------------------------------------------------------------------------

@dataclass
class Requirement:
    id: str
    text: str
    units: list[str] = field(default_factory=list)
    section: str = ""
    task_number: Any = None
    task_title: str = ""
    order: int = 10 ** 6
    in_plan: bool = True
    checks: dict[str, str] = field(default_factory=dict)  # check name → rule kind (from a catalogue)
    #: check name → (what it looks for, the columns it reads), from the catalogue's params: the action line's words
    targets: dict[str, tuple[str, list[str]]] = field(default_factory=dict)

    @property
    def short(self) -> str:
        return self.text if len(self.text) <= 40 else self.text[:38] + "……"


def requirement_sort_key(rid: str) -> tuple:
    parts = re.split(r"[.．\-]", str(rid))
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)


def plan_to_dict(plan: Any) -> dict | None:
    """The plan as plain data: a dict as it is (the ``zwgk plan import --json`` shape), or rules' ``Plan``
    (``to_dict`` with its checks). Files are read by rules (``load_plan`` below), never here."""
    if plan is None:
        return None
    if isinstance(plan, dict):
        return plan
    if isinstance(plan, (str, Path)):
        return load_plan(None, plan)
    to_dict = getattr(plan, "to_dict", None)
    if callable(to_dict):
        return to_dict(checks=True, meta=True)
    if isinstance(plan, list):
        return {"sections": [{"title": "", "tasks": [{"number": None, "title": "", "requirements": plan}]}]}
    raise TypeError(f"cannot read a plan from {type(plan).__name__}")


def _get(obj: Any, key: str, default=None):
    if isinstance(obj, dict):
        return obj.get(key, default)
    return getattr(obj, key, default)


def _target(params: Any) -> tuple[str, list[str]]:
    """What a check's params say it looks for, and where (``what``; ``match``/``policy`` ``column``)."""
    if not isinstance(params, dict):
        return "", []
    columns: list[str] = []
    for key in ("match", "policy"):
        spec = params.get(key)
        col = spec.get("column") if isinstance(spec, dict) else None
        columns += [col] if isinstance(col, str) else [str(c) for c in (col or [])]
    return str(params.get("what") or ""), columns


class PlanIndex:
    """Requirement texts in the plan's own words, in plan order; a placeholder for ids the plan lacks."""

    def __init__(self, plan: Any = None):
        data = plan_to_dict(plan) or {}
        self.title = str(data.get("title") or "").strip()
        self.year = data.get("year")
        self.loaded = bool(data)
        self.requirements: dict[str, Requirement] = {}
        order = 0
        sections = data.get("sections") or []
        if not sections and data.get("requirements"):
            sections = [{"title": "", "tasks": [{"number": None, "title": "", "requirements": data["requirements"]}]}]
        for section in sections:
            stitle = str(_get(section, "title") or "").strip()
            for task in _get(section, "tasks") or []:
                for req in _get(task, "requirements") or []:
                    rid = str(_get(req, "id") or "").strip()
                    if not rid:
                        continue
                    order += 1
                    self.requirements[rid] = Requirement(
                        id=rid, text=str(_get(req, "text") or "").strip(),
                        units=[str(u) for u in (_get(req, "units") or [])],
                        section=stitle, task_number=_get(task, "number"),
                        task_title=str(_get(task, "title") or "").strip(), order=order,
                        checks={str(_get(c, "name")): str(_get(c, "kind") or "")
                                for c in (_get(req, "checks") or []) if _get(c, "name")},
                        targets={str(_get(c, "name")): _target(_get(c, "params") or {})
                                 for c in (_get(req, "checks") or []) if _get(c, "name")})
        if not self.title:
            self.title = f"{self.year}年政务公开工作要点" if self.year else "政务公开工作要点"

    def get(self, rid: str) -> Requirement:
        rid = str(rid)
        req = self.requirements.get(rid)
        if req is None:
            req = Requirement(id=rid, text=f"要求 {rid}（计划中未找到该要求的原文）", in_plan=False)
            self.requirements[rid] = req
        return req

    def ordered(self, ids: Iterable[str]) -> list[Requirement]:
        reqs = [self.get(i) for i in set(ids)]
        return sorted(reqs, key=lambda r: (r.order, requirement_sort_key(r.id)))


def load_plan(config=None, path: str | Path | None = None, *, year: int | None = None,
              run: dict | None = None, checked: dict | None = None) -> dict | None:
    """The plan whose texts the reports quote, read by rules (``rules.catalogue.load_catalogue``). First
    found wins:

    ``rules.catalogue.plan_candidates``: ``path`` (``--plan FILE``: JSON from ``zwgk plan import --json``, or
    a YAML plan/catalogue), ``checked`` (the plan as the check run evaluated it, kept by the store:
    crawler/configcopy.py), the plan file the check run recorded, ``paths.plan``, then rules/plans/ for the
    year of the run's as-of date. A candidate that cannot be read is passed over (except ``path``).

    Returns None when there is none: reports then show requirement ids with a note.
    """
    if path and not Path(path).exists():
        raise FileNotFoundError(f"计划文件不存在：{Path(path)}")
    if checked and not path:
        return checked
    recorded = ((run or {}).get("stats") or {}).get("plan")
    if year is None and run and run.get("as_of"):
        d = to_date(run["as_of"])
        year = d.year if d else None
    candidates = plan_candidates(path, config, year=year, recorded=recorded if isinstance(recorded, str) else None)
    for p in candidates:
        if not p.is_file():
            continue
        try:
            return load_catalogue(p).to_dict(checks=True, meta=True)
        except PlanError:
            if path and p == Path(path):
                raise
    return None
