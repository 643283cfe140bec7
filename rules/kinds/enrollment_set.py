"""enrollment_set: the year's compulsory-education enrollment documents, each in season
(教育部《义务教育领域基层政务公开标准指引》): 招生政策/实施方案, 招生范围/学区划分, 招生计划, 招生结果.
Due dates are unconfirmed defaults (policy and catchment by June, plan and results by September).
Last year's documents never count (``year: plan``), nor another unit's."""
from __future__ import annotations

from ..findings import combine, due_status, evidence_of, label, published_status
from ..match import any_match, select, spec
from ..params import Param, resolve_date
from . import Kind

COMPONENT = {
    "label": Param("str", required=True),
    "any": Param("terms", required=True),
    "none": Param("terms", []),
    "due": Param("date", required=True),
}
DEFAULT_COMPONENTS = {
    "policy": {"label": "招生政策（招生入学工作实施方案）", "any": [["实施方案"], ["招生政策"], ["招生简章"], ["工作方案"], ["入学办法"]],
               "none": [["学区划分"], ["录取"]], "due": "06-30"},
    "zone": {"label": "招生范围（学区划分）", "any": [["学区划分"], ["招生范围"], ["施教区"], ["学区范围"], ["服务区"]],
             "none": [], "due": "06-30"},
    "plan": {"label": "招生计划", "any": [["招生计划"]], "none": [], "due": "09-30"},
    "result": {"label": "招生结果（录取结果）", "any": [["招生结果"], ["录取结果"], ["录取名单"], ["录取情况"]],
               "none": [], "due": "09-30"},
}


class EnrollmentSet(Kind):
    __kind__ = "enrollment_set"
    description = "招生政策, 招生范围/学区划分, 招生计划, 招生结果 of the plan year, each by its due date"
    params = {
        "match": Param("match", spec(all=[["招生", "入学", "录取", "学区"]], year="plan", publisher="bureau",
                                     none=["发布会", "答记者问", "记者", "解读", "图解", "热点"]),
                       doc="what is an enrollment document at all"),
        "components": Param("dict", DEFAULT_COMPONENTS, item=COMPONENT, doc="name → {label, any, none, due}"),
    }

    def evaluate(self, ctx, requirement, params, as_of):
        docs = select(ctx, params["match"])
        statuses, notes, evidence, open_dues = [], [], [], []
        for key, comp in params["components"].items():
            due = resolve_date(comp["due"], ctx.plan_year)
            hits = []
            for doc, terms in docs:
                tokens = ctx.tokens(doc, params["match"]["fields"])
                hit = any_match(comp["any"], tokens)
                if hit and not any_match(comp["none"], tokens):
                    hits.append((doc, terms + [h for h in hit if h not in terms]))
            if hits:
                doc = hits[0][0]
                st = published_status(doc["published"], due)
                evidence += [evidence_of(d, t) for d, t in hits[:3]]
                notes.append(f"{comp['label']}：{'逾期发布' if st == 'late' else '已发布'}{label(doc)}"
                             + (f"，应于{due}前" if st == "late" else ""))
            else:
                st = due_status(as_of, due, ctx.horizon)
                if st in ("gap", "at_risk"):
                    problem = ctx.source_problem(params["match"]["site"], params["match"]["column"])
                    if problem:
                        st = "unverifiable"
                notes.append(f"{comp['label']}：" + {"gap": f"未发现（应于{due}前发布）",
                                                    "at_risk": f"尚未发布（{due}到期）",
                                                    "pending": f"尚未到期（{due}前发布）",
                                                    "unverifiable": "未发现，但来源无法读取"}[st])
                open_dues.append(due)
            statuses.append(st)
        status = combine(statuses)
        due = min(open_dues).isoformat() if open_dues else None
        return [ctx.finding(status, due=due, evidence=evidence,
                            message=f"{ctx.plan_year}年义务教育招生信息：" + "；".join(notes))]
