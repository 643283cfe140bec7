"""interpretation: every policy document has its 解读 (text or 图解) within N working days (三同步;
3 working days is a local rule, unconfirmed for Shandong: a parameter). Working days come from the
Chinese holiday calendar (rules/workdays.py). Policy and interpretation are paired by the document name."""
from __future__ import annotations

import datetime as dt
from collections import Counter

from ..findings import combine, evidence_of, follow_up_status, label
from ..match import select, spec
from ..params import Param
from ..workdays import add_workdays
from . import Kind
from ..names import NameIndex, doc_name


class Interpretation(Kind):
    __kind__ = "interpretation"
    met_by_absence = True   # under a crawl-health alarm, finding nothing wrong proves nothing
    description = "every policy document has its 解读/图解 within N working days"
    params = {
        "policy": Param("match", spec(column=["政策文件"], none=["解读", "图解", "征求意见", "采纳"], published="plan"),
                        doc="the policy documents that need an interpretation"),
        "interpretation": Param("match", spec(any=["解读", "图解", "一图读懂"]), doc="the interpretations"),
        "working_days": Param("int", 3, minimum=0, doc="working days after the policy (unconfirmed: 3)"),
    }

    def evaluate(self, ctx, requirement, params, as_of):
        policies = select(ctx, params["policy"])
        found = select(ctx, params["interpretation"])
        interps = NameIndex(found)
        # where a missing 解读 goes: the column the bureau's 解读 are published in (the action line's "where")
        usual = Counter(n for n in (ctx.column_name(d) for d, _ in found) if n).most_common(1)
        where = usual[0][0] if usual else next(iter(params["interpretation"]["column"]), "")
        statuses, notes, evidence, dues = [], [], [], []
        at_fault: list[dict] = []   # the policies still owing (or late with) their 解读: reports route by them
        for doc, terms in policies:
            evidence.append(evidence_of(doc, terms))
            name = doc_name(doc["title"])
            due = add_workdays(dt.date.fromisoformat(doc["published"]), params["working_days"])
            match = [(d, t) for d, t in interps.matches(name) if d["url"] != doc["url"]]
            st, idoc = follow_up_status(match, due, as_of, ctx.horizon, evidence, dues)
            if st == "late":
                notes.append(f"{label(doc)}的解读逾期：{label(idoc)}，应于{due}前（{params['working_days']}个工作日内）")
            elif st == "gap":
                notes.append(f"{label(doc)}未发现政策解读（应于{due}前发布）")
            elif st == "at_risk":
                notes.append(f"{label(doc)}的政策解读尚未发布（{due}到期）")
            if st in ("late", "gap", "at_risk"):
                at_fault.append({"url": doc["url"], "status": st, "due": due.isoformat(), "problem": notes[-1],
                                 "owed": "政策解读", "where": where or ctx.column_name(doc)})
            statuses.append(st)
        if not policies:
            problem = ctx.source_problem(params["policy"]["site"], params["policy"]["column"])
            if problem:
                return [ctx.finding("unverifiable", message=f"未发现需要解读的政策文件，但{problem}，无法判断")]
            return [ctx.finding("met", message=f"{ctx.plan_year}年截至{as_of}未发现需要解读的政策文件")]
        status = combine(statuses)
        done = sum(1 for s in statuses if s in ("met", "late"))
        head = f"{ctx.check.name}：{len(policies)}件政策文件，{done}件已有解读"
        due = min(dues).isoformat() if dues else None
        return [ctx.finding(status, due=due, evidence=evidence, facts={"at_fault": at_fault}, message=head + ("；" + "；".join(notes) if notes else ""))]
