"""annual_report: last year's 政府信息公开工作年度报告 published by 31 January (条例 art. 49–50), with its
six parts (国办公开办函〔2021〕30号 template)."""
from __future__ import annotations

import re

from ..findings import due_status, evidence_of, label, published_status
from ..match import select, spec
from ..params import Param, resolve_date
from . import Kind

DEFAULT_PARTS = [
    "总体情况",
    "主动公开政府信息情况",
    "收到和处理政府信息公开申请情况",
    "政府信息公开行政复议、行政诉讼情况",
    "存在的主要问题及改进情况",
    "其他需要报告的事项",
]
# shorter forms each part is also recognised by (older templates word them differently)
_ALT = {
    "主动公开政府信息情况": ["主动公开政府信息"],
    "收到和处理政府信息公开申请情况": ["政府信息公开申请", "依申请公开"],
    "政府信息公开行政复议、行政诉讼情况": ["行政复议"],
    "存在的主要问题及改进情况": ["存在的主要问题"],
    "其他需要报告的事项": ["其他需要报告"],
}
_STRIP = re.compile(r"[\s\u3000、，,。：:（）()“”\"]+")


def missing_parts(text: str, parts: list[str]) -> list[str]:
    flat = _STRIP.sub("", text or "")
    return [p for p in parts if not any(_STRIP.sub("", a) in flat for a in [p, *_ALT.get(p, [])])]


class AnnualReport(Kind):
    __kind__ = "annual_report"
    description = "last year's 政府信息公开工作年度报告 by 31 January, with the six parts"
    params = {
        "match": Param("match", spec(all=[["政府信息公开"], ["年度报告", "工作报告"]], year="previous", publisher="bureau")),
        "due": Param("date", "01-31", doc="MM-DD in the plan year"),
        "parts": Param("strings", DEFAULT_PARTS, doc="parts the report must have"),
    }

    def evaluate(self, ctx, requirement, params, as_of):
        due = resolve_date(params["due"], ctx.plan_year)
        last = ctx.plan_year - 1
        found = select(ctx, params["match"])
        if not found:
            st = due_status(as_of, due, ctx.horizon)
            if st in ("gap", "at_risk"):
                problem = ctx.source_problem(params["match"]["site"], params["match"]["column"])
                if problem:
                    return [ctx.finding("unverifiable", due=due, message=f"未发现{last}年度报告，但{problem}，无法判断")]
            msg = {"gap": f"未发现{last}年政府信息公开工作年度报告（应于{due}前发布）",
                   "at_risk": f"{last}年政府信息公开工作年度报告尚未发布（{due}到期）",
                   "pending": f"{last}年政府信息公开工作年度报告尚未到期（{due}前发布）"}[st]
            return [ctx.finding(st, due=due, message=msg)]
        doc, terms = found[0]
        evidence = [evidence_of(d, t) for d, t in found]
        texts = [" ".join(filter(None, [d.get("body"), d.get("attachment_text")])) for d, _ in found]
        missing = min((missing_parts(t, params["parts"]) for t in texts), key=len)
        status = published_status(doc["published"], due)
        if status == "late":
            msg = f"{last}年度报告逾期发布：{label(doc)}，应于{due}前"
        else:
            msg = f"已按时发布{last}年度报告：{label(doc)}"
        if missing:
            status = "gap" if status == "met" else status
            msg += "；报告缺少以下部分：" + "、".join(missing)
        return [ctx.finding(status, due=due, evidence=evidence, message=msg)]
