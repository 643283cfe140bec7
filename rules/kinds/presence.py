"""presence: at least N matching documents (the year's 部门预算, the previous year's 部门决算 …) by a date."""
from __future__ import annotations

import datetime as dt

from ..findings import due_status, evidence_of, label, published_status, unusable
from ..match import select
from ..params import Param, resolve_date
from . import Kind


class Presence(Kind):
    __kind__ = "presence"
    description = "N matching documents published by a due date (default: the end of the plan year)"
    params = {
        "match": Param("match", required=True, doc="which documents count (terms, site, column, publisher, year)"),
        "min_count": Param("int", 1, minimum=1, doc="how many documents are needed"),
        "due": Param("date", "12-31", doc="due date: MM-DD in the plan year or YYYY-MM-DD (unconfirmed: end of year)"),
        "what": Param("str", None, doc="what is required, in Chinese, for messages (default: the check name)"),
    }

    def evaluate(self, ctx, requirement, params, as_of):
        what = params["what"] or ctx.check.name
        due = resolve_date(params["due"], ctx.plan_year)
        found = select(ctx, params["match"])
        good = [(d, t) for d, t in found if not unusable(d)]
        bad = [d for d, _ in found if unusable(d)]
        need = params["min_count"]
        evidence = [evidence_of(d, t) for d, t in good[:20]]
        note = ("；以下文件的附件无法打开，不计入：" + "、".join(label(d) for d in bad[:5])) if bad else ""
        if len(good) >= need:
            decisive = good[need - 1][0]
            status = published_status(decisive["published"], due)
            if status == "met":
                msg = f"已发布{what}：{label(decisive)}"
            else:
                late = (dt.date.fromisoformat(decisive["published"]) - due).days
                msg = f"{what}逾期发布：{label(decisive)}，应于{due.isoformat()}前发布，逾期{late}天"
            if need > 1:
                msg += f"（共{len(good)}件，要求至少{need}件）"
            return [ctx.finding(status, due=due, evidence=evidence, message=msg + note)]
        status = due_status(as_of, due, ctx.horizon)
        have = f"（仅发现{len(good)}件，要求至少{need}件）" if good else ""
        if status in ("gap", "at_risk"):
            problem = ctx.source_problem(params["match"]["site"], params["match"]["column"])
            if problem:
                return [ctx.finding("unverifiable", due=due, evidence=evidence,
                                    message=f"未发现{what}，但{problem}，无法判断{have}{note}")]
        if status == "gap":
            msg = f"未发现{what}{have}，应于{due.isoformat()}前发布"
        elif status == "at_risk":
            msg = f"尚未发现{what}{have}，将于{due.isoformat()}到期（{(due - as_of).days}天后）"
        else:
            msg = f"{what}尚未到期（{due.isoformat()}前发布）{have}"
        return [ctx.finding(status, due=due, evidence=evidence, message=msg + note)]
