"""Statuses as people see them: their symbols and colours (the Chinese names are crawler/vocabulary.py's),
severity rank, and the action each status suggests to a unit."""
from __future__ import annotations

from typing import Iterable

from crawler.vocabulary import STATUS_LABELS, STATUS_ORDER

#: a symbol beside every colour, so colour is never the only signal (also in print)
STATUS_SYMBOLS = {
    "gap": "✗", "late": "◷", "at_risk": "!", "unverifiable": "?", "pending": "…", "manual": "✎", "met": "✓",
}
STATUS_COLOURS = {  # (background, text) — also used inline in e-mail
    "gap": ("#fbd5d0", "#8a1c0f"),
    "late": ("#fde2c4", "#7a3d00"),
    "at_risk": ("#fff1b8", "#5c4400"),
    "unverifiable": ("#e4dcf2", "#47306e"),
    "pending": ("#dbe8f5", "#1e3f63"),
    "manual": ("#e8e8e8", "#333333"),
    "met": ("#d3efd6", "#1b5e20"),
}
#: statuses a unit must act on; the e-mail subject counts these (see ``action_count``)
ACTION_STATUSES = ("gap", "late")
_RANK = {s: i for i, s in enumerate(STATUS_ORDER)}


def status_rank(status: str) -> int:
    return _RANK.get(status, len(STATUS_ORDER))


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status or "未知")


def worst(statuses: Iterable[str]) -> str | None:
    statuses = list(statuses)
    return min(statuses, key=status_rank) if statuses else None


# --- suggested actions -------------------------------------------------------------------------

# (substring of the check name, status) → what the unit should do; the first match wins.
_ACTIONS: list[tuple[str, tuple[str, ...], str]] = [
    ("manual", ("manual",), "通过办公室提交落实情况的证明材料（会议记录、制度文件或网页链接），由办公室登记确认（zwgk attest）。"),
    ("consult", ("gap", "late", "at_risk"), "征求意见期限一般不少于30日：补充说明缩短期限的理由，征求意见结束后及时公开意见收集和采纳情况。"),
    ("interpret", ("gap", "late", "at_risk"), "按“三同步”要求，在政策文件公开后3个工作日内发布政策解读（文字或图解），并与原文相互链接。"),
    ("fresh", ("gap", "at_risk"), "及时更新该栏目；确无内容的栏目应整合或注明，避免出现空白栏目和长期未更新栏目。"),
    ("link", ("gap", "at_risk"), "修复或删除失效链接、补齐缺失的附件，修复后告知办公室复核。"),
    ("submission", ("gap", "at_risk"), "按季度向上级政务公开栏目（政务公开看山东、政务公开经验做法、政务公开看兖州）报送本单位信息，补足本季度差额。"),
    ("annual", ("gap", "at_risk"), "每年1月31日前公开上一年度政府信息公开工作年度报告，内容包含规定的六个部分。"),
    ("enrol", ("gap", "at_risk"), "在招生季按时公开招生政策（实施方案）、招生范围（学区划分）、招生计划和招生结果。"),
    ("periodic", ("gap", "at_risk"), "按期（月/季/半年）公开执行情况，补发缺少期次的内容。"),
]
_DEFAULT_ACTIONS = {
    "gap": "请在本单位负责的栏目尽快公开上述信息，公开后将链接告知办公室复核。",
    "late": "该信息已公开但超过时限：今后在信息形成或变更之日起20个工作日内公开，并核对发布日期。",
    "at_risk": "临近公开期限，请提前准备并按时公开。",
    "pending": "尚未到期，请按计划推进。",
    "unverifiable": "数据来源暂时无法读取，请确认栏目可正常访问；恢复后将重新核查。",
    "manual": "通过办公室提交落实情况的证明材料，由办公室登记确认（zwgk attest）。",
    "met": "已满足，请保持。",
}


def suggested_action(check: str | None, status: str) -> str:
    name = (check or "").lower()
    for needle, statuses, text in _ACTIONS:
        if needle in name and status in statuses:
            return text
    return _DEFAULT_ACTIONS.get(status, "")


