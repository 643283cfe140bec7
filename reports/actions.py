"""The one sentence a unit acts on: what to do, where, by when — first in every item of a report and mail.

Built from what the rule measured (the finding's status, due date, ``facts``: documents at fault and what
each owes, broken links, stale columns, submissions per quarter) and what the plan's check looks for (its
``what`` and columns) — never from the check's or the kind's name::

    请在“财政预决算”栏目发布2019年度部门决算（应于2020-09-30前发布，已逾期61天）
"""
from __future__ import annotations

import datetime as dt
import re

from crawler.dates import to_date

_QUARTER = re.compile(r"(\d{4})Q([1-4])")
_QUARTER_NAMES = {"1": "一", "2": "二", "3": "三", "4": "四"}
_BARE_QUARTER = re.compile(r"(?<![A-Za-z0-9])Q([1-4])(?![A-Za-z0-9])")
_DOUBLE = re.compile(r"《《(.+?)》([^《》]*)》")
#: a sentence telling the reader to run a command (`确认后运行 zwgk attest …`): the office runs commands,
#: staff reply with a link (the action line says so)
_COMMAND = re.compile(r"[^。；;\n]*`?zwgk\s+[a-z][^。；;\n]*[。；;]?")


def plain(text: str) -> str:
    """Chinese wording: 2020Q3 → 2020年第三季度, Q1 1/1 → 第一季度 1/1, 《《X》解读》 → 《X解读》."""
    text = _QUARTER.sub(lambda m: f"{m.group(1)}年第{_QUARTER_NAMES[m.group(2)]}季度", text or "")
    text = _BARE_QUARTER.sub(lambda m: f"第{_QUARTER_NAMES[m.group(1)]}季度", text)
    while _DOUBLE.search(text):
        text = _DOUBLE.sub(lambda m: f"《{m.group(1)}{m.group(2)}》", text)
    return text


def staff_text(text: str) -> str:
    """What staff read (reports, mails, XLSX): :func:`plain`, without any command to run."""
    return _COMMAND.sub("", plain(text)).strip()


#: a notice that only carries a document (关于印发《X》的通知): the action names X
_CARRIER = re.compile(r"^(?:关于)?(?:印发|转发|公布|发布)?《([^《》]+)》的(?:通知|公告)$")


def _title(text: str) -> str:
    """《title》; a title quoting another's keeps the inner one in 〈〉 (《关于〈X办法〉的通知》)."""
    text = plain(text).strip()
    if text.startswith("《") and text.endswith("》"):
        m = _CARRIER.match(text[1:-1]) if text.count("《") > 1 else None
        return f"《{m.group(1)}》" if m else text
    m = _CARRIER.match(text)
    if m:
        return f"《{m.group(1)}》"
    return "《" + text.replace("《", "〈").replace("》", "〉") + "》"


def _when(due: dt.date | None, as_of: dt.date | None, verb: str = "发布") -> str:
    if due is None:
        return ""
    if as_of is not None and as_of > due:
        return f"（应于{due.isoformat()}前{verb}，已逾期{(as_of - due).days}天）"
    if as_of is not None and as_of == due:
        return f"（应于{due.isoformat()}前{verb}，今天到期）"
    if as_of is not None:
        return f"（应于{due.isoformat()}前{verb}，还有{(due - as_of).days}天）"
    return f"（应于{due.isoformat()}前{verb}）"


def action_line(finding, as_of: dt.date | None, unit: str | None = None) -> str:
    """One sentence: what to do, where, by when (Chinese only, no commands)."""
    line = _action(finding, as_of, unit)
    return line[:-1] if line.endswith("）。") else line


def _action(finding, as_of: dt.date | None, unit: str | None) -> str:
    status = finding.status
    what, columns = finding.requirement.targets.get(finding.check, ("", []))
    what = plain(what or finding.check or finding.requirement.short)
    columns = columns or finding.columns
    where = f"在“{'”或“'.join(columns)}”栏目" if columns else ""
    faulty, _ = finding.evidence_for(unit)
    if status == "met":
        return f"{what}：已满足，请保持。"
    if status == "manual":
        return f"请将{what}的证明材料（网页链接或文件）回复办公室确认。"
    if status == "unverifiable":
        return f"请确认{where or '相关栏目'}可以正常访问；恢复后将重新核查{what}。"
    if status == "pending":
        return f"请按计划{where}发布{what}{_when(finding.due, as_of)}。"
    if finding.facts.get("broken"):
        return "请修复或删除下列文章中的失效链接、补齐缺失的附件，修复后将链接回复办公室确认。"
    if faulty:
        owed = [e for e in faulty if _fault_status(finding, e.url) != "late"]   # late ones are done, if late
        faulty = owed or faulty
        status = status if owed or status != "gap" else "late"
        names = _names(faulty)
        due = min((d for d in (_fault_due(finding, e.url) for e in faulty) if d), default=finding.due)
        owing: dict[tuple, list] = {}   # (what is owed, the column it goes in) → the documents owing it (facts)
        for e in faulty:
            key = (_fault_field(finding, e.url, "owed"), _fault_field(finding, e.url, "where"))
            owing.setdefault(key, []).append(e)
        if any(not owed for owed, _ in owing):
            return f"请处理{names}的问题{_when(due, as_of, '处理')}。"
        if status == "late":
            return "；".join(f"{_names(docs)}的{owed}发布逾期" for (owed, _), docs in owing.items()) + "，今后请按规定时限发布。"

        def owe(owed, column, docs):
            return f"请在“{column}”栏目发布{_names(docs)}的{owed}" if column else f"请为{_names(docs)}发布{owed}"
        if len(owing) == 1:
            (owed, column), _docs = next(iter(owing.items()))
            return f"{owe(owed, column, faulty)}{_when(due, as_of)}。"
        # several things owed, each by its own date (a 15-day window's reason vs a later feedback)
        return "；".join(f"{owe(owed, column, docs)}{_when(_earliest(finding, docs), as_of)}"
                        for (owed, column), docs in owing.items()) + "。"
    if finding.facts.get("sites"):   # per source and quarter: submitted vs target (rules/kinds/submissions.py)
        short = []
        for site in (finding.facts.get("sites") or {}).values():
            for q, c in sorted((site.get("quarters") or {}).items()):
                target, count = c.get("target"), c.get("count") or 0
                if target is not None and count < target:
                    short.append((q, target - count))
        owed: dict[str, int] = {}
        for q, n in short:
            owed[q] = owed.get(q, 0) + n
        if owed:
            parts = "，".join(f"{plain(q)}还差{n}条" for q, n in owed.items())
            return f"请向上级政务公开栏目报送本单位信息：{parts}{_when(finding.due, as_of, '报送')}。"
    if finding.facts.get("stale_columns") or finding.facts.get("blank_columns"):
        cols = [str(c.get("name") if isinstance(c, dict) else c) for c in (finding.facts.get("stale_columns") or [])]
        names = "、".join(f"“{c}”" for c in cols[:5]) + ("等栏目" if len(cols) > 5 else "栏目") if cols else "相关栏目"
        return f"请更新{names}；确无内容的栏目应整合或注明。"
    if status == "late":   # published, after the date: how late it was, not how long ago the date passed
        return f"{what}已{where}公开但超过时限{_late_by(finding)}，今后请按时发布。"
    return f"请{where}发布{what}{_when(finding.due, as_of)}。"


def _names(docs) -> str:
    return "、".join(_title(e.title) for e in docs[:3]) + (f"等{len(docs)}件" if len(docs) > 3 else "")


def _fault_field(finding, url: str, key: str) -> str:
    for a in finding.facts.get("at_fault") or []:
        if isinstance(a, dict) and a.get("url") == url:
            return str(a.get(key) or "")
    return ""


def _fault_status(finding, url: str) -> str:
    return _fault_field(finding, url, "status")


def _fault_due(finding, url: str) -> dt.date | None:
    for a in finding.facts.get("at_fault") or []:
        if isinstance(a, dict) and a.get("url") == url:
            return to_date(a.get("due"))
    return None


def _earliest(finding, docs) -> dt.date | None:
    return min((d for d in (_fault_due(finding, e.url) for e in docs) if d), default=finding.due)


def _late_by(finding) -> str:
    due = finding.due
    published = min((e.published for e in finding.evidence if e.published), default=None)
    if due is None:
        return ""
    if published is None or published <= due:
        return f"（应于{due.isoformat()}前发布）"
    return f"（应于{due.isoformat()}前发布，{published.isoformat()}发布，逾期{(published - due).days}天）"
