"""The catalogue: a plan with the checks of each requirement (rules/plans/<year>.yaml).

```yaml
year: 2020
horizon_days: 30              # at_risk: due within this many days
sections:
  - title: 一、…
    tasks:
      - number: 7
        title: 全面推进基层政务公开标准化规范化建设
        requirements:
          - id: "7.1"
            text: 2020年9月底前，编制完成本部门政务公开事项标准目录。
            units: [办公室]
            checks:
              - name: 政务公开事项标准目录
                kind: deadline            # a registered rule kind (rules/kinds/)
                units: [办公室]           # optional: default the requirement's units
                params: {due: "09-30", match: {all: [[标准目录]], site: [bureau]}}
```
Everything is validated before anything is evaluated: an unknown kind, a bad parameter or an unknown
unit raises PlanError naming file, line and field — except units listed in the top-level
``unknown_units`` (an imported plan names units the configuration has no address for yet: the plan is
the authority, and their findings still appear). Drafted checks carry ``why`` and ``confidence``. A requirement without checks gets a ``manual`` check
(“no check configured yet”), so an imported plan (`zwgk plan import -o`) can be run as it is.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import yaml

from . import kinds as kinds_pkg
from .errors import PlanError
from .params import validate_params
from .plan import Check, Plan, Requirement, Section, Task
from crawler.yamlnodes import Node, read_yaml

PLANS_DIR = Path(__file__).with_name("plans")
_ID = re.compile(r"^(\d+)\.(\d+)$")
TOP_KEYS = ("year", "title", "source", "horizon_days", "unknown_units", "sections")


def default_plan_path(year: int | None = None) -> Path | None:
    """rules/plans/<year>.yaml, else the newest plan not after *year*, else the newest."""
    plans = sorted((int(p.stem), p) for p in PLANS_DIR.glob("*.yaml") if p.stem.isdigit())
    if not plans:
        return None
    if year is not None:
        before = [p for y, p in plans if y <= year]
        if before:
            return before[-1]
    return plans[-1][1]


def plan_candidates(explicit: str | os.PathLike | None = None, config=None, *, year: int | None = None,
                    recorded: str | os.PathLike | None = None) -> list[Path]:
    """Where every command looks for the plan, first found wins (the one plan path resolution):

    1. ``explicit`` (``--plan FILE``);
    2. ``recorded``: the plan a check run used (``runs.stats.plan``: reports quote the plan that was checked);
    3. the configuration's ``paths.plan``;
    4. ``default_plan_path(year)`` under rules/plans/.
    """
    found = [Path(p) for p in (explicit, recorded, getattr(config, "plan_path", None)) if p]
    default = default_plan_path(year)
    return found + ([default] if default is not None else [])


def plan_path(explicit: str | os.PathLike | None = None, config=None, *, year: int | None = None) -> Path | None:
    """The plan a check runs on: ``--plan``, else ``paths.plan``, else rules/plans/ (see plan_candidates)."""
    return next(iter(plan_candidates(explicit, config, year=year)), None)


def load_catalogue(path: str | os.PathLike, *, registry=None, lead: str = "办公室") -> Plan:
    path = Path(path)
    src = str(path)
    root = read_yaml(path, PlanError)
    kinds = kinds_pkg.load_all()

    def mapping(node: Node, fieldname: str, allowed: tuple[str, ...]) -> dict[str, Node]:
        if not isinstance(node.value, dict):
            raise PlanError(src, node.line, fieldname or "(top)", "must be a mapping (key: value lines)")
        for k, child in node.value.items():
            if k not in allowed:
                raise PlanError(src, child.line, f"{fieldname}.{k}" if fieldname else k,
                                "unknown field (known: " + ", ".join(allowed) + ")")
        return node.value

    def seq(node: Node | None, fieldname: str, where: Node) -> list[Node]:
        if node is None or node.value is None:
            raise PlanError(src, where.line, fieldname, "is required (a list)")
        if not isinstance(node.value, list):
            raise PlanError(src, node.line, fieldname, "must be a list")
        return node.value

    def text_of(m: dict[str, Node], key: str, fieldname: str, where: Node, required=True) -> str | None:
        node = m.get(key)
        if node is None or node.value is None or str(node.value).strip() == "":
            if required:
                raise PlanError(src, (node or where).line, fieldname, "is required")
            return None
        if isinstance(node.value, (dict, list, bool)):
            raise PlanError(src, node.line, fieldname, "must be a text value")
        return str(node.value).strip()

    accepted: set[str] = set()

    def unit_list(node: Node | None, fieldname: str) -> list[str]:
        if node is None or node.value is None:
            return []
        items = node.value if isinstance(node.value, list) else [node]
        out = []
        for i, item in enumerate(items):
            if not isinstance(item.value, str) or not item.value.strip():
                raise PlanError(src, item.line, f"{fieldname}[{i}]", "must be a unit name")
            name = item.value.strip()
            if registry is not None and name not in accepted:
                try:
                    name = registry.canonical(name)
                except KeyError:
                    raise PlanError(src, item.line, f"{fieldname}[{i}]",
                                    f"unknown unit {name!r} (not a name or alias in the configuration's units)") from None
            if name not in out:
                out.append(name)
        return out

    top = mapping(root, "", TOP_KEYS)
    unknown = top.get("unknown_units")
    if unknown is not None and unknown.value is not None:
        if not isinstance(unknown.value, list):
            raise PlanError(src, unknown.line, "unknown_units", "must be a list of unit names")
        accepted |= {str(n.value).strip() for n in unknown.value if n.value}
    year = top.get("year")
    if year is not None and (not isinstance(year.value, int) or isinstance(year.value, bool)
                             or not 2000 <= year.value <= 2100):
        raise PlanError(src, year.line, "year", f"must be a year like 2020, not {year.value!r}")
    horizon = top.get("horizon_days")
    if horizon is not None and (not isinstance(horizon.value, int) or isinstance(horizon.value, bool)
                                or horizon.value < 0):
        raise PlanError(src, horizon.line, "horizon_days", "must be a whole number of days ≥ 0")
    plan = Plan(sections=[], year=year.value if year else None,
                title=text_of(top, "title", "title", root, required=False),
                source=text_of(top, "source", "source", root, required=False),
                horizon_days=horizon.value if horizon else 30, unknown_units=sorted(accepted))
    seen_ids: dict[str, int] = {}
    for si, snode in enumerate(seq(top.get("sections"), "sections", root)):
        sf = f"sections[{si}]"
        s = mapping(snode, sf, ("title", "tasks"))
        section = Section(title=text_of(s, "title", sf + ".title", snode, required=False) or "", line=snode.line)
        for ti, tnode in enumerate(seq(s.get("tasks"), sf + ".tasks", snode)):
            tf = f"{sf}.tasks[{ti}]"
            t = mapping(tnode, tf, ("number", "title", "requirements"))
            num = t.get("number")
            if num is None or not isinstance(num.value, int) or isinstance(num.value, bool) or num.value < 1:
                raise PlanError(src, (num or tnode).line, tf + ".number", "must be a task number ≥ 1")
            task = Task(number=num.value, title=text_of(t, "title", tf + ".title", tnode), line=tnode.line)
            for ri, rnode in enumerate(seq(t.get("requirements"), tf + ".requirements", tnode)):
                r = mapping(rnode, f"{tf}.requirements[{ri}]", ("id", "text", "units", "partners", "deadline",
                                                                      "unassigned", "checks"))
                rid = text_of(r, "id", f"{tf}.requirements[{ri}].id", rnode)
                rf = f"requirements[{rid}]"
                m = _ID.match(rid)
                if not m or int(m.group(1)) != task.number:
                    raise PlanError(src, r["id"].line, rf + ".id", f"must be '{task.number}.<order>' (task {task.number})")
                if rid in seen_ids:
                    raise PlanError(src, r["id"].line, rf + ".id", f"duplicate id (first on line {seen_ids[rid]})")
                seen_ids[rid] = r["id"].line
                units = unit_list(r.get("units"), rf + ".units")
                unassigned = bool(r.get("unassigned") and r["unassigned"].value)
                if not units:
                    units = [registry.canonical(lead) if registry is not None else lead]
                    unassigned = True
                req = Requirement(id=rid, task=task.number, order=int(m.group(2)),
                                  text=text_of(r, "text", rf + ".text", rnode), units=units,
                                  unassigned=unassigned, line=rnode.line,
                                  partners=unit_list(r.get("partners"), rf + ".partners"),
                                  deadline=text_of(r, "deadline", rf + ".deadline", rnode, required=False))
                cnodes = r.get("checks")
                if cnodes is not None and cnodes.value is not None and not isinstance(cnodes.value, list):
                    raise PlanError(src, cnodes.line, rf + ".checks", "must be a list of checks")
                names: set[str] = set()
                for ci, cnode in enumerate(cnodes.value if cnodes is not None and cnodes.value else []):
                    cf = f"{rf}.checks[{ci}]"
                    c = mapping(cnode, cf, ("name", "kind", "units", "params", "why", "confidence"))
                    kind_name = text_of(c, "kind", cf + ".kind", cnode)
                    kind = kinds.get(kind_name)
                    if kind is None:
                        raise PlanError(src, c["kind"].line, cf + ".kind",
                                        f"unknown kind {kind_name!r} (known: {', '.join(sorted(kinds))})")
                    name = text_of(c, "name", cf + ".name", cnode, required=False) or kind_name
                    if name in names:
                        raise PlanError(src, cnode.line, cf + ".name", f"two checks named {name!r} in requirement {rid}")
                    names.add(name)
                    params = validate_params(kind.params, c.get("params"), src, cf + ".params", kind.validate,
                                             line=cnode.line)
                    cunits = unit_list(c.get("units"), cf + ".units") or list(req.units)
                    conf = c.get("confidence")
                    if conf is not None and (isinstance(conf.value, bool) or not isinstance(conf.value, (int, float))
                                             or not 0 <= conf.value <= 1):
                        raise PlanError(src, conf.line, cf + ".confidence", "must be a number from 0 to 1")
                    req.checks.append(Check(name=name, kind=kind_name, params=params, units=cunits, line=cnode.line,
                                            why=text_of(c, "why", cf + ".why", cnode, required=False),
                                            confidence=conf.value if conf is not None else None))
                if not req.checks:
                    req.checks.append(Check(name="待配置", kind="manual", units=list(req.units), line=rnode.line,
                                            params={"reason": "尚未为该要求配置检查规则", "hint": None}))
                task.requirements.append(req)
            section.tasks.append(task)
        plan.sections.append(section)
    if not plan.requirements():
        raise PlanError(src, root.line, "sections", "the plan has no requirements")
    return plan


def write_plan_yaml(plan: Plan, path: str | os.PathLike) -> None:
    """Write a plan (as imported, with its drafted checks if any) as YAML that load_catalogue reads."""
    drafted = any(r.checks for r in plan.requirements())
    data = plan.to_dict(meta=True, checks=drafted)
    if drafted:
        header = ("# Work plan imported by `zwgk plan import`, checks drafted from the requirement text\n"
                  "# (rules/draft.py, rules/knowledge/). Each check says `why` (the words that produced it) and\n"
                  "# `confidence`; edit or delete any of them, `zwgk plan validate` checks the result.\n")
    else:
        header = ("# Work plan imported by `zwgk plan import`; add `checks:` to each requirement "
                  "(see rules/plans/2020.yaml).\n")
    Path(path).write_text(header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000,
                                                  default_flow_style=None),
                          encoding="utf-8")
