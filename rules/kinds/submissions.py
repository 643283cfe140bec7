"""submissions: the bureau's items in each upper-level column (政务公开看山东 / 政务公开经验做法 /
政务公开看兖州) per quarter, against a target.

An item counts only when it is about the bureau: its title, publisher or source names the bureau
(config ``bureau_aliases``); another district's 教体局 or another of the district's departments does not.
A quarter's count is final when the quarter ends.
"""
from __future__ import annotations

from crawler.vocabulary import SITE_LABELS

from ..findings import combine, due_status, evidence_of
from ..match import about_bureau
from ..params import Invalid, Param, SITES
from . import Kind
from .periodic import period_bounds


class Submissions(Kind):
    __kind__ = "submissions"
    description = "the bureau's items in each upper-level column per quarter, against a target"
    params = {
        "sites": Param("strings", ["province", "city", "district"], choices=SITES),
        "target": Param("int", 1, minimum=0, doc="items per quarter per column (unconfirmed: 1)"),
        "targets": Param("dict", {}, doc="per-site targets overriding target, e.g. {province: 1, district: 3}"),
        "column": Param("strings", [], doc="only these columns of each site (empty: all stored)"),
        "from_quarter": Param("int", 1, minimum=1),
    }

    @classmethod
    def validate(cls, params, node):
        for k, v in params["targets"].items():
            if k not in SITES:
                raise Invalid(None, f"unknown site {k!r} (known: {', '.join(SITES)})", f".targets.{k}")
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise Invalid(None, "must be a whole number ≥ 0", f".targets.{k}")
        if params["from_quarter"] > 4:
            raise Invalid(None, "must be 1 to 4", ".from_quarter")

    def evaluate(self, ctx, requirement, params, as_of):
        year = ctx.plan_year
        statuses, notes, evidence, first_open = [], [], [], None
        facts: dict = {"year": year, "sites": {}}
        for site in params["sites"]:
            label = SITE_LABELS.get(site, site)
            target = params["targets"].get(site, params["target"])
            problem = ctx.source_problem([site], params["column"] or None)
            items = []
            for d in ctx.docs:
                if d.get("site") != site or d["published"][:4] != str(year):
                    continue
                if params["column"] and not ctx.in_columns(d, params["column"]):
                    continue
                hit = about_bureau(d, ctx)
                if hit:
                    items.append((d, [hit]))
            evidence += [evidence_of(d, t) for d, t in items]
            counts = []
            quarters = facts["sites"].setdefault(site, {"quarters": {}})["quarters"]
            for q in range(params["from_quarter"], 5):
                start, end = period_bounds(year, "quarter", q)
                n = sum(1 for d, _ in items if start.isoformat() <= d["published"] <= end.isoformat())
                counts.append(f"Q{q} {n}/{target}")
                quarters[f"{year}Q{q}"] = {"count": n, "target": target}
                if n >= target:
                    statuses.append("met")
                    continue
                st = due_status(as_of, end, ctx.horizon)
                if st in ("gap", "at_risk") and problem:
                    st = "unverifiable"
                    notes.append(f"{label} {year}Q{q}：{problem}")
                elif st == "gap":
                    notes.append(f"{label} {year}Q{q}报送{n}条，少于目标{target}条")
                elif st == "at_risk":
                    notes.append(f"{label} {year}Q{q}已报送{n}条，目标{target}条，{end}截止")
                if st in ("at_risk", "pending") and (first_open is None or end < first_open):
                    first_open = end
                statuses.append(st)
            notes.append(f"{label} " + "，".join(counts))
        status = combine(statuses)
        return [ctx.finding(status, due=first_open, evidence=evidence, facts=facts,
                            message=f"{year}年向上级政务公开专栏报送情况：" + "；".join(notes))]
