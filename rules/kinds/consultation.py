"""consultation: every 征求意见 draft states its window, long enough, and its 采纳情况 follows.

The window is read from the text (``征求意见时间：2020年6月1日至2020年6月30日``, ``自2020年6月1日起至6月30日止``,
``2020-06-01至2020-06-30`` …) and counted in calendar days, both ends included: at least ``min_days``
(30, 重大行政决策程序暂行条例), or ``normative_workdays`` working days (7) for a 规范性文件. A shorter window
with a stated reason (``reason_terms``) is accepted. The feedback (采纳情况) on the same draft — matched by
the 《name》 — is due ``feedback_days`` after the window closes.
"""
from __future__ import annotations

import datetime as dt
import re

from ..findings import combine, evidence_of, follow_up_status, label
from ..match import select, spec
from ..names import NameIndex, doc_name, same_document  # noqa: F401 (doc_name, same_document: kinds' API)
from ..params import Param
from ..workdays import workdays_between
from . import Kind

_FULL = r"(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?"
_MD = r"(?:(\d{4})\s*[年\-/.]\s*)?(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?"
_RANGE = re.compile(_FULL + r"\s*(?:起|开始)?\s*(?:[（(][^）)]{0,8}[）)])?\s*(?:至|到|—+|－|–|-|~|～)\s*" + _MD)
_KEY = re.compile(r"征求意见|意见反馈|反馈意见|意见建议|提出意见|截止")


def parse_window(text: str | None) -> tuple[dt.date, dt.date] | None:
    """The consultation window stated in *text*, or None."""
    if not text:
        return None
    text = text.replace("\u3000", " ")
    best = None
    for m in _RANGE.finditer(text):
        try:
            start = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            end = dt.date(int(m.group(4) or m.group(1)), int(m.group(5)), int(m.group(6)))
        except ValueError:
            continue
        if end < start:
            continue
        near = _KEY.search(text[max(0, m.start() - 40):m.start()])
        if near:
            return start, end
        best = best or (start, end)
    return best


class Consultation(Kind):
    __kind__ = "consultation"
    met_by_absence = True   # under a crawl-health alarm, finding nothing wrong proves nothing
    description = "征求意见 drafts: window stated and ≥ 30 days (≥ 7 working days for 规范性文件), 采纳情况 published after"
    params = {
        "match": Param("match", spec(any=["征求意见稿", "征求意见"], none=["采纳", "反馈", "结果"], published="plan"),
                       doc="the consultation notices"),
        "feedback": Param("match", spec(all=[["采纳情况", "采纳", "反馈情况"]], published="plan"),
                          doc="the feedback (采纳情况) documents"),
        "min_days": Param("int", 30, minimum=1, doc="calendar days, both ends included"),
        "normative_workdays": Param("int", 7, minimum=1, doc="working days for a 规范性文件"),
        "normative_terms": Param("strings", ["规范性文件"], doc="terms in title or body marking a 规范性文件"),
        "reason_terms": Param("strings", ["缩短征求意见", "缩短意见征集", "缩短公开征求意见"],
                              doc="terms stating why a window was shortened"),
        "feedback_days": Param("int", 30, minimum=0, doc="days after the window closes (unconfirmed: 30)"),
        "min_count": Param("int", 0, minimum=0, doc="consultations expected in the plan year (0: none required)"),
    }

    def evaluate(self, ctx, requirement, params, as_of):
        drafts = select(ctx, params["match"])
        feedbacks = NameIndex(select(ctx, params["feedback"]))
        statuses, notes, evidence, dues = [], [], [], []
        facts: dict = {"drafts": []}
        for doc, terms in drafts:
            evidence.append(evidence_of(doc, terms))
            draft = {"url": doc.get("url"), "window": None}
            facts["drafts"].append(draft)
            name = doc_name(doc["title"])
            text = "\n".join(filter(None, [doc.get("body"), doc.get("attachment_text")]))
            window = parse_window(text)
            if window is None:
                statuses.append("gap")
                notes.append(f"{label(doc)}未载明征求意见的起止时间")
                continue
            start, end = window
            days = (end - start).days + 1
            draft["window"] = {"start": start.isoformat(), "end": end.isoformat()}
            draft["window_days"] = days
            normative = any(t in (doc["title"] + text) for t in params["normative_terms"])
            if normative:
                wd = workdays_between(start, end)
                ok, need = wd >= params["normative_workdays"], f"{params['normative_workdays']}个工作日"
                have = f"{wd}个工作日"
                draft["window_workdays"] = wd
            else:
                ok, need, have = days >= params["min_days"], f"{params['min_days']}日", f"{days}日"
            if not ok and any(t in text for t in params["reason_terms"]):
                notes.append(f"{label(doc)}征求意见期限{have}，少于{need}，已说明缩短理由")
            elif not ok:
                statuses.append("gap")
                notes.append(f"{label(doc)}征求意见期限仅{have}（{start}至{end}），少于{need}")
            fb_due = end + dt.timedelta(days=params["feedback_days"])
            match = [(f, t) for f, t in feedbacks.matches(name) if f["published"] >= doc["published"]]
            st, fdoc = follow_up_status(match, fb_due, as_of, ctx.horizon, evidence, dues)
            draft.update(window_ok=ok, feedback_due=fb_due.isoformat(), feedback=(fdoc or {}).get("url"),
                         feedback_status=st)
            if st == "late":
                notes.append(f"{label(doc)}的采纳情况逾期发布：{label(fdoc)}，应于{fb_due}前")
            elif st == "gap":
                notes.append(f"{label(doc)}征求意见已于{end}结束，未发现意见采纳情况（应于{fb_due}前公开）")
            elif st == "at_risk":
                notes.append(f"{label(doc)}的意见采纳情况尚未公开（{fb_due}到期）")
            statuses.append(st)
        if len(drafts) < params["min_count"]:
            statuses.append("gap")
            notes.append(f"本年度仅发现{len(drafts)}件征求意见稿，要求至少{params['min_count']}件")
        if not drafts and not params["min_count"]:
            problem = ctx.source_problem(params["match"]["site"], params["match"]["column"])
            if problem:
                return [ctx.finding("unverifiable", message=f"未发现征求意见稿，但{problem}，无法判断")]
            return [ctx.finding("met", message=f"{ctx.plan_year}年未发现公开征求意见的决策草案，无需检查期限和采纳情况")]
        status = combine(statuses) if statuses else "met"
        head = f"{ctx.check.name}：检查{len(drafts)}件征求意见稿"
        due = min(dues).isoformat() if dues else None
        return [ctx.finding(status, due=due, evidence=evidence, facts=facts, message=head + ("；" + "；".join(notes) if notes else "，期限和采纳情况均符合要求"))]
