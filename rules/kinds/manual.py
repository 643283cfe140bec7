"""manual: what the web cannot show (procedures, internal systems, training held). Waits for an
attestation (`zwgk attest`); met once a unit attested it for the plan year (attestations expire with it)."""
from __future__ import annotations

from ..params import Param
from . import Kind


class Manual(Kind):
    __kind__ = "manual"
    description = "needs a person's attestation (zwgk attest); met once attested for the plan year"
    web = False
    params = {
        "reason": Param("str", required=True, doc="why the web cannot show it"),
        "hint": Param("str", None, doc="what an attestation should point to"),
    }

    def evaluate(self, ctx, requirement, params, as_of):
        atts = ctx.attestations(requirement.id)
        if atts:
            evidence = [{"url": a["evidence"], "title": f"{a['unit']}确认：{a['note']}",
                         "published": (a["attested_at"] or "")[:10], "terms": []} for a in atts]
            last = atts[-1]
            return [ctx.finding("met", evidence=evidence,
                                message=f"已由{last['unit']}于{(last['attested_at'] or '')[:10]}确认：{last['note']}")]
        msg = f"需人工确认：{params['reason']}"
        if params["hint"]:
            msg += f"（请提供：{params['hint']}）"
        return [ctx.finding("manual", message=msg + "。确认后运行 zwgk attest " + requirement.id + " --unit 单位 --note 说明")]
